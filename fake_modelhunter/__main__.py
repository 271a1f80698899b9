"""`python -m fake_modelhunter --port 8765 [--demo]`: run the offline ModelHunter on HTTP.

Point a client at `http://HOST:PORT/api/v1` with any key shaped like
`river_test_` + 32 letters/digits. `--demo` makes tasks finish in about 5 s.
`--deviate NAME[=VALUE]` (repeatable) makes replies drift from the docs the way real APIs do,
e.g. `--deviate extra_fields --deviate submit_status=201 --deviate slow_submit_s=90`, or
`--deviate shapes` for every shape deviation; the environment variable
`FAKE_MODELHUNTER_DEVIATIONS="extra_fields,submit_status=201"` does the same (flags win).
Names: see `fake_modelhunter.deviations`.
`--log-requests FILE` appends one JSON line per request to FILE as it is answered: arrival
time (`t`, Unix seconds), `method`, `host` (the Host header: which name the client used),
`path`, `query` and `status` — never another header (no key), never a body. Tests count
requests with it, e.g. the list requests (`GET /api/v1/tasks`) of several app processes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

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
    parser.add_argument(
        "--log-requests",
        type=Path,
        metavar="FILE",
        help="append one JSON line per request (time, method, Host, path, query, status)",
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
    app = fake.asgi_app()
    if args.log_requests is not None:
        app = logging_requests(app, args.log_requests)
    try:
        uvicorn.run(app, host=args.host, port=args.port, lifespan="off")
    finally:
        fake.close()


_Message = MutableMapping[str, Any]
_ASGIApp = Callable[
    [_Message, Callable[[], Awaitable[_Message]], Callable[[_Message], Awaitable[None]]],
    Awaitable[None],
]


def logging_requests(app: _ASGIApp, path: Path) -> _ASGIApp:
    """`app`, appending one JSON line per HTTP request to `path` once it is answered (see the
    module docstring); each line is flushed at once, so a reader sees it immediately."""
    out = path.open("a", encoding="utf-8", buffering=1)  # open for the process's life

    async def logged(scope: _Message, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        arrived = time.time()
        status: list[int] = []

        async def sending(message: _Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        try:
            await app(scope, receive, sending)
        finally:
            headers = dict(scope.get("headers") or [])
            entry = {
                "t": round(arrived, 6),
                "method": scope["method"],
                "host": headers.get(b"host", b"").decode("latin-1"),
                "path": scope["path"],
                "query": scope.get("query_string", b"").decode("latin-1"),
                "status": status[0] if status else None,
            }
            out.write(json.dumps(entry) + "\n")

    return logged


def deviations_of(flags: list[str], environ: dict[str, str] | None = None) -> Deviations:
    """The environment's deviations with the `--deviate` flags on top."""
    from_env = Deviations.from_env(environ)
    from_flags = Deviations.parse(",".join(flags))
    return from_env.model_copy(update=from_flags.model_dump(exclude_unset=True))


if __name__ == "__main__":
    main()
