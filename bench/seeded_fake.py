"""`python -m bench.seeded_fake --tasks N --key KEY`: the offline ModelHunter on a free
loopback port, with `N` finished tasks of `KEY` already made (one a minute, newest last).

It prints `PORT <n>` on stdout once listening. Used by the History benchmark so that the
API's own work (listing thousands of tasks) runs in another process than the page.
"""

from __future__ import annotations

import argparse
import socket
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import uvicorn

from fake_modelhunter import FakeModelHunter
from fake_modelhunter.tasks import TaskRecord, Timing
from fake_modelhunter.video_request import VideoRequest

__all__ = ["seed", "main"]


def seed(fake: FakeModelHunter, key: str, tasks: int) -> None:
    """`tasks` finished Kling tasks of `key`, created a minute apart ending a day ago."""
    state = fake._state
    start = datetime.now(UTC) - timedelta(days=1, minutes=tasks)
    with state.lock:
        for n in range(tasks):
            request = VideoRequest(
                model="kling-v3", image="https://example.com/start.jpg", prompt=f"task {n}"
            )
            state.add_task(
                TaskRecord(
                    id=f"task_{n:012x}",
                    owner=key,
                    request=request,
                    created_at=start + timedelta(minutes=n),
                    timing=Timing(),
                    cost=Decimal("0.42"),
                    charged=Decimal(0),
                )
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.seeded_fake")
    parser.add_argument("--tasks", type=int, required=True)
    parser.add_argument("--key", required=True)
    args = parser.parse_args(argv)
    fake = FakeModelHunter(synthesize_videos=False)
    seed(fake, args.key, args.tasks)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sys.stdout.write(f"PORT {sock.getsockname()[1]}\n")
    sys.stdout.flush()
    config = uvicorn.Config(fake.asgi_app(), log_level="warning", lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
