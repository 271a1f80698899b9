"""Submit -> track -> fetch result -> store, and reconciling ambiguous submits.

The money rule: a submit POST is sent at most once per click. When its outcome is unknown
(timeout or dropped connection after sending), the run goes to phase `unknown` and we look
for the task by our own `metadata.client_ref` before anything else; the user may only
submit again once we are sure no task was created.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from io import BytesIO

from pydantic import BaseModel, ConfigDict

from modelhunter import polling
from modelhunter.client import Client
from modelhunter.errors import (
    AmbiguousSubmitError,
    ApiError,
    ApiStatusError,
    advice,
    advice_for_task_error,
)
from modelhunter.pricing import quote
from modelhunter.requests import KlingV3Request, KlingV26Request, parse_request
from modelhunter.responses import Task, TaskStatus
from playground.runs import InputImage, Run
from playground.store import Store

__all__ = ["RECONCILE_WINDOW", "Jobs", "Upload", "new_run_id"]

# How long an unknown submit is looked for before we conclude it never reached the API.
RECONCILE_WINDOW = timedelta(seconds=30)
MAX_DOWNLOAD_ATTEMPTS = 5
_SUFFIX = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}


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
    ) -> Run:
        """Upload local images, then create the task once; the run is saved at every step."""
        uploads = uploads or {}
        price = quote(request)
        run = Run(
            run_id=run_id or new_run_id(),
            created_at=self.now(),
            request=request,
            price=price.total,
            price_estimated=price.estimated,
            images=self._remember_images(request, uploads),
        )
        self.store.save(run)
        try:
            body = request.wire()
            for field, upload in uploads.items():
                uploaded = self.client.upload_file(
                    BytesIO(upload.data),
                    filename=upload.name,
                    content_type=upload.content_type,
                    size_bytes=len(upload.data),
                )
                body["input"][field] = uploaded.url
            body["metadata"] = {**body.get("metadata", {}), "client_ref": run.run_id}
            run.request = parse_request(body)
        except ApiError as exc:
            return self._reject(run, exc)
        self.store.save(run)  # before the POST: the run is known even if we crash now
        try:
            ack = self.client.submit(run.request)
        except AmbiguousSubmitError:
            run.phase = "unknown"
            self.store.save(run)
            return self.reconcile(run)
        except ApiError as exc:
            return self._reject(run, exc)
        run.task = Task(
            id=ack.id,
            type="video",
            status=ack.status,
            provider=ack.provider,
            model=ack.model,
            created_at=ack.created_at,
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
                sha = self.store.put_image(up.data, _SUFFIX.get(up.content_type, ".img"))
                images[field] = InputImage(name=up.name, sha256=sha, content_type=up.content_type)
            elif url := getattr(request.input, field):
                images[field] = InputImage(name=url.rsplit("/", 1)[-1] or url, url=url)
        return images

    def _reject(self, run: Run, exc: ApiError) -> Run:
        run.phase = "rejected"
        run.error_code = exc.code if isinstance(exc, ApiStatusError) else type(exc).__name__
        run.error = exc.message if isinstance(exc, ApiStatusError) else str(exc)
        run.advice = advice(exc)
        self.store.save(run)
        return run

    def reconcile(self, run: Run) -> Run:
        """Resolve an unknown submit by finding the task by `client_ref` (never resending)."""
        try:
            task = self.client.find_by_client_ref(
                run.run_id, created_after=run.created_at - timedelta(minutes=5)
            )
        except ApiError as exc:
            self.last_error = advice(exc)
            return run
        if task is not None:
            run.task, run.phase = task, "tracking"
        elif self.now() - run.created_at > RECONCILE_WINDOW:
            run.phase = "not_sent"
            run.error = "The request never reached ModelHunter: no task was created or charged."
            run.advice = "Submit again when your connection is back."
        self.store.save(run)
        return run

    # --- tracking -----------------------------------------------------------------------

    def refresh(self, runs: list[Run]) -> list[Run]:
        """Poll every active run with the fewest requests; download finished videos."""
        self.last_error = None
        for run in runs:
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
        for run in runs:
            if run.task and run.task.status == TaskStatus.SUCCEEDED and run.needs_download:
                self.download(run)
        return runs

    def _apply(self, run: Run, task: Task) -> None:
        run.task = task
        if task.status == TaskStatus.FAILED:
            run.error_code = task.error.code if task.error else "FAILED"
            run.error = task.error.message if task.error else "The generation failed."
            run.advice = advice_for_task_error(task.error)
        self.store.save(run)

    def download(self, run: Run) -> Run:
        """Fetch the video into the store now (result URLs expire after ~15 minutes)."""
        assert run.task is not None
        run.download_attempts += 1
        try:
            task = run.task
            if task.video is None or task.status == TaskStatus.EXPIRED:
                task = self.client.get_task(task.id)  # re-signs an expired result URL
                run.task = task
            if task.video is None:
                raise ValueError("the task reports no video")
            try:
                self._fetch(run, task.video.url)
            except ApiError:
                run.task = task = self.client.get_task(task.id)  # URL expired meanwhile
                if task.video is None:
                    raise
                self._fetch(run, task.video.url)
        except (ApiError, ValueError) as exc:
            self.last_error = advice(exc) if isinstance(exc, ApiError) else str(exc)
            if run.download_attempts >= MAX_DOWNLOAD_ATTEMPTS:
                run.video_error = f"The video could not be downloaded: {self.last_error}"
        self.store.save(run)
        return run

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
