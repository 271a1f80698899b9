"""A worker process for the kill -9 soak (`tests/unit/test_crash_soak.py`): the app's job
loop, driven line by line, that the test kills with SIGKILL at chosen moments.

    PYTHONPATH=. python tests/crash_worker.py BASE_URL DATA_DIR

It runs what the app runs for a Live key: `Jobs` over a `Store` of DATA_DIR, a real HTTP
client on BASE_URL (the offline ModelHunter on loopback), a daily budget in the store's
ledger. Commands on stdin, one per line; every reply is one JSON line on stdout:

- `submit N` → `{"event": "submitting", "n": N}`, then `submitted` (run id and phase) or
  `refused` (over budget).
- `poll` → `{"event": "polling"}`, then `polled` (the store's active runs are refreshed:
  interrupted submits are looked up, finished videos downloaded) with `waiting`, the runs
  still waiting for their task or video, `unknown`, the submits not confirmed yet, and
  `tracked`, the runs that know their task.
- `quit` → `bye`, exit 0.

An exception escaping a command is reported as `{"event": "error", "traceback": …}` (the
test asserts there are none); the worker then goes on, as the app's next rerun would.
"""

from __future__ import annotations

import json
import sys
import traceback
from decimal import Decimal
from pathlib import Path

from modelhunter.client import Client
from modelhunter.requests import parse_request
from playground.budget import Budget, BudgetExceededError
from playground.jobs import Jobs
from playground.store import Store

KEY = "river_live_" + "k" * 32
SCOPE = "key-crash"
BUDGET = Budget(daily=Decimal("100.00"))


def say(event: str, **fields: object) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


def request_for(n: int):  # -> KlingV3Request | KlingV26Request
    return parse_request(
        {
            "model": "kling-v2-6" if n % 3 == 0 else "kling-v3",
            "input": {"image": f"https://i.test/{n}.png", "prompt": f"crash soak shot {n}"},
        }
    )


def main(base_url: str, data_dir: str) -> None:
    client = Client(KEY, base_url=base_url, max_retries=1, sleep=lambda seconds: None)
    jobs = Jobs(client, Store(Path(data_dir), SCOPE))
    say("ready")
    for line in sys.stdin:
        command, _, arg = line.strip().partition(" ")
        try:
            if command == "submit":
                say("submitting", n=int(arg))
                try:
                    run = jobs.submit(request_for(int(arg)), budget=BUDGET)
                except BudgetExceededError:
                    say("refused", n=int(arg))
                    continue
                say("submitted", n=int(arg), run_id=run.run_id, phase=run.phase)
            elif command == "poll":
                say("polling")
                jobs.refresh([r for r in jobs.store.runs() if r.active])
                runs = jobs.store.runs()
                say(
                    "polled",
                    waiting=sum(1 for r in runs if r.active and r.phase != "unknown"),
                    unknown=sum(1 for r in runs if r.phase == "unknown"),
                    tracked=sum(1 for r in runs if r.task is not None),
                )
            elif command == "quit":
                say("bye")
                return
        except Exception:  # reported, never hidden: the test fails on any
            say("error", traceback=traceback.format_exc())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
