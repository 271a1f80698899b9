"""A damaged database is moved aside and rebuilt; an unusable folder or an unreachable database
server is one plain error.

Damaged files, file modes and older files are SQLite's own (SQLite-only tests); the data
folder's failures are the same with PostgreSQL (which keeps videos and images there too).
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import stat
import time
import traceback
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import pytest

from fake_modelhunter.videos import tiny_mp4
from modelhunter.requests import parse_request
from playground.disk import Disk
from playground.posters import poster_for
from playground.runs import Run
from playground.store import STALE_TEMP_S, Store, StoreUnavailable
from playground.store_health import SQLITE_HEADER
from tests.pg_server import free_port

T0 = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
PAGE = 4096


def _run(run_id: str, **fields: object) -> Run:
    request = parse_request(
        {"model": "kling-v3", "input": {"image": "https://example.com/a.png", "prompt": run_id}}
    )
    return Run(run_id=run_id, created_at=T0, request=request, price=Decimal("0.42"), **fields)


def _store_with_videos(root: Path, rows: int = 1) -> Store:
    """A closed store (as after a restart): `rows` runs, videos of run_0 and of run_lost."""
    store = Store(root, "demo")
    for n in range(rows):
        store.save(_run(f"run_{n}", phase="tracking", video_file=f"run_{n}.mp4"))
    for run_id in ("run_0", "run_lost"):  # run_lost: a video whose row is gone
        with store.writing_video(run_id) as handle:
            handle.write(tiny_mp4())
    store.close()
    return store


def _overwrite_page(db: Path, page: int) -> None:
    with db.open("r+b") as handle:
        handle.seek((page - 1) * PAGE)
        handle.write(os.urandom(PAGE))


def test_random_bytes_are_moved_aside_and_the_videos_on_disk_come_back(tmp_path) -> None:
    old = _store_with_videos(tmp_path)
    garbage = os.urandom(3 * PAGE)
    assert not garbage.startswith(SQLITE_HEADER)
    (old.dir / "runs.sqlite3").write_bytes(garbage)

    store = Store(tmp_path, "demo")

    aside = sorted(old.dir.glob("runs.sqlite3.corrupt-*"))
    assert [p.read_bytes() for p in aside] == [garbage], "kept, not deleted"
    assert store.recovery is not None and store.recovery.moved_to == aside[0]
    assert store.recovery.from_videos == 2
    runs = {r.run_id: r for r in store.runs()}
    assert set(runs) == {"run_0", "run_lost"}
    for run in runs.values():
        assert store.video_path(run) is not None and run.status == "from_disk"
        assert not run.active, "nothing to poll: the task is not known"
    assert "History" in store.recovery.message and aside[0].name in store.recovery.message
    again = Store(tmp_path, "demo")
    assert again.recovery == store.recovery, "every session is told; nothing rebuilt twice"
    assert len(again.runs()) == 2


@pytest.mark.parametrize("page", ["root", "last"])
def test_one_damaged_page_is_noticed_and_what_still_reads_is_kept(tmp_path, page) -> None:
    old = _store_with_videos(tmp_path, rows=300)
    db = old.dir / "runs.sqlite3"
    with sqlite3.connect(db) as check:
        root = check.execute("SELECT rootpage FROM sqlite_schema WHERE name='runs'").fetchone()[0]
    check.close()
    pages = db.stat().st_size // PAGE
    _overwrite_page(db, root if page == "root" else pages)

    store = Store(tmp_path, "demo")

    assert store.recovery is not None
    aside = [p.name for p in old.dir.glob("runs.sqlite3.corrupt-*")]
    assert len([n for n in aside if n[-4:] not in ("-wal", "-shm")]) == 1
    runs = {r.run_id: r for r in store.runs()}
    assert {"run_0", "run_lost"} <= set(runs), "videos on disk are listed again"
    assert store.video_path(runs["run_lost"]) is not None
    if page == "last":  # rows before the damaged page still read, with all they knew
        assert store.recovery.salvaged > 0 and runs["run_0"].prompt == "run_0"
    assert store.recovery.salvaged + store.recovery.from_videos == len(runs)
    with sqlite3.connect(db) as fresh:
        assert fresh.execute("PRAGMA quick_check").fetchall() == [("ok",)]
    fresh.close()


def test_a_data_dir_that_is_a_file_is_one_plain_error(tmp_path, open_store) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("not a folder")
    with pytest.raises(StoreUnavailable) as caught:
        open_store(blocker, "demo")
    problem = caught.value
    assert problem.kind == "in_the_way"
    assert problem.data_dir == (blocker / "demo").absolute()
    assert str(blocker) in str(problem) and "MODELHUNTER_DATA_DIR" in problem.todo
    assert blocker.read_text() == "not a folder", "nothing of the user's was touched"


class _Refusing(Disk):
    """A disk that says no the way a real one does, from a given moment."""

    def __init__(self, code: int) -> None:
        self.code = code
        self.refusing = False

    def _refuse(self, path: Path) -> None:
        if self.refusing:
            raise OSError(self.code, os.strerror(self.code), str(path))

    def make_dir(self, folder: Path) -> None:
        self._refuse(folder)
        super().make_dir(folder)

    def create_temp(self, folder: Path, suffix: str) -> tuple[BinaryIO, Path]:
        self._refuse(folder)
        return super().create_temp(folder, suffix)


@pytest.mark.parametrize(
    ("code", "kind", "words"),
    [
        (errno.EACCES, "permission", "not allowed"),
        (errno.EROFS, "read_only", "read-only"),
        (errno.ENOSPC, "no_space", "full"),
        (errno.EDQUOT, "no_space", "full"),
    ],
)
def test_local_failures_say_what_and_what_to_do(tmp_path, open_store, code, kind, words) -> None:
    disk = _Refusing(code)
    store = open_store(tmp_path, "demo", disk=disk)
    disk.refusing = True
    for attempt in (
        lambda: store.put_image(b"image bytes", ".png"),
        lambda: store.writing_video("run_a").__enter__(),
        lambda: open_store(tmp_path, "other", disk=disk),
    ):
        with pytest.raises(StoreUnavailable) as caught:
            attempt()
        assert caught.value.kind == kind and words in caught.value.what
        assert str(tmp_path) in str(caught.value) and "reload the page" in caught.value.todo
    assert list(store.images.iterdir()) == [] and list(store.videos.iterdir()) == []


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_every_folder_and_file_of_the_store_is_private_whatever_the_umask(tmp_path) -> None:
    previous = os.umask(0)  # the loosest umask: modes must not depend on it
    try:
        store = Store(tmp_path / "data", "demo")
        store.save(_run("run_a"))
        with store.writing_video("run_a") as handle:
            handle.write(tiny_mp4())
        image = store.image_path(store.put_image(b"\x89PNG image", ".png"))
        poster = poster_for(store.videos / "run_a.mp4")
    finally:
        os.umask(previous)
    db = store.dir / "runs.sqlite3"
    folders = [tmp_path / "data", store.dir, store.videos, store.images]
    files = [db, db.with_name("runs.sqlite3-wal"), db.with_name("runs.sqlite3-shm")]
    files += [store.videos / "run_a.mp4", image, poster]
    assert all(p is not None and p.exists() for p in files)
    assert {str(p): _mode(p) for p in folders} == {str(p): 0o700 for p in folders}
    assert {str(p): _mode(p) for p in files} == {str(p): 0o600 for p in files}


def test_an_older_store_is_tightened_when_it_opens(tmp_path) -> None:
    folder = tmp_path / "demo"
    (folder / "videos").mkdir(parents=True)
    (folder / "images").mkdir()
    video, image = folder / "videos" / "run_a.mp4", folder / "images" / f"{'a' * 64}.png"
    video.write_bytes(tiny_mp4())
    image.write_bytes(b"png")
    sqlite3.connect(folder / "runs.sqlite3").close()
    everything = [folder, folder / "videos", folder / "images", video, image]
    everything.append(folder / "runs.sqlite3")
    for path in everything:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    Store(tmp_path, "demo")
    assert [_mode(p) for p in everything] == [0o700] * 3 + [0o600] * 3


def test_a_crash_leftover_part_file_is_cleaned_up_and_a_live_one_is_kept(
    tmp_path, open_store
) -> None:
    """A kill -9 mid-download leaves `videos/*.part`; the next open removes it once it is
    clearly stale, never a download another process is writing right now."""
    first = open_store(tmp_path, "key-parts")
    stale = first.videos / "tmpabc.part"
    live = first.videos / "tmpdef.part"
    for path in (stale, live):
        path.write_bytes(b"\x00" * 1024)
    old = time.time() - STALE_TEMP_S - 60
    os.utime(stale, (old, old))
    first.close()

    open_store(tmp_path, "key-parts")

    assert not stale.exists()
    assert live.exists()


# --- a PostgreSQL server out of reach -------------------------------------------------------

PASSWORD = "s3cr3t-Pa55word"  # made up


def _everything_said(problem: StoreUnavailable) -> str:
    """All a log or a page could show of the error: its message, detail and traceback."""
    shown = "".join(traceback.format_exception(problem))
    return f"{problem}\n{problem.detail}\n{problem.what}\n{problem.todo}\n{shown}"


def test_a_database_server_nobody_listens_on_is_one_plain_error_without_the_password(
    tmp_path,
) -> None:
    url = f"postgresql+psycopg://kling:{PASSWORD}@127.0.0.1:{free_port()}/kling"
    with pytest.raises(StoreUnavailable) as caught:
        Store(tmp_path, "key-pg", database_url=url)
    problem = caught.value
    assert problem.kind == "database" and "MODELHUNTER_DATABASE_URL" in problem.what
    assert "database server is running" in problem.todo
    assert PASSWORD not in _everything_said(problem)
    assert (tmp_path / "key-pg" / "videos").is_dir(), "the folder is fine; only the server is not"
    assert not (tmp_path / "key-pg" / "runs.sqlite3").exists(), "no SQLite file instead"


def test_a_stopped_database_server_is_one_plain_error_and_its_return_is_noticed(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    from tests import pg_server

    base = tempfile.mkdtemp(prefix="kling-pg-")  # its own server: this one is stopped
    server = pg_server.PostgresServer(base)
    try:
        server.start()
        name = server.create_database().rsplit("/", 1)[-1]
        port = server.port
        url = f"postgresql+psycopg://postgres:{PASSWORD}@127.0.0.1:{port}/{name}"  # trust auth
        store = Store(tmp_path, "key-pg", database_url=url)
        store.save(_run("run_a"))
        server.stop()

        for read_or_write in (
            store.runs,
            lambda: store.get("run_a"),
            lambda: store.save(_run("run_b")),
            lambda: Store(tmp_path, "key-pg", database_url=url).runs(),
        ):
            with pytest.raises(StoreUnavailable) as caught:
                read_or_write()
            assert caught.value.kind == "database"
            assert PASSWORD not in _everything_said(caught.value)

        monkeypatch.setattr(pg_server, "free_port", lambda: port)  # back on the same port
        assert server._launch(), "restarted"
        assert [r.run_id for r in store.runs()] == ["run_a"], "nothing lost; no reopening"
        store.close()
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)
