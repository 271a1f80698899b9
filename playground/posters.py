"""Poster frames for the gallery grid: one small JPEG per stored video, made once."""

from __future__ import annotations

import contextlib
from pathlib import Path

from PIL import ImageOps

from playground.disk import Disk

__all__ = ["poster_for"]

POSTER_WIDTH = 384
POSTER_AT_S = 1.0


def poster_for(video: Path) -> Path | None:
    """A JPEG frame of `video` (about 1 s in), cached beside it; None if it can't be read."""
    poster = video.with_suffix(".jpg")
    if poster.exists():
        return poster
    import av  # only when a new poster is needed

    frame = None
    with contextlib.suppress(av.FFmpegError, OSError, StopIteration), av.open(str(video)) as box:
        stream = box.streams.video[0]
        for frame in box.decode(stream):
            if frame.time is not None and frame.time >= POSTER_AT_S:
                break
    if frame is None:
        return None
    # every poster has the same shape, so the grid lines up whatever the clips' aspect ratio
    image = ImageOps.fit(frame.to_image(), (POSTER_WIDTH, POSTER_WIDTH * 9 // 16))
    with Disk().replacing(poster) as handle:  # sessions may race; a failed save leaves nothing
        image.save(handle, format="JPEG", quality=80)
    return poster
