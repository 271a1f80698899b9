"""Handlers of the task endpoints: submit, get, list, cancel, and the balance (§2, §4, §9).

Billing (contract §10.10 leaves it open; our decision): live keys are charged the quoted
price at submit and refunded when the task fails or is cancelled; sandbox keys are never
charged. Succeeded tasks report `cost` = the quoted price for both kinds of key.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fake_modelhunter.auth import is_live
from fake_modelhunter.listing import ListQuery, paginate
from fake_modelhunter.prices import price_of
from fake_modelhunter.replies import Reply, ServiceError, iso, ok
from fake_modelhunter.rules import Problem, Refused, read_request
from fake_modelhunter.state import Incoming, State, json_body
from fake_modelhunter.tasks import TaskRecord, scripted_failure
from fake_modelhunter.video_request import VideoRequest
from fake_modelhunter.videos import MAX_QUEUED_RENDERS, placeholder_image, synth_request

__all__ = [
    "balance",
    "cancel_task",
    "get_task",
    "list_tasks",
    "submit",
]

# A GET of a task that just succeeded waits this long for its clip, to report `size_bytes`;
# lists never wait (a backlog of renders must not stall them).
RESULT_WAIT_S = 5.0


def validation_error(problems: list[Problem]) -> ServiceError:
    """400 `VALIDATION_ERROR`: message = the first problem, details list every one."""
    errors = [{"field": where or "body", "reason": reason} for where, reason in problems]
    first = errors[0]
    return ServiceError(
        400, "VALIDATION_ERROR", first["reason"], details={**first, "errors": errors}
    )


def _parse(body: Any) -> tuple[VideoRequest, Decimal]:
    """The request and its price.

    Raises:
        ServiceError: 400 `VALIDATION_ERROR` naming every broken rule, 400
            `INVALID_PARAMETER` for a body that is not an object, 404 `MODEL_NOT_FOUND`.
    """
    try:
        request = read_request(body)
    except Refused as refused:
        raise validation_error(refused.problems) from None
    try:
        return request, price_of(request)
    except LookupError:
        problem = ("input.mode", f"{request.model} has no price for these settings.")
        raise validation_error([problem]) from None


def _image(state: State, key: str, url: str, request: Incoming, field: str) -> bytes | str:
    """Uploaded bytes for a CDN URL of this key's file, or the URL itself when foreign.

    Raises:
        ServiceError: 400 `INVALID_PARAMETER` for a CDN URL that is not this key's image.
    """
    for cdn in {request.origins.cdn, state.default_cdn}:
        if url.startswith(cdn + "/"):
            name = url[len(cdn) :].split("?")[0]
            file_id = name.removeprefix("/files/").split(".")[0]
            record = state.files.get(file_id)
            if (
                name.startswith("/files/")
                and record is not None
                and record.owner == key
                and record.completed
                and record.is_image
                and record.data is not None
            ):
                return record.data
            raise ServiceError(
                400,
                "INVALID_PARAMETER",
                "image not found: upload it (and complete the upload) with this API key, "
                "or use a public image URL",
                details={"field": field},
            )
    return url


def submit(state: State, request: Incoming, key: str) -> Reply:
    """`POST /kling/image-to-video` → 202 with the submit acknowledgement."""
    parsed, price = _parse(json_body(request.body))
    if state.videos.synthesize and state.videos.queued() >= MAX_QUEUED_RENDERS:
        raise ServiceError(
            429,
            "RATE_LIMIT_EXCEEDED",
            "The demo renderer is busy: too many videos are waiting. Try again shortly.",
            headers={"Retry-After": "10"},
        )
    with state.lock:
        start = _image(state, key, parsed.image, request, "input.image")
        end = None
        if parsed.image_tail:
            end = _image(state, key, parsed.image_tail, request, "input.image_tail")
        created = state.creation_time(state.now())
        charged = price if is_live(key) else price * 0
        if charged:
            available = state.balance_of(key)
            if price > available:
                raise ServiceError(
                    402,
                    "INSUFFICIENT_BALANCE",
                    f"Account balance is too low for this request (needs ${price}, "
                    f"balance ${available})",
                )
            state.balances[key] = available - price
        failure = scripted_failure(parsed)
        if failure is None and state.task_failures:
            failure = state.task_failures.pop(0)
        record = TaskRecord(
            id=state.new_id("task"),
            owner=key,
            request=parsed,
            created_at=created,
            timing=state.timing,
            cost=price,
            charged=charged,
            failure=failure,
            metadata=dict(parsed.metadata),
        )
        state.add_task(record)
    if failure is None:
        job = None
        if state.videos.synthesize:
            start_bytes = start if isinstance(start, bytes) else placeholder_image(start)
            end_bytes = end if not isinstance(end, str) else placeholder_image(end)
            job = synth_request(parsed, start_bytes, end_bytes)
        state.videos.start(record.id, job)
    ack = {
        "id": record.id,
        "status": "pending",
        "type": "image-to-video",
        "provider": "kling",
        "model": record.model,
        "created_at": iso(record.created_at),
        "estimated_seconds": round(state.timing.total(record.duration)),
    }
    return ok(ack, status=202)


def get_task(state: State, request: Incoming, key: str, task_id: str) -> Reply:
    """`GET /tasks/{id}`; re-signs an expired result URL."""
    with state.lock:
        record = state.task_of(key, task_id)
    state.wait_for_videos([record], RESULT_WAIT_S)
    with state.lock:
        return ok(state.task_json(record, request.origins, resign=True))


def list_tasks(state: State, request: Incoming, key: str) -> Reply:
    """`GET /tasks`: newest first, filtered, cursor-paginated."""
    query = ListQuery.parse(request.query)
    with state.lock:
        records = list(state.owned.get(key, []))
        rows = (
            (r.created_at, state.task_json(r, request.origins, resign=False))
            for r in reversed(records)
        )
        page, pagination = paginate(query, rows)
    return ok(page, pagination=pagination)


def cancel_task(state: State, request: Incoming, key: str, task_id: str) -> Reply:
    """`POST /tasks/{id}/cancel` → 200 with the cancelled task; 409 once finished."""
    with state.lock:
        record = state.task_of(key, task_id)
        status = record.phase(state.now()).status
        if status in ("succeeded", "failed", "cancelled"):
            message = (
                "Task was already cancelled"
                if status == "cancelled"
                else "Task has already completed and cannot be cancelled"
            )
            raise ServiceError(409, "TASK_NOT_CANCELLABLE", message, details={"status": status})
        record.cancel(state.now())
        state.refund(record)
        state.videos.forget(record.id)
        return ok(state.task_json(record, request.origins, resign=False))


def balance(state: State, request: Incoming, key: str) -> Reply:
    """`GET /balance` (camelCase, as documented)."""
    with state.lock:
        amount = state.balance_of(key)
    return ok(
        {
            "balance": amount,
            "billingMode": "prepaid",
            "monthlySpendLimit": None,
            "autoTopUpEnabled": False,
            "autoTopUpThreshold": None,
            "autoTopUpAmount": None,
        }
    )
