"""Waiting for a server process the tests started: on a condition, never a fixed sleep."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable

__all__ = ["until_up"]


def until_up(
    ready: Callable[[], bool],
    proc: subprocess.Popen[bytes],
    timeout_s: float,
    *,
    pause_s: float = 0.05,
) -> bool:
    """Probe `ready()` until it says the server is up (True), or `proc` exits (False).

    Between probes this waits on the process itself, so a server that dies is noticed at
    once. Raises TimeoutError when neither happened within `timeout_s`.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        if ready():
            return True
        if time.monotonic() > deadline:
            raise TimeoutError(f"not up within {timeout_s:g} s")
        try:
            proc.wait(timeout=pause_s)
        except subprocess.TimeoutExpired:
            continue
        return False
