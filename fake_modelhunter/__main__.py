"""`python -m fake_modelhunter --port 8765 [--demo]`: run the offline ModelHunter on HTTP.

Point a client at `http://HOST:PORT/api/v1` with any key shaped like
`river_test_` + 32 letters/digits. `--demo` makes tasks finish in about 5 s.
"""

from __future__ import annotations

import argparse
import sys

import uvicorn

from fake_modelhunter.clock import RealClock
from fake_modelhunter.service import FakeModelHunter
from fake_modelhunter.tasks import Timing


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m fake_modelhunter", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--demo", action="store_true", help="tasks finish in about 5 s")
    parser.add_argument(
        "--no-video", action="store_true", help="serve a tiny static MP4 instead of rendering"
    )
    args = parser.parse_args(argv)
    fake = FakeModelHunter(
        clock=RealClock(),
        timing=Timing.demo() if args.demo else Timing(),
        synthesize_videos=not args.no_video,
    )
    sys.stderr.write(f"Offline ModelHunter API at http://{args.host}:{args.port}/api/v1\n")
    try:
        uvicorn.run(fake.asgi_app(), host=args.host, port=args.port, lifespan="off")
    finally:
        fake.close()


if __name__ == "__main__":
    main()
