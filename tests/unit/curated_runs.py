"""Finished runs in a real store (videos and start images on disk), for curation/export tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from modelhunter.requests import parse_request
from modelhunter.responses import Task, TaskStatus
from playground.runs import InputImage, Run
from playground.store import Store

T0 = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"start-image"


def finished_run(
    store: Store,
    run_id: str,
    prompt: str,
    *,
    minutes: int = 0,
    video: bytes | None = b"\x00\x00\x00\x18ftypmp42",
    cost: str | None = None,
    image: bytes | None = PNG,
    **fields: object,
) -> Run:
    """A succeeded run saved in `store`, with its video and start image as files."""
    at = T0 + timedelta(minutes=minutes)
    request = parse_request(
        {"model": "kling-v3", "input": {"image": "https://example.com/a.png", "prompt": prompt}}
    )
    task = Task(
        id=f"task_{run_id}",
        status=TaskStatus.SUCCEEDED,
        model="kling-v3",
        created_at=at,
        completed_at=at + timedelta(seconds=50),
        cost=Decimal(cost) if cost is not None else None,
    )
    images = {}
    if image is not None:
        images["image"] = InputImage(name="a.png", sha256=store.put_image(image, ".png"))
    run = Run(
        run_id=run_id,
        created_at=at,
        request=request,
        price=Decimal("0.42"),
        phase="tracking",
        task=task,
        images=images,
        **fields,
    )
    if video is not None:
        with store.writing_video(run_id) as out:
            out.write(video)
        run.video_file = f"{run_id}.mp4"
    store.save(run)
    return run
