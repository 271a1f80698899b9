"""Fault soak: hundreds of submit -> poll -> download runs through `Jobs` against a fake that
misbehaves on a quarter of all requests. Nothing may be lost, duplicated or crash.

On top of the fake's random faults (429 with Retry-After, 5xx with HTML or empty bodies,
timeouts before and after the server accepted, dropped connections) the test plays a harsh
world: our own network goes down for downloads (sometimes for many polls) just before the
clock jumps past the 15-minute life of result URLs, the app process dies mid-submit (before
or after the server accepted) and is restarted from its store, and some clicks carry a full
metadata map. The data folder's disk fills up, then turns read-only, for a few polls at a time
while videos are being downloaded (through the store's `Disk` seam, the way a real disk fails:
ENOSPC on write, EROFS on creating a file); every video must still arrive once the episode
ends. Every click is a Live submit against a daily budget in the store's ledger: the soak
checks after every click and every poll that what the runs commit never exceeds it, and the
user raises today's budget when a click is refused.

The figures go to stdout and to `test-artifacts/soak.txt` (for the README). `SOAK_RUNS=N`
(at least the default 570) makes a longer run.
"""

from __future__ import annotations

import errno
import io
import json
import os
import time
import traceback
from collections import Counter, deque
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO, Literal

import httpx
from PIL import Image

from fake_modelhunter import FakeModelHunter, FaultPlan, ManualClock, Timing
from modelhunter.client import Client
from modelhunter.requests import KlingV3Request, KlingV26Request, parse_request
from modelhunter.responses import TaskStatus
from playground.budget import Budget, BudgetExceededError, committed
from playground.disk import Disk
from playground.jobs import Jobs, Upload
from playground.runs import Run
from playground.store import Store, StoreUnavailable

KEY = "river_test_" + "s" * 32
SCOPE = "key-soak"
CLICKS = int(os.environ.get("SOAK_RUNS", "570"))  # distinct clicks; some are clicked again
FAULT_RATE = 0.25
SEED = 20260115
NEW_PER_ROUND = 9
POLL_STEP_S = 5.0
EXPIRY_JUMP_S = 16 * 60  # past the 15-minute life of result URLs
EXPIRY_EVERY = 9  # rounds
OUTAGE_EVERY, OUTAGE_ROUNDS = 30, 8  # a long network outage for downloads, in rounds
CRASH_EVERY = 45  # clicks
DISK_FULL_ROUNDS = range(10, 13)  # of every OUTAGE_EVERY rounds: the disk is full…
READ_ONLY_ROUNDS = range(20, 23)  # …then the data folder is read-only
BUDGET = Budget(daily=Decimal("60.00"))  # Live: today's budget, raised when it refuses a click
BUDGET_STEP = Decimal("30.00")
MAX_ROUNDS = max(300, CLICKS // 2)
ARTIFACT = Path(__file__).resolve().parents[2] / "test-artifacts" / "soak.txt"


class Crash(BaseException):
    """The app process dies (not an error any code should catch)."""


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 192), (40, 90, 160)).save(out, format="PNG")
    return out.getvalue()


@dataclass(frozen=True)
class Click:
    """One press of Generate: the request, an upload or not, and whether to cancel later."""

    n: int
    request: KlingV3Request | KlingV26Request
    uploads: dict[str, Upload]
    cancel: bool


def _clicks(png: bytes) -> list[Click]:
    clicks = []
    for n in range(CLICKS):
        upload = n % 5 == 0
        body = {
            "model": "kling-v2-6" if n % 4 == 0 else "kling-v3",
            "input": {
                "image": "https://pending-upload.invalid/x.png"
                if upload
                else f"https://i.test/{n}",
                "prompt": f"{'[fail] ' if n % 13 == 0 else ''}soak shot {n}",
            },
        }
        if n % 50 == 7:  # every metadata slot taken: no room for our client_ref
            body["metadata"] = {f"k{i}": "v" for i in range(16)}
        uploads = {"image": Upload(name="frame.png", content_type="image/png", data=png)}
        clicks.append(Click(n, parse_request(body), uploads if upload else {}, cancel=n % 17 == 5))
    return clicks


class _FullFile:
    """A file on a disk with no room left: every write fails with ENOSPC."""

    def __init__(self, handle: BinaryIO, disk: SoakDisk) -> None:
        self._handle = handle
        self._disk = disk

    def write(self, data: bytes) -> int:
        self._disk.refused["disk full"] += 1
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name: str) -> object:
        return getattr(self._handle, name)

    def __enter__(self) -> _FullFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()


class SoakDisk(Disk):
    """The store's disk (its test seam) with episodes: full, or read-only."""

    def __init__(self) -> None:
        self.episode: Literal["disk full", "read-only"] | None = None
        self.refused: Counter[str] = Counter()

    def create_temp(self, folder: Path, suffix: str) -> tuple[BinaryIO, Path]:
        if self.episode == "read-only":
            self.refused["read-only"] += 1
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(folder))
        handle, path = super().create_temp(folder, suffix)
        if self.episode == "disk full":
            return _FullFile(handle, self), path  # type: ignore[return-value]
        return handle, path


@dataclass
class Wire:
    """The in-process wire: counts what crossed it, plays our network and our crashes."""

    fake: FakeModelHunter
    requests: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    cdn_expired: int = 0
    ambiguous_refs: set[str] = field(default_factory=set)
    seen_in_log: int = 0
    downloads_offline: bool = False
    offline_hits: int = 0
    crash_next_submit: str | None = None  # "before" or "after" the server accepted

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.downloads_offline and "/results/" in request.url.path:
            self.offline_hits += 1
            raise httpx.ConnectError("network is unreachable", request=request)
        submit = request.method == "POST" and request.url.path.endswith("/kling/image-to-video")
        if submit and self.crash_next_submit:
            when, self.crash_next_submit = self.crash_next_submit, None
            if when == "after":
                self.requests += 1
                self.fake.handle(request)
            raise Crash(when)
        self.requests += 1
        try:
            response = self.fake.handle(request)
        except httpx.TransportError:
            if submit:
                self.ambiguous_refs.add(_client_ref(request))
            raise
        if submit and response.status_code >= 500:
            self.ambiguous_refs.add(_client_ref(request))
        return response

    def read_log(self) -> None:
        """Tally the fake's log entries since the last call (it keeps the last 10,000)."""
        new = self.requests - self.seen_in_log
        entries = self.fake.requests[-new:] if new else []
        assert len(entries) == new, "every request we sent reached the fake's log"
        for entry in entries:
            if entry.fault:
                self.faults[entry.fault] += 1
            if entry.path.startswith("/cdn/results/") and entry.status == 403:
                self.cdn_expired += 1
        self.seen_in_log = self.requests


def _client_ref(request: httpx.Request) -> str:
    return json.loads(request.content)["metadata"]["client_ref"]


@dataclass
class Driver:
    """Plays the user: clicks, re-clicks what was not sent, cancels some, keeps polling;
    restarts the app after a crash (a new client, store and jobs over the same folder)."""

    wire: Wire
    clock: ManualClock
    root: Path
    disk: SoakDisk = field(default_factory=SoakDisk)
    jobs: Jobs = field(init=False)
    runs: dict[str, Run] = field(default_factory=dict)
    click_of: dict[str, Click] = field(default_factory=dict)
    cancelled: set[str] = field(default_factory=set)
    reclicked: set[str] = field(default_factory=set)
    checked_again: set[str] = field(default_factory=set)
    unhandled: list[str] = field(default_factory=list)
    crashed: set[int] = field(default_factory=set)
    restarts: int = 0
    over_budget: int = 0  # clicks refused by the budget (nothing saved, nothing sent)
    budget_raises: int = 0
    store_refusals: int = 0  # clicks refused because the store could not be written
    spend_peak: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        self.start()

    def start(self) -> None:
        client = Client(
            KEY,
            base_url=self.wire.fake.base_url,
            transport=httpx.MockTransport(self.wire.handle),
            max_retries=2,
            sleep=lambda seconds: None,
        )
        self.jobs = Jobs(client, Store(self.root, SCOPE, disk=self.disk), now=self.clock.now)

    def guarded(self, action, *args):
        try:
            return action(*args)
        except Exception:  # counted and reported: the soak asserts there are none
            self.unhandled.append(traceback.format_exc())
            return None

    def click(self, click: Click, pending: deque[Click]) -> None:
        if click.n % CRASH_EVERY == CRASH_EVERY - 1 and click.n not in self.crashed:
            self.crashed.add(click.n)
            self.wire.crash_next_submit = "after" if click.n % 2 else "before"
        try:
            run = self.guarded(self.submit, click)
        except Crash:
            self.restart(click)
            self.check_budget()
            return
        if isinstance(run, Run):
            self.runs[run.run_id] = run
            self.click_of[run.run_id] = click
        elif run is not None:  # refused before anything was saved or sent: clicked again later
            pending.append(click)
        self.check_budget()

    def submit(self, click: Click) -> Run | str:
        """What the Generate page does: a Live submit, or the refusal it shows."""
        try:
            return self.jobs.submit(click.request, click.uploads, budget=BUDGET)
        except BudgetExceededError:
            self.over_budget += 1
            return "over budget"
        except StoreUnavailable:
            self.store_refusals += 1
            return "store unavailable"

    def raise_budget(self) -> None:
        """The user raises today's budget in the sidebar (for every tab and process)."""
        standing = self.jobs.store.ledger.standing(BUDGET, self.clock.now())
        self.jobs.store.ledger.set_daily_budget(
            BUDGET, self.clock.now(), standing.daily_limit + BUDGET_STEP
        )
        self.budget_raises += 1

    def check_budget(self) -> None:
        """What the runs commit today never exceeds today's budget (ledger and runs agree)."""
        standing = self.jobs.store.ledger.standing(BUDGET, self.clock.now())
        day = BUDGET.windows(self.clock.now()).day_start
        spent = sum((committed(r) for r in self.runs.values() if r.created_at >= day), Decimal(0))
        assert spent == standing.today, f"ledger {standing.today} != runs {spent}"
        assert spent <= standing.daily_limit, f"spent {spent} over {standing.daily_limit}"
        self.spend_peak = max(self.spend_peak, spent)

    def restart(self, click: Click) -> None:
        """The app comes back: everything it knows is what the store kept."""
        self.restarts += 1
        self.start()
        stored = {r.run_id: r for r in self.jobs.store.runs()}
        for run_id in stored.keys() - self.runs.keys():
            self.click_of[run_id] = click  # the run the crash interrupted
        self.runs = stored

    def poll(self, pending: deque[Click]) -> None:
        active = [r for r in self.runs.values() if r.active]
        if active:
            self.guarded(self.jobs.refresh, active)
        self.check_budget()
        for run in self.runs.values():
            click = self.click_of[run.run_id]
            if run.phase == "not_sent" and run.run_id not in self.reclicked:
                self.reclicked.add(run.run_id)
                pending.append(click)
            unconfirmed = run.phase == "unknown" and run.lookups_paused
            if unconfirmed and run.run_id not in self.checked_again:
                self.checked_again.add(run.run_id)  # the user presses "Check again" once…
                self.guarded(self.jobs.check_again, run)
            elif unconfirmed and run.run_id not in self.reclicked:
                self.reclicked.add(run.run_id)  # …then, History showing nothing, clicks again
                pending.append(click)
            wants_cancel = click.cancel and run.run_id not in self.cancelled
            if wants_cancel and run.task is not None and not run.task.is_terminal:
                self.cancelled.add(run.run_id)
                self.guarded(self.jobs.cancel, run)

    @property
    def busy(self) -> bool:
        return any(r.active for r in self.runs.values())


def test_fault_soak_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    started = time.perf_counter()
    clock = ManualClock()
    fake = FakeModelHunter(
        clock=clock,
        timing=Timing(pending_s=1, queued_s=2, running_s=6),
        faults=FaultPlan.random(FAULT_RATE, SEED),
        synthesize_videos=False,
    )
    wire = Wire(fake)
    driver = Driver(wire, clock, tmp_path)
    pending = deque(_clicks(_png()))

    rounds = 0
    episodes: Counter[str] = Counter()
    while (pending or driver.busy) and rounds < MAX_ROUNDS:
        rounds += 1
        refused_before = driver.over_budget
        for _ in range(min(NEW_PER_ROUND, len(pending))):
            driver.click(pending.popleft(), pending)
        if driver.over_budget > refused_before:
            driver.raise_budget()
        jump = rounds % EXPIRY_EVERY == 0
        outage = rounds % OUTAGE_EVERY < OUTAGE_ROUNDS
        wire.downloads_offline = jump or outage  # finished tasks wait, their links go stale
        phase = rounds % OUTAGE_EVERY
        driver.disk.episode = (
            "disk full"
            if phase in DISK_FULL_ROUNDS
            else "read-only"
            if phase in READ_ONLY_ROUNDS
            else None
        )
        if driver.disk.episode and phase in (DISK_FULL_ROUNDS[0], READ_ONLY_ROUNDS[0]):
            episodes[driver.disk.episode] += 1
        driver.poll(pending)
        wire.downloads_offline = False
        driver.disk.episode = None
        wire.read_log()
        clock.advance(EXPIRY_JUMP_S if jump else POLL_STEP_S)
    elapsed = time.perf_counter() - started

    assert not driver.unhandled, driver.unhandled[0]
    stuck = [f"{r.run_id}: {r.status}" for r in driver.runs.values() if r.active]
    assert not pending and not stuck, f"not settled after {rounds} rounds: {stuck[:5]}"

    # The fake's side of the story, read without faults.
    fake.faults.clear()
    with Client(KEY, base_url=fake.base_url, transport=httpx.MockTransport(fake.handle)) as audit:
        tasks = list(audit.iter_tasks())
    refs = [t.client_ref for t in tasks]
    assert None not in refs
    duplicates = [ref for ref, count in Counter(refs).items() if count > 1]
    assert not duplicates, f"tasks created twice for one run: {duplicates}"

    runs = driver.runs
    store = driver.jobs.store
    outcomes: Counter[str] = Counter()
    lost = []
    for task in tasks:
        run = runs.get(task.client_ref or "")
        if run is None or run.task is None or run.task.id != task.id:
            lost.append(task.id)
        elif run.video_file:
            video = store.video_path(run)
            assert video is not None and b"ftyp" in video.read_bytes()[:64]
            outcomes["downloaded"] += 1
        elif run.task.status in (TaskStatus.FAILED, TaskStatus.CANCELLED):
            assert run.task.status == TaskStatus.CANCELLED or run.error
            outcomes[run.task.status.value] += 1
        elif run.video_error:
            outcomes["video_error"] += 1
        else:
            lost.append(task.id)
    assert not lost, f"tasks the playground lost track of: {lost}"
    without_task = [r for r in runs.values() if r.task is None]
    assert all(r.phase in ("rejected", "not_sent", "unknown") and r.error for r in without_task)
    assert all(
        "may have been charged" in (r.error or "") for r in without_task if r.phase == "unknown"
    ), "an unconfirmed submit is never called 'not sent'"
    assert len(runs) - len(without_task) == len(tasks)
    assert outcomes["video_error"] == 0, "passing trouble never gives up a paid video"

    stored = {r.run_id: r for r in store.runs()}
    assert stored.keys() == runs.keys()
    assert all(stored[k].model_dump() == r.model_dump() for k, r in runs.items())

    injected = sum(wire.faults.values())
    assert len(tasks) >= 500
    assert injected / wire.requests >= 0.2, "the fake alone faults at least 20 % of requests"
    assert wire.cdn_expired >= 20, "downloads met expired result URLs and re-signed them"
    assert driver.restarts >= CLICKS // CRASH_EVERY - 4
    refused_writes = driver.disk.refused
    assert refused_writes["disk full"] >= 20 and refused_writes["read-only"] >= 20, (
        "downloads met the full disk and the read-only folder"
    )
    assert list(store.videos.glob("*.part")) == [], "no half-written video is left behind"
    standing = store.ledger.standing(BUDGET, clock.now())
    assert standing.today == sum((committed(r) for r in runs.values()), Decimal(0))
    assert driver.over_budget >= 3 and driver.budget_raises >= 3, "the budget did bind"

    ambiguous = [runs[ref] for ref in wire.ambiguous_refs if ref in runs]
    found = sum(1 for r in ambiguous if r.task is not None)
    phases = Counter(r.phase for r in without_task)
    refused = Counter(r.error_code for r in without_task if r.phase == "rejected")
    figures = "\n".join(
        [
            "Fault soak (tests/unit/test_soak.py)",
            f"runs: {len(runs)} ({CLICKS} clicks + {len(driver.reclicked)} re-clicks of "
            f"not-sent or unconfirmed runs); tasks created: {len(tasks)}; "
            f"app restarts after a crash mid-submit: {driver.restarts}",
            f"outcomes: {outcomes['downloaded']} videos downloaded, {outcomes['failed']} "
            f"failed, {outcomes['cancelled']} cancelled, {phases['rejected']} refused ("
            + ", ".join(f"{code} ×{n}" for code, n in sorted(refused.items()))
            + f"), {phases['not_sent']} not sent (refused before sending; re-clicked), "
            f"{phases['unknown']} left unconfirmed after Check again (re-clicked)",
            f"requests: {wire.requests}; injected faults: {injected} "
            f"({injected / wire.requests:.1%}): "
            + ", ".join(f"{k} ×{v}" for k, v in sorted(wire.faults.items()))
            + f"; plus {wire.offline_hits} downloads refused by our own network being down",
            f"ambiguous submits: {len(ambiguous)}; reconciled by client_ref: {found} found, "
            f"{len(ambiguous) - found} never found (kept as 'may have been charged'; the "
            "audit confirms no task exists for them)",
            f"expired result URLs met: {wire.cdn_expired}; each re-signed (GET /tasks/id) "
            "and downloaded",
            f"local disk episodes: {episodes['disk full']} disk-full and "
            f"{episodes['read-only']} read-only-folder episodes ({len(DISK_FULL_ROUNDS)} polls "
            f"each) refused {refused_writes['disk full']} video writes (ENOSPC) and "
            f"{refused_writes['read-only']} video files (EROFS); every video arrived after "
            "its episode (0 given up)",
            f"Live budget (ledger): {driver.over_budget} clicks refused over today's budget "
            f"(clicked again after the user raised it {driver.budget_raises} times, "
            f"{BUDGET.daily} → {standing.daily_limit} USD); committed checked after every "
            f"click and poll, never over the budget; spend at the end {standing.today} USD "
            "= the runs' committed amounts",
            "lost runs: 0; duplicate tasks: 0; videos given up: 0; unhandled exceptions: 0",
            f"fake-clock rounds: {rounds}; wall time: {elapsed:.1f} s",
        ]
    )
    print("\n" + figures)  # shown with `pytest -s`; the artifact is for the README
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(figures + "\n")
