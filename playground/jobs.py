"""Submit -> track -> fetch result -> store, and reconciling ambiguous submits.

The money rule: a submit POST is sent at most once per click. When its outcome is unknown
(timeout, dropped connection or a 5xx after sending), the run goes to phase `unknown` and we
look for the task by our own `metadata.client_ref` (`modelhunter.reconcile`). A run is
`not_sent` only when that is provable: the request never left this machine (connection
refused, DNS, connect timeout). Otherwise it stays `unknown` — "may have been charged", its
price still counted against the budget — looked for automatically for `RECONCILE_WINDOW`,
then on "Check again"; History can recover it too. Tasks that may be it but carry no
metadata are offered to the user as candidates, never adopted silently. A run left
`submitting` by a crash or restart is treated the same way. With a budget, the run is
reserved against it in the store before anything is sent.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from io import BytesIO

from pydantic import BaseModel, ConfigDict, ValidationError

from modelhunter import polling
from modelhunter.client import Client
from modelhunter.errors import (
    AmbiguousSubmitError,
    ApiConnectionError,
    ApiError,
    ApiStatusError,
    NotFoundError,
    RateLimitError,
    TransferError,
    is_transient,
)
from modelhunter.images import EXTENSION_FOR_TYPE
from modelhunter.pricing import quote
from modelhunter.reconcile import lookup_submit
from modelhunter.requests import KlingV3Request, KlingV26Request, parse_request
from modelhunter.responses import Task, TaskStatus
from modelhunter.validation import explain
from playground.advice import advice, advice_for_task_error
from playground.budget import Budget
from playground.runs import InputImage, Run
from playground.store import Store, StoreUnavailable

__all__ = [
    "MAX_DOWNLOAD_ATTEMPTS",
    "NOT_SENT_ERROR",
    "RECONCILE_WINDOW",
    "UNKNOWN_ADVICE",
    "UNKNOWN_ERROR",
    "Jobs",
    "Upload",
    "new_run_id",
]

# How long an unknown submit is looked for automatically (from its first lookup); after
# that it waits for "Check again". It never becomes "not sent" by waiting.
RECONCILE_WINDOW = timedelta(minutes=2)
# Downloads that fail for a lasting reason (the link is refused even freshly signed, the
# task has no video) are given up after this many attempts; passing trouble (network,
# 5xx, 429) never gives up a paid video: the next poll tries again.
MAX_DOWNLOAD_ATTEMPTS = 5
_LINK_REFUSED = frozenset({401, 403, 404, 410})

NOT_SENT_ERROR = "The request never reached ModelHunter: no task was created or charged."
UNKNOWN_ERROR = (
    "Unknown — may have been charged: ModelHunter did not confirm this submit and the task "
    "has not been found yet."
)
UNKNOWN_ADVICE = (
    "Press Check again in a minute, or look for the task on the History page and recover "
    "it. Submitting again may charge twice."
)

# Runs being submitted in this process right now (by store folder and run id): polling in
# another session must not mistake them for runs a crash left behind.
_in_flight_lock = threading.Lock()
_in_flight: set[tuple[str, str]] = set()


class Upload(BaseModel):
    """A local image to send through the files flow before submitting."""

    model_config = ConfigDict(frozen=True)

    name: str
    content_type: str
    data: bytes


def new_run_id() -> str:
    """Our own reference for a run, sent as `metadata.client_ref`."""
    return "run_" + secrets.token_hex(8)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Jobs:
    """Runs of one store, driven through one API client."""

    def __init__(
        self, client: Client, store: Store, *, now: Callable[[], datetime] = _utcnow
    ) -> None:
        self.client = client
        self.store = store
        self.now = now
        self.last_error: str | None = None

    # --- submit -------------------------------------------------------------------------

    def submit(
        self,
        request: KlingV3Request | KlingV26Request,
        uploads: dict[str, Upload] | None = None,
        *,
        run_id: str | None = None,
        budget: Budget | None = None,
        batch_id: str | None = None,
    ) -> Run:
        """Upload local images, then create the task once; the run is saved at every step.

        With a `budget`, the run is reserved against it (atomically with every other session
        and process on this store) before anything is uploaded or sent.

        Raises:
            BudgetExceededError: the run would take spend over `budget`; nothing was saved.
            ValueError: `run_id` is already used by a stored run.
        """
        uploads = uploads or {}
        price = quote(request)
        run_id = run_id or new_run_id()
        if self.store.get(run_id) is not None:
            raise ValueError(f"Run {run_id} exists already: a run is submitted once.")
        run = Run(
            run_id=run_id,
            created_at=self.now(),
            request=request,
            price=price.total,
            price_estimated=price.estimated,
            images=self._remember_images(request, uploads),
            batch_id=batch_id,
        )
        with self._in_flight(run):
            if budget is not None:
                self.store.reserve(run, budget)
            else:
                self.store.save(run)
            return self._send(run, uploads)

    @contextlib.contextmanager
    def _in_flight(self, run: Run) -> Iterator[None]:
        key = (str(self.store.dir), run.run_id)
        with _in_flight_lock:
            _in_flight.add(key)
        try:
            yield
        finally:
            with _in_flight_lock:
                _in_flight.discard(key)

    def _is_in_flight(self, run: Run) -> bool:
        with _in_flight_lock:
            return (str(self.store.dir), run.run_id) in _in_flight

    def _send(self, run: Run, uploads: dict[str, Upload]) -> Run:
        try:
            body = run.request.wire()
            for field, upload in uploads.items():
                uploaded = self.client.upload_file(
                    BytesIO(upload.data),
                    filename=upload.name,
                    content_type=upload.content_type,
                    size_bytes=len(upload.data),
                )
                body["input"][field] = uploaded.url
        except (ApiError, ValueError) as exc:
            return self._not_submitted(run, exc)
        body["metadata"] = {**(body.get("metadata") or {}), "client_ref": run.run_id}
        try:
            run.request = parse_request(body)
        except ValidationError as exc:  # e.g. the metadata has no room left for client_ref
            problem = explain(exc, run.model)[0]
            hint = (
                "Remove a metadata entry: the playground adds one (client_ref) to every run."
                if problem.path[:1] == ("metadata",)
                else "Change the settings named above and submit again."
            )
            return self._reject(run, "VALIDATION_ERROR", problem.message, hint)
        self.store.save(run)  # before the POST: the run is known even if we crash now
        try:
            ack = self.client.submit(run.request)
        except AmbiguousSubmitError:
            run.phase = "unknown"
            self.store.save(run)
            return self.reconcile(run)
        except ApiError as exc:
            return self._not_submitted(run, exc)
        run.task = Task(
            id=ack.id,
            type="video",
            status=ack.status,
            provider=ack.provider or "kling",
            model=ack.model or run.model,
            created_at=ack.created_at or run.created_at,
            progress=0,
            metadata={"client_ref": run.run_id},
        )
        run.phase = "tracking"
        run.estimated_seconds = ack.estimated_seconds
        self.store.save(run)
        return run

    def _remember_images(
        self, request: KlingV3Request | KlingV26Request, uploads: dict[str, Upload]
    ) -> dict[str, InputImage]:
        images: dict[str, InputImage] = {}
        for field in ("image", "image_tail"):
            if field in uploads:
                up = uploads[field]
                sha = self.store.put_image(up.data, EXTENSION_FOR_TYPE.get(up.content_type, ".img"))
                images[field] = InputImage(name=up.name, sha256=sha, content_type=up.content_type)
            elif url := getattr(request.input, field):
                images[field] = InputImage(name=url.rsplit("/", 1)[-1] or url, url=url)
        return images

    def _not_submitted(self, run: Run, exc: ApiError | ValueError) -> Run:
        """Nothing was created: a refusal (`rejected`), or passing trouble (`not_sent`).

        Only errors raised before the POST, or a POST refused with a 4xx, come here.
        """
        if not isinstance(exc, ApiError):
            return self._reject(run, type(exc).__name__, str(exc), None)
        if is_transient(exc) and not isinstance(exc, RateLimitError):
            run.phase = "not_sent"
            run.error_code = type(exc).__name__
            run.error = (
                NOT_SENT_ERROR
                if isinstance(exc, ApiConnectionError)
                else f"Nothing was submitted or charged: {exc.message}"
            )
            run.advice = advice(exc)
            self.store.save(run)
            return run
        code = exc.code if isinstance(exc, ApiStatusError) else type(exc).__name__
        return self._reject(run, code or type(exc).__name__, exc.message, advice(exc))

    def _reject(self, run: Run, code: str, error: str, advice_text: str | None) -> Run:
        run.phase = "rejected"
        run.error_code = code
        run.error = error
        run.advice = advice_text
        self.store.save(run)
        return run

    def reconcile(self, run: Run) -> Run:
        """Resolve an unknown submit by finding its task (never resending).

        The run becomes `tracking` when the task is proven ours (its `client_ref`); it stays
        `unknown` otherwise, with any unproven `candidates`, and its automatic lookups pause
        after `RECONCILE_WINDOW` (`check_again` resumes them). A failed lookup proves
        nothing: `last_error` says why.
        """
        if run.task is not None:
            return run
        now = self.now()
        if run.unknown_since is None:
            run.unknown_since = now
        try:
            found = lookup_submit(
                self.client, run.run_id, submitted_at=run.created_at, model=run.model, now=now
            )
        except ApiError as exc:
            self.last_error = advice(exc)
            found = None
        if found is not None and found.task is not None:
            self.adopt(run, found.task)
            return run
        if found is not None:
            claimed = self.store.task_ids()
            run.candidates = [t for t in found.candidates if t.id not in claimed]
        run.phase = "unknown"
        run.error_code, run.error, run.advice = "SUBMIT_UNKNOWN", UNKNOWN_ERROR, UNKNOWN_ADVICE
        run.lookups_paused = now - run.unknown_since >= RECONCILE_WINDOW
        self.store.save(run)
        return run

    def check_again(self, run: Run) -> Run:
        """The user asks to look for an unknown submit once more (and for a while after)."""
        if run.phase != "unknown" or run.task is not None:
            return run
        run.unknown_since = None
        run.lookups_paused = False
        return self.reconcile(run)

    def adopt_candidate(self, run: Run, task_id: str) -> Run:
        """The user confirmed that candidate `task_id` is this run: track it from now on."""
        if run.task is not None or task_id not in {t.id for t in run.candidates}:
            return run
        if task_id in self.store.task_ids():
            run.candidates = [t for t in run.candidates if t.id != task_id]
            self.store.save(run)
            return run
        try:
            task = self.client.get_task(task_id)
        except ApiError as exc:
            self.last_error = advice(exc)
            return run
        return self.adopt(run, task)

    def adopt(self, run: Run, task: Task) -> Run:
        """Track `task` as this run's: found by its reference, or confirmed by the user."""
        run.task, run.phase = task, "tracking"
        run.error_code = run.error = run.advice = None
        run.candidates, run.unknown_since, run.lookups_paused = [], None, False
        self.store.save(run)
        return run

    # --- tracking -----------------------------------------------------------------------

    def refresh(self, runs: list[Run]) -> list[Run]:
        """Poll every active run with the fewest requests; download finished videos.

        Each run is first brought up to date from the store (another session may have moved
        it on); the runs are updated in place and returned.
        """
        self.last_error = None
        runs = [self._sync(run) for run in runs]
        for run in runs:
            if self._is_in_flight(run):
                continue
            if run.phase == "submitting" and run.task is None:
                run.phase = "unknown"  # interrupted mid-submit (crash, restart): find it
                self.store.save(run)
            if run.phase == "unknown":
                self.reconcile(run)
        tracked = [r for r in runs if r.task and r.active and not r.task.is_terminal]
        if tracked:
            try:
                fresh = polling.refresh_many(self.client, [r.task for r in tracked if r.task])
            except ApiError as exc:
                self.last_error = advice(exc)
                fresh = {}
            for run in tracked:
                task = fresh.get(run.task.id) if run.task else None
                if task is not None:
                    self._apply(run, task)
                elif self.last_error is None:
                    self._check_still_known(run)
        for run in runs:
            if run.task and run.task.status == TaskStatus.SUCCEEDED and run.needs_download:
                self.download(run)
        return runs

    def _check_still_known(self, run: Run) -> None:
        """A tracked task missing from a refresh: ask for it once; a 404 ends the run."""
        assert run.task is not None
        try:
            self._apply(run, self.client.get_task(run.task.id))
        except NotFoundError:
            run.phase = "gone"
            run.error_code = "TASK_NOT_FOUND"
            run.error = "ModelHunter no longer knows this task."
            run.advice = (
                "If the offline Demo backend restarted, runs that were in progress are gone "
                "(nothing was charged): use Re-run. With a key, check the History page."
            )
            self.store.save(run)
        except ApiError as exc:
            self.last_error = advice(exc)

    def _sync(self, run: Run) -> Run:
        stored = self.store.get(run.run_id)
        if stored is not None:
            for name in Run.model_fields:
                setattr(run, name, getattr(stored, name))
        return run

    def _apply(self, run: Run, task: Task) -> None:
        run.task = task
        if task.status == TaskStatus.FAILED:
            run.error_code = task.error.code if task.error else "FAILED"
            run.error = task.error.message if task.error else "The generation failed."
            run.advice = advice_for_task_error(task.error)
        self.store.save(run)

    def download(self, run: Run) -> Run:
        """Fetch the video into the store now (result URLs expire after ~15 minutes).

        An expired or refused link is signed afresh (`GET /tasks/{id}`) and tried again.
        Failures are recorded in `last_error`. Only lasting API-side failures count (the link
        is refused even freshly signed, the task has no video): after `MAX_DOWNLOAD_ATTEMPTS`
        of them the run gets a `video_error`. Trouble on this machine (disk full, read-only,
        not allowed) and passing network trouble never give up a paid video: the run stays to
        download and the next poll tries again.
        """
        if run.task is None or self.store.video_path(run) is not None:
            return run
        try:
            self._download(run)
        except (StoreUnavailable, OSError) as exc:
            self.last_error = f"The video is not saved yet; it will be tried again. {exc}"
        except (ApiError, ValueError) as exc:
            self.last_error = advice(exc) if isinstance(exc, ApiError) else str(exc)
            if not (isinstance(exc, ApiError) and is_transient(exc)):
                run.download_attempts += 1
                if run.download_attempts >= MAX_DOWNLOAD_ATTEMPTS:
                    run.video_error = f"The video could not be downloaded: {self.last_error}"
        self.store.save(run)
        return run

    def retry_download(self, run: Run) -> Run:
        """The user asked: forget earlier download failures and fetch the video now."""
        run.video_error = None
        run.download_attempts = 0
        return self.download(run)

    def _download(self, run: Run) -> None:
        assert run.task is not None
        task = run.task
        if task.video is None or task.status != TaskStatus.SUCCEEDED:
            task = run.task = self.client.get_task(task.id)  # re-signs an expired URL
        if task.video is None:
            raise ValueError("The task reports no video.")
        try:
            self._fetch(run, task.video.url)
        except TransferError as exc:
            if exc.status_code not in _LINK_REFUSED:
                raise
            task = run.task = self.client.get_task(task.id)  # the link expired meanwhile
            if task.video is None:
                raise
            self._fetch(run, task.video.url)

    def _fetch(self, run: Run, url: str) -> None:
        with self.store.writing_video(run.run_id) as handle:
            self.client.download(url, handle)
        run.video_file = f"{run.run_id}.mp4"
        run.video_error = None

    def cancel(self, run: Run) -> Run:
        """Cancel a run still in progress; a task that already finished is just refreshed."""
        if run.task is None or run.task.is_terminal:
            return run
        try:
            self._apply(run, self.client.cancel(run.task.id))
        except ApiError as exc:
            self.last_error = advice(exc)
            with contextlib.suppress(ApiError):
                self._apply(run, self.client.get_task(run.task.id))
        return run
