"""One poller per store for the whole process: sessions of one key share its requests.

Every browser session shows its own runs, but the sessions of one key (one store folder)
share this process's poller for that store: each timer tick a session hands in its active
runs, and only the first tick of a cycle refreshes — every watched run of the scope that is
due on the tracker's schedule, in one list request (`RunTracker.tick` → `Jobs.refresh`).
The other sessions' ticks in that cycle send nothing: every session reads its runs' fresh
state from the store, which the refresh wrote. Twenty tabs on one key thus cost one list
request per cycle instead of twenty, and no run is lost: a run stays watched until a
refresh sees it finished.

Across app replicas sharing one PostgreSQL database, the workspace's polling is claimed
through the database (`Store.claim_polling`, a lease renewed every cycle): one replica at a
time refreshes every run of the workspace still in progress (`Store.active_runs`, whichever
replica submitted it), the others send nothing and read the fresh status from the store. A
replica that stops renewing is replaced after `LEASE_CYCLES` cycles.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from playground.jobs import Jobs
from playground.runs import Run
from playground.tracker import RunTracker

__all__ = [
    "CYCLE_SHARE",
    "FORGET_AFTER_CYCLES",
    "HOLDER",
    "LEASE_CYCLES",
    "SharedPoller",
    "shared_poller",
]

# A tick this much of a cycle after the scope's last refresh refreshes again (below 1, so a
# session whose timer fires a little early still polls once per cycle).
CYCLE_SHARE = 0.9
# A run no session has handed in for this many cycles is no longer polled (its sessions are
# gone; opening the gallery again brings it up to date, as before).
FORGET_AFTER_CYCLES = 5
# A replica's claim on a workspace's polling lasts this many cycles unless renewed.
LEASE_CYCLES = 3
HOLDER = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"  # this process


@dataclass
class _Scope:
    lock: threading.Lock = field(default_factory=threading.Lock)
    watched: dict[str, Run] = field(default_factory=dict)
    seen: dict[str, datetime] = field(default_factory=dict)  # last handed in by a session
    tracker: RunTracker = field(default_factory=RunTracker)
    last_refresh: datetime | None = None
    last_error: str | None = None  # what the cycle's refresh said about passing trouble


class SharedPoller:
    """The process's pollers, one per store folder (thread-safe)."""

    def __init__(self, holder: str = HOLDER) -> None:
        self.holder = holder  # this process's name in the workspace's polling lease
        self._lock = threading.Lock()
        self._scopes: dict[str, _Scope] = {}

    def _scope(self, jobs: Jobs) -> _Scope:
        with self._lock:
            return self._scopes.setdefault(str(jobs.store.dir), _Scope())

    def tick(self, jobs: Jobs, active: list[Run], now: datetime, *, cycle_s: float) -> list[Run]:
        """One timer tick of a session: its active runs, as the store now has them.

        The first tick of a cycle for this store refreshes every due run any session
        watches; later ticks in the cycle only read the store.

        Raises:
            StoreUnavailable: the store could not be read or written.
        """
        scope = self._scope(jobs)
        with scope.lock:
            for run in active:
                scope.watched.setdefault(run.run_id, run.model_copy(deep=True))
                scope.seen[run.run_id] = now
            last = scope.last_refresh
            if last is None or now - last >= timedelta(seconds=cycle_s * CYCLE_SHARE):
                scope.last_refresh = now
                # Demo workspaces are polled where they run: each replica has its own
                # offline service, which knows only the tasks made through it.
                across = jobs.store.db.shared and jobs.store.scope.startswith("key-")
                if across and not self._claim(jobs, scope, now, cycle_s, self.holder):
                    return self._fresh(jobs, active)  # another replica polls this cycle
                watched = list(scope.watched.values())
                scope.tracker.tick(jobs, watched, now, everything=False)
                scope.last_error = jobs.last_error
                forgotten = now - timedelta(seconds=cycle_s * FORGET_AFTER_CYCLES)
                for run in watched:  # finished, or no session shows it any more (closed)
                    if not run.active or scope.seen.get(run.run_id, now) < forgotten:
                        scope.watched.pop(run.run_id, None)
                        scope.seen.pop(run.run_id, None)
                        scope.tracker.due_at.pop(run.run_id, None)
            jobs.last_error = scope.last_error  # every session warns of the cycle's trouble
        return self._fresh(jobs, active)

    @staticmethod
    def _fresh(jobs: Jobs, active: list[Run]) -> list[Run]:
        fresh = [jobs.store.get(run.run_id) for run in active]
        return [run for run in fresh if run is not None]

    @staticmethod
    def _claim(jobs: Jobs, scope: _Scope, now: datetime, cycle_s: float, holder: str) -> bool:
        """Whether this replica polls the workspace this cycle; if so it watches every run
        of the workspace still in progress, whichever replica submitted it."""
        if not jobs.store.claim_polling(holder, now, cycle_s * LEASE_CYCLES):
            return False
        for run in jobs.store.active_runs():
            scope.watched.setdefault(run.run_id, run)
        return True

    def watching(self, jobs: Jobs) -> set[str]:
        """Run ids this store's poller is watching (for tests and benchmarks)."""
        scope = self._scope(jobs)
        with scope.lock:
            return set(scope.watched)


_poller = SharedPoller()


def shared_poller() -> SharedPoller:
    """The process's shared poller."""
    return _poller
