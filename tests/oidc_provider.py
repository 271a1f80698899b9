"""A real local OpenID Connect provider for sign-in tests (`tests/oidc/server.mjs`, `make oidc`).

`OidcProvider(identity_file).start()` runs `node tests/oidc/server.mjs <free port> <file>` and
waits until its discovery document answers (a polled condition with a deadline, no fixed sleep).
The provider approves every /authorize at once (no login form) for whoever `sign_in_as(email,
name)` last named; `sub` is the email. `auth_secrets_toml(redirect_uri)` is the `[auth]` section
of `.streamlit/secrets.toml` that makes `st.login()` use it. `stop()` ends node; so does the end
of the process that started it (node exits when its stdin closes).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import httpx

from tests.waiting import until_up

ROOT = Path(__file__).resolve().parents[1]
SERVER_DIR = ROOT / "tests" / "oidc"
SERVER_SCRIPT = SERVER_DIR / "server.mjs"
START_TIMEOUT_S = 30.0
CLIENT_ID = "playground"
DEFAULT_PERSON = ("visitor@example.com", "Demo Visitor")


class OidcError(RuntimeError):
    """The provider could not be started; the message has its output."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _toml_string(value: str) -> str:
    return json.dumps(value)  # a JSON string of these characters is a TOML basic string


class OidcProvider:
    """oauth2-mock-server on 127.0.0.1:`port`, signing in whoever `sign_in_as` named last."""

    def __init__(self, identity_file: str | os.PathLike[str]) -> None:
        self.identity_file = Path(identity_file)
        self.log_path = self.identity_file.with_suffix(".log")
        self.port: int | None = None
        # One per provider: app processes given the same secrets accept each other's cookies.
        self.cookie_secret = secrets.token_urlsafe(32)
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def sign_in_as(self, email: str, name: str | None = None) -> None:
        """The next sign-in (the next /authorize) is `email`, shown as `name`."""
        person = {"email": email, "name": name or email}
        tmp = self.identity_file.with_name(f".{self.identity_file.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(person), encoding="utf-8")
        os.replace(tmp, self.identity_file)  # the server never reads half a file

    def auth_secrets_toml(self, redirect_uri: str) -> str:
        """The `[auth]` section of `.streamlit/secrets.toml` for an app signing in here.

        `redirect_uri` is the app's `http://127.0.0.1:<port>/oauth2callback`: the host must be
        the one the browser uses (127.0.0.1, not localhost), or the state cookie is lost.
        """
        lines = {
            "redirect_uri": redirect_uri,
            "cookie_secret": self.cookie_secret,
            "client_id": CLIENT_ID,
            "client_secret": "unused-by-mock",
            "server_metadata_url": self.metadata_url,
        }
        return "[auth]\n" + "".join(f"{k} = {_toml_string(v)}\n" for k, v in lines.items())

    # -- running it ----------------------------------------------------------------------

    def start(self) -> OidcProvider:
        node = shutil.which("node")
        if node is None or not (SERVER_DIR / "node_modules" / "oauth2-mock-server").is_dir():
            raise OidcError("node or tests/oidc/node_modules is missing: run `make oidc`.")
        if not self.identity_file.exists():
            self.sign_in_as(*DEFAULT_PERSON)
        for _attempt in range(3):  # a free port can be taken before node binds it
            if self._launch(node):
                return self
        raise OidcError(f"the OIDC provider did not start; its output:\n{self._log_tail()}")

    def _launch(self, node: str) -> bool:
        """Start node on a free port; True once discovery answers, False if node exits."""
        self.port = free_port()
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                [node, str(SERVER_SCRIPT), str(self.port), str(self.identity_file)],
                cwd=SERVER_DIR,
                env={**os.environ, "OIDC_EXIT_ON_STDIN_EOF": "1"},
                stdin=subprocess.PIPE,  # closed when this process ends: node then exits
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C in the terminal is for pytest, not for it
            )
        with httpx.Client(timeout=2.0) as client:

            def answers() -> bool:
                try:
                    return client.get(self.metadata_url).status_code == 200
                except httpx.TransportError:
                    return False

            try:
                return until_up(answers, self._process, START_TIMEOUT_S, pause_s=0.02)
            except TimeoutError:
                pass
        self.stop()
        raise OidcError(
            f"the OIDC provider did not answer within {START_TIMEOUT_S:.0f} s; its output:\n"
            f"{self._log_tail()}"
        )

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no output)"

    def __enter__(self) -> OidcProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp, OidcProvider(Path(tmp) / "who.json") as provider:
        print(provider.auth_secrets_toml("http://127.0.0.1:8501/oauth2callback"))
        input(f"Issuer {provider.issuer}; Enter stops it. ")
