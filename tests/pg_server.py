"""A real, throwaway PostgreSQL server for tests (Debian's binaries; `make postgresql`).

`PostgresServer(base_dir).start()` runs `initdb` into `base_dir/data` and starts `postgres` on
a free loopback port with its socket in `base_dir/sock`, tuned for tests (no fsync), and waits
until it accepts a connection (a polled condition with a deadline, no fixed sleep). `stop()`
shuts it down with `pg_ctl stop -m fast`. `create_database()` makes a fresh empty database and
returns its SQLAlchemy URL; `drop_database(url)` drops it, ending its open connections.

PostgreSQL refuses to run as root: as root the server runs as the `postgres` system user
(created by Debian's package) through `runuser`, or as a system user `pgtest` created for it.
`base_dir` is then handed to that user, so it must be a directory the user can reach (such as
one from `tempfile.mkdtemp()`, not one under pytest's root-only `tmp_path`).

A watchdog process stops the server (and removes `base_dir`) if the process that started it
dies without calling `stop()` (a killed test run), so no server is left behind.

Run one by hand: `python -m tests.pg_server` prints a URL and serves until Enter.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

from tests.waiting import until_up

BIN_GLOB = "/usr/lib/postgresql/*/bin"
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0
FALLBACK_USER = "pgtest"  # as root, when Debian's `postgres` user does not exist

SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}

# Reads its stdin until the test process is gone, then stops the server and removes its folder.
# Killed first by a normal `stop()`.
_WATCHDOG = """
import shutil, subprocess, sys
sys.stdin.read()
subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
shutil.rmtree(sys.argv[1], ignore_errors=True)
"""


class PostgresError(RuntimeError):
    """The server could not be set up, started or stopped; the message has its log."""


def find_bin_dir() -> Path:
    """The newest installed PostgreSQL's bin directory (with initdb, postgres, pg_ctl)."""
    found = [Path(p) for p in glob.glob(BIN_GLOB) if (Path(p) / "initdb").is_file()]
    if not found:
        raise PostgresError(
            f"No PostgreSQL server binaries under {BIN_GLOB}: run `make postgresql` "
            "(apt-get install postgresql)."
        )

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", path.parent.name))

    return max(found, key=version)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_user() -> str:
    """As root: the system user the server runs as (`postgres`, else `pgtest`, created)."""
    for name in ("postgres", FALLBACK_USER):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            pass
    done = subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", FALLBACK_USER],
        capture_output=True,
        text=True,
    )
    try:  # another test run may have created it meanwhile (useradd then fails)
        pwd.getpwnam(FALLBACK_USER)
    except KeyError:
        raise PostgresError(f"useradd {FALLBACK_USER} failed: {done.stderr.strip()}") from None
    return FALLBACK_USER


def _clean_env() -> dict[str, str]:
    """This environment without libpq/PG settings that would redirect the server tools."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


class PostgresServer:
    """One PostgreSQL server in `base_dir` on 127.0.0.1:`port` (user `postgres`, trust auth)."""

    host = "127.0.0.1"
    superuser = "postgres"

    def __init__(self, base_dir: str | os.PathLike[str], bin_dir: Path | None = None) -> None:
        self.base_dir = Path(base_dir)
        self.bin_dir = bin_dir or find_bin_dir()
        self.data_dir = self.base_dir / "data"
        self.socket_dir = self.base_dir / "sock"
        self.log_path = self.base_dir / "postgres.log"
        self.port: int | None = None
        self.startup_s: float | None = None  # initdb + start until the first connection
        self._run_as = _server_user() if os.geteuid() == 0 else None
        self._process: subprocess.Popen[bytes] | None = None
        self._watchdog: subprocess.Popen[bytes] | None = None

    # -- running it ----------------------------------------------------------------------

    def _command(self, tool: str, *args: str) -> list[str]:
        command = [str(self.bin_dir / tool), *args]
        return ["runuser", "-u", self._run_as, "--", *command] if self._run_as else command

    def _run(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self._command(tool, *args),
            cwd=self.base_dir,
            env=_clean_env(),
            capture_output=True,
            text=True,
            timeout=120,
        )

    def start(self) -> PostgresServer:
        started = time.monotonic()
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        if self._run_as:
            user = pwd.getpwnam(self._run_as)
            for path in (self.base_dir, self.socket_dir):
                os.chown(path, user.pw_uid, user.pw_gid)
        done = self._run(
            "initdb",
            "-D",
            str(self.data_dir),
            "-A",
            "trust",
            "-U",
            self.superuser,
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        if done.returncode != 0:
            hint = f" (can user {self._run_as} reach {self.base_dir}?)" if self._run_as else ""
            raise PostgresError(
                f"initdb failed ({done.returncode}){hint}:\n{done.stdout}{done.stderr}"
            )
        self._start_watchdog()
        try:
            for _attempt in range(3):  # a free port can be taken before postgres binds it
                if self._launch():
                    self.startup_s = time.monotonic() - started
                    return self
            raise PostgresError(f"postgres did not start; its log:\n{self._log_tail()}")
        except BaseException:
            self.stop()
            raise

    def _launch(self) -> bool:
        """Start postgres on a free port; True once it accepts a connection, False if it exits."""
        self.port = free_port()
        settings = [arg for k, v in SERVER_SETTINGS.items() for arg in ("-c", f"{k}={v}")]
        command = self._command(
            "postgres",
            "-D",
            str(self.data_dir),
            "-p",
            str(self.port),
            "-k",
            str(self.socket_dir),
            *settings,
        )
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                command,
                cwd=self.base_dir,
                env=_clean_env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C in the terminal is for pytest, not for it
            )

        def accepts() -> bool:
            try:
                with psycopg.connect(self.dsn("postgres"), connect_timeout=2):
                    return True
            except psycopg.OperationalError:
                return False

        try:
            return until_up(accepts, self._process, START_TIMEOUT_S, pause_s=0.02)
        except TimeoutError:
            pass
        self._kill()
        raise PostgresError(
            f"postgres accepted no connection within {START_TIMEOUT_S:.0f} s; its log:\n"
            f"{self._log_tail()}"
        )

    def _start_watchdog(self) -> None:
        self._watchdog = subprocess.Popen(
            [
                sys.executable,
                "-c",
                _WATCHDOG,
                str(self.base_dir),
                *self._command("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "immediate"),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=_clean_env(),
            start_new_session=True,
        )

    def stop(self) -> None:
        """Shut the server down (`pg_ctl stop -m fast`) and wait for it to be gone."""
        if self._watchdog is not None:
            self._watchdog.kill()
            self._watchdog.wait()
            self._watchdog = None
        if self._process is None:
            return
        process, self._process = self._process, None
        if process.poll() is None:
            done = self._run(
                "pg_ctl", "stop", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "30"
            )
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self._kill(process)
                raise PostgresError(
                    f"pg_ctl stop left postgres running ({done.stderr.strip()}); killed it"
                ) from None

    def _kill(self, process: subprocess.Popen[bytes] | None = None) -> None:
        """Last resort: SIGKILL the server's process group (postgres and its children)."""
        process = process or self._process
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def _log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- databases -----------------------------------------------------------------------

    def dsn(self, dbname: str) -> str:
        """A libpq connection string (psycopg.connect) for `dbname`."""
        return f"host={self.host} port={self.port} user={self.superuser} dbname={dbname}"

    def url(self, dbname: str) -> str:
        """The SQLAlchemy URL of `dbname` on this server."""
        return f"postgresql+psycopg://{self.superuser}@{self.host}:{self.port}/{dbname}"

    def create_database(self) -> str:
        """A fresh, empty database `t_<random hex>`; its SQLAlchemy URL.

        Any number of processes may share the URL (e.g. two app processes on one store).
        """
        name = f"t_{secrets.token_hex(8)}"
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, url_or_name: str) -> None:
        """Drop a database made by `create_database`, ending connections still open to it."""
        name = url_or_name.rsplit("/", 1)[-1]
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


if __name__ == "__main__":
    import tempfile

    base = tempfile.mkdtemp(prefix="kling-pg-")
    try:
        with PostgresServer(base) as server:
            print(f"Started in {server.startup_s:.2f} s: {server.create_database()}")
            input("Enter stops it. ")
    finally:
        shutil.rmtree(base, ignore_errors=True)
