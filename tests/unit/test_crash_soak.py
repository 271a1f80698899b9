"""Real crashes: the app's job loop runs in its own process and is killed with SIGKILL mid-
submit and mid-download, then started again on the same data folder.

The offline ModelHunter is served over real loopback HTTP (`fake_modelhunter.serve`) in this
process; the worker (`tests/crash_worker.py`) talks to it with the real client. The test plays
the user and the machine: it tells the worker to submit or poll and kills it when the moment
has come, synchronised on conditions only (a line from the worker, the fake's request log or
task count, a `.part` file in the store), never on fixed sleeps:

- after accept: the fake holds the submit reply (`Deviations(slow_submit_s=…)`); the kill
  lands once the task exists, before our run learns its id;
- before accept: the fake never answers the submit (a scripted timeout, nothing created);
- mid-download: the fake holds the video reply (a scripted timeout on `/cdn/results/`) while
  the worker has the video's temp file open;
- anywhere in a submit or a poll: the kill lands as soon as the worker says it started one.

Then: every task the fake created has exactly one run (none lost, none duplicated per
`client_ref`), every succeeded task's video is complete in the store (the fake's bytes, no
truncated `.mp4`), and the ledger's spend equals what the runs commit. Figures go to
`test-artifacts/crash_soak.txt` (for the README). `CRASH_KILLS=N` makes a longer run.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from fake_modelhunter import Deviations, FakeModelHunter, RealClock, Timing, serve
from fake_modelhunter.videos import tiny_mp4
from modelhunter.client import Client
from modelhunter.responses import TaskStatus
from playground.budget import Budget, committed
from playground.store import Store

ROOT = Path(__file__).resolve().parents[2]
WORKER = ROOT / "tests" / "crash_worker.py"
KEY = "river_live_" + "k" * 32  # as in the worker
SCOPE = "key-crash"
KINDS = ("after-accept", "mid-download", "before-accept", "in-submit", "in-poll")
KILLS = int(os.environ.get("CRASH_KILLS", "40"))
SUBMIT, CDN = "/kling/image-to-video", "/cdn/results/"
BUDGET = Budget(daily=Decimal("100.00"))  # as in the worker
WAIT_S = 30.0  # a deadline for every condition (a hung test fails instead of hanging)
ARTIFACT = ROOT / "test-artifacts" / "crash_soak.txt"


class Worker:
    """One worker process; its stdout lines arrive on a queue (read by a thread)."""

    def __init__(self, base_url: str, data_dir: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env.pop("MODELHUNTER_KEY", None)
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), base_url, str(data_dir)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.errors: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        assert self.next()["event"] == "ready"

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(json.loads(line))
        self.lines.put(None)  # the process ended

    def send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def next(self, until: Callable[[], bool] | None = None) -> dict[str, Any]:
        """The next line (errors are kept for the test); with `until`, an empty dict as
        soon as that condition holds, if it does before a line comes."""
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            if until is not None and until():
                return {}
            try:
                line = self.lines.get(timeout=0.005 if until else WAIT_S)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"the worker died: {self._stderr()}")
            if line["event"] == "error":
                self.errors.append(line["traceback"])
            return line
        raise AssertionError("no line and no condition within the deadline")

    def expect(self, event: str) -> dict[str, Any]:
        line = self.next()
        while line["event"] == "error":
            line = self.next()
        assert line["event"] == event, line
        return line

    def wait_for(self, condition: Callable[[], bool]) -> None:
        """Until `condition` holds (lines arriving meanwhile are only checked for errors)."""
        while self.next(until=condition):
            pass

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        assert self.proc.wait(timeout=WAIT_S) == -signal.SIGKILL
        self._close()

    def quit(self) -> None:
        self.send("quit")
        self.expect("bye")
        assert self.proc.wait(timeout=WAIT_S) == 0, self._stderr()
        self._close()

    def _stderr(self) -> str:
        assert self.proc.stderr is not None
        return self.proc.stderr.read() if self.proc.poll() is not None else "(still running)"

    def _close(self) -> None:
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def _logged(fake: FakeModelHunter, path: str, fault: str | None = None) -> int:
    return sum(
        1 for r in fake.requests if r.path.startswith(path) and (fault is None or r.fault == fault)
    )


def test_kill_9_mid_submit_and_mid_download_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    started = time.perf_counter()
    fake = FakeModelHunter(
        clock=RealClock(),
        timing=Timing(pending_s=0.05, queued_s=0.05, running_s=0.1),  # done in 0.2 s
        synthesize_videos=False,
    )
    videos = tmp_path / SCOPE / "videos"
    kills: Counter[str] = Counter()
    errors: list[str] = []
    clicks = 0

    def click(worker: Worker) -> None:
        nonlocal clicks
        clicks += 1
        worker.send(f"submit {clicks}")
        worker.expect("submitting")

    def settle(worker: Worker) -> dict[str, Any]:
        """Poll (as the open page does) until every task the fake made is tracked by a run
        and no run waits for its task or its video."""
        for _ in range(1000):
            worker.send("poll")
            worker.expect("polling")
            polled = worker.expect("polled")
            if polled["waiting"] == 0 and polled["tracked"] == fake.task_count():
                return polled
        raise AssertionError(f"not settled after 1000 polls: {polled}")

    def held(path: str) -> int:
        return _logged(fake, path, "timeout-before-accept")

    with fake, serve(fake) as base_url:
        worker = Worker(base_url, tmp_path)
        for k in range(KILLS):
            kind = KINDS[k % len(KINDS)]
            click(worker)  # an ordinary run between the crashes
            worker.expect("submitted")
            if kind == "after-accept":  # the task exists, its id never reached us
                fake.deviations = Deviations(slow_submit_s=WAIT_S)
                tasks_before = fake.task_count()
                click(worker)
                worker.wait_for(lambda n=tasks_before: fake.task_count() > n)
            elif kind == "before-accept":  # the POST left, nothing was created
                fake.faults.timeout_next(after_accept=False, match=("POST", SUBMIT))
                before = held(SUBMIT)
                click(worker)
                worker.wait_for(lambda n=before: held(SUBMIT) > n)
            elif kind == "mid-download":  # the video's temp file is open, its bytes on the way
                fake.faults.timeout_next(after_accept=False, match=("GET", CDN))
                before, parts = held(CDN), len(list(videos.glob("*.part")))

                def fetching(n: int = before, p: int = parts) -> bool:
                    return held(CDN) > n and len(list(videos.glob("*.part"))) > p

                while not fetching():  # poll until the finished run's video is fetched
                    worker.send("poll")
                    worker.expect("polling")
                    worker.next(until=fetching)  # "polled", or {} once it is fetching
            elif kind == "in-submit":
                click(worker)  # killed as soon as it said so: anywhere inside submit
            else:
                worker.send("poll")
                worker.expect("polling")  # killed anywhere inside a refresh
            worker.kill()
            kills[kind] += 1
            errors += worker.errors
            fake.deviations = Deviations()
            worker = Worker(base_url, tmp_path)  # the app comes back on the same folder
            settle(worker)

        last = settle(worker)
        worker.quit()
        errors += worker.errors
        with Client(KEY, base_url=base_url) as audit:
            tasks = list(audit.iter_tasks())
    parts_left = sorted(p.name for p in videos.glob("*.part"))
    elapsed = time.perf_counter() - started

    assert not errors, errors[0]
    store = Store(tmp_path, SCOPE)
    runs = {r.run_id: r for r in store.runs()}
    refs = Counter(t.client_ref for t in tasks)
    assert None not in refs
    assert [ref for ref, n in refs.items() if n > 1] == [], "one task per client_ref"
    by_task = Counter(r.task.id for r in runs.values() if r.task is not None)
    assert all(n == 1 for n in by_task.values()), "no task tracked by two runs"
    lost = [t.id for t in tasks if (r := runs.get(t.client_ref or "")) is None or r.task_id != t.id]
    assert lost == [], f"tasks created but lost: {lost}"
    assert len(by_task) == len(tasks) == last["tracked"]

    video = tiny_mp4()
    assert all(t.status == TaskStatus.SUCCEEDED for t in tasks), "none fails in this test"
    for task in tasks:
        run = runs[task.client_ref or ""]
        path = store.video_path(run)
        assert path is not None and path.read_bytes() == video, f"{run.run_id}: incomplete"
    finished = sorted(p.name for p in videos.glob("*.mp4"))
    assert len(finished) == len(tasks)
    assert all((videos / name).read_bytes() == video for name in finished), "no truncated .mp4"
    assert all(not r.active or r.phase == "unknown" for r in runs.values())

    without_task = [r for r in runs.values() if r.task is None]
    assert all(
        r.phase == "unknown" and "may have been charged" in (r.error or "") for r in without_task
    ), "a submit cut off by a kill is never called 'not sent'"
    assert len(without_task) >= kills["before-accept"]
    first = min(r.created_at for r in runs.values())
    standing = store.ledger.standing(BUDGET, first)
    day = BUDGET.windows(first).day_start
    spent = sum((committed(r) for r in runs.values() if r.created_at >= day), Decimal(0))
    assert standing.today == spent, f"ledger {standing.today} != runs {spent}"
    assert spent <= standing.daily_limit
    assert spent >= sum((r.price for r in without_task), Decimal(0)) > 0

    assert sum(kills.values()) == KILLS and min(kills.values()) >= KILLS // len(KINDS)
    figures = "\n".join(
        [
            "Kill -9 soak (tests/unit/test_crash_soak.py)",
            f"SIGKILLs of the worker process: {sum(kills.values())} ("
            + ", ".join(f"{kind} ×{kills[kind]}" for kind in KINDS)
            + "), each followed by a restart on the same data folder",
            f"runs: {len(runs)} from {clicks} clicks ({clicks - len(runs)} killed before "
            f"their run was saved: nothing sent); tasks created: {len(tasks)}, each tracked "
            f"by exactly one run; {len(without_task)} runs without a task (killed before the "
            "server accepted; kept as 'may have been charged', price counted)",
            f"videos: {len(tasks)} succeeded tasks, {len(finished)} complete videos in the "
            f"store (byte-identical to the server's), 0 truncated; {len(parts_left)} temp "
            "files (.part) left by kills mid-download, never shown as videos",
            f"ledger: spend {spent} USD = the runs' committed amounts (budget "
            f"{standing.daily_limit} USD)",
            "lost runs: 0; duplicate tasks: 0; unhandled exceptions in the worker: 0",
            f"wall time: {elapsed:.1f} s (loopback HTTP, one process per worker start)",
        ]
    )
    print("\n" + figures)
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(figures + "\n")
