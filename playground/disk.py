"""The store's way to the filesystem: private folders (0700) and private files (0600).

Runs hold prompts, webhook URLs and signed URLs, so nothing the store writes is readable by
other users of the machine, whatever the umask: modes are set after creation, and folders
and files left by older versions are tightened when a store opens. Tests pass a `Disk`
subclass that fails the way a real disk does (full, read-only, not allowed).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["DIR_MODE", "FILE_MODE", "Disk"]

DIR_MODE = 0o700
FILE_MODE = 0o600


class Disk:
    """Creates and tightens the store's folders and files."""

    def make_dir(self, folder: Path) -> None:
        """Create `folder` (and missing parents) if needed; it ends up 0700."""
        if not folder.is_dir():
            folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        self.tighten(folder)

    def make_file(self, path: Path) -> None:
        """Create an empty file if there is none; it ends up 0600."""
        fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            os.fchmod(fd, FILE_MODE)
        finally:
            os.close(fd)

    def create_temp(self, folder: Path, suffix: str) -> tuple[BinaryIO, Path]:
        """A new private temp file in `folder`, open for writing (rename it when complete)."""
        fd, name = tempfile.mkstemp(dir=folder, suffix=suffix)
        try:
            os.fchmod(fd, FILE_MODE)
            return os.fdopen(fd, "wb"), Path(name)
        except BaseException:
            os.close(fd)
            os.unlink(name)
            raise

    @contextlib.contextmanager
    def replacing(self, path: Path, *, durable: bool = False) -> Iterator[BinaryIO]:
        """A private temp file beside `path`, renamed over it when the block completes.

        The one atomic write of the app: readers see the old file or the complete new one,
        never a part; on any failure the temp file is removed. `durable` syncs the data to
        disk before the rename (for files worth money, such as videos).
        """
        handle, tmp = self.create_temp(path.parent, ".part")
        try:
            with handle:
                yield handle
                if durable:
                    handle.flush()
                    os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    def tighten(self, path: Path) -> None:
        """Make an existing folder 0700 or file 0600 (symlinks and missing paths: untouched)."""
        with contextlib.suppress(FileNotFoundError):
            info = path.lstat()
            if stat.S_ISDIR(info.st_mode):
                wanted = DIR_MODE
            elif stat.S_ISREG(info.st_mode):
                wanted = FILE_MODE
            else:
                return
            if stat.S_IMODE(info.st_mode) != wanted:
                os.chmod(path, wanted)

    def remove_stale_temps(self, folder: Path, older_than_s: float, now: float) -> int:
        """Delete `.part` files in `folder` last written over `older_than_s` before `now`.

        They are what a crash mid-write leaves (a kill -9 during a download); a live write
        touches its file far more often than that. Returns how many were removed.
        """
        removed = 0
        with os.scandir(folder) as entries:
            for entry in entries:
                if not entry.name.endswith(".part") or not entry.is_file(follow_symlinks=False):
                    continue
                if now - entry.stat(follow_symlinks=False).st_mtime > older_than_s:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(entry.path)
                        removed += 1
        return removed

    def tighten_files(self, folder: Path) -> None:
        """Tighten every file directly inside `folder`."""
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_file(follow_symlinks=False):
                    self.tighten(Path(entry.path))
