"""`python -m fake_modelhunter --port 8765 [--demo]`: run the offline ModelHunter on HTTP.

Point a client at `http://HOST:PORT/api/v1` with any key shaped like
`river_test_` + 32 letters/digits. `--demo` makes tasks finish in about 5 s.
`--deviate NAME[=VALUE]` (repeatable) makes replies drift from the docs the way real APIs do,
e.g. `--deviate extra_fields --deviate submit_status=201 --deviate slow_submit_s=90`, or
`--deviate shapes` for every shape deviation; the environment variable
`FAKE_MODELHUNTER_DEVIATIONS="extra_fields,submit_status=201"` does the same (flags win).
Names: see `fake_modelhunter.deviations`.
"""

from __future__ import annotations

import argparse
import sys

import uvicorn

from fake_modelhunter.clock import RealClock
from fake_modelhunter.deviations import Deviations
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
    parser.add_argument(
        "--deviate",
        action="append",
        default=[],
        metavar="NAME[=VALUE]",
        help="depart from the documented wire format (repeatable; see fake_modelhunter."
        "deviations), e.g. extra_fields, unknown_statuses, submit_status=201, slow_submit_s=90",
    )
    args = parser.parse_args(argv)
    deviations = deviations_of(args.deviate)
    fake = FakeModelHunter(
        clock=RealClock(),
        deviations=deviations,
        timing=Timing.demo() if args.demo else Timing(),
        synthesize_videos=not args.no_video,
    )
    sys.stderr.write(f"Offline ModelHunter API at http://{args.host}:{args.port}/api/v1\n")
    if deviations != Deviations():
        sys.stderr.write(
            f"Deviating from the docs: {deviations.model_dump(exclude_defaults=True)}\n"
        )
    try:
        uvicorn.run(fake.asgi_app(), host=args.host, port=args.port, lifespan="off")
    finally:
        fake.close()


def deviations_of(flags: list[str], environ: dict[str, str] | None = None) -> Deviations:
    """The environment's deviations with the `--deviate` flags on top."""
    from_env = Deviations.from_env(environ)
    from_flags = Deviations.parse(",".join(flags))
    return from_env.model_copy(update=from_flags.model_dump(exclude_unset=True))


if __name__ == "__main__":
    main()
