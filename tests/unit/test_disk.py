"""The one atomic write (`Disk.replacing`): all or nothing, private, never a stray temp file."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest
from PIL import Image

from fake_modelhunter.videos import tiny_mp4
from playground.disk import Disk
from playground.posters import poster_for


def test_a_completed_write_replaces_the_file_and_is_private(tmp_path: Path) -> None:
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")
    with Disk().replacing(target, durable=True) as out:
        out.write(b"new")
        assert target.read_bytes() == b"old"  # readers see the old file until the end
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin"]


def test_a_failed_write_keeps_the_old_file_and_removes_its_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")
    with pytest.raises(OSError, match="full"), Disk().replacing(target) as out:
        out.write(b"half")
        raise OSError(errno.ENOSPC, "disk full")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin"]


def test_a_poster_that_fails_to_save_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = tmp_path / "run_a.mp4"
    video.write_bytes(tiny_mp4())

    def full(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Image.Image, "save", full)
    with pytest.raises(OSError):
        poster_for(video)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run_a.mp4"]
