"""Reading a reply into a model: the one place a response body becomes typed data.

The models in `responses.py` decide what is tolerated; this records in the call log what a
reply held beyond them (unknown fields, status words, skipped list items) and turns what
cannot be read into `InvalidResponseError`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from .calllog import CallLog
from .error_replies import invalid_response
from .errors import InvalidResponseError
from .responses import SubmitAck, Task, TaskPage, is_known_status, unknown_fields
from .wire import envelope

__all__ = ["read_reply"]

M = TypeVar("M", bound=BaseModel)


def _unknown_statuses(parsed: BaseModel) -> list[str]:
    tasks = parsed.data if isinstance(parsed, TaskPage) else [parsed]
    return [
        str(t.status)
        for t in tasks
        if isinstance(t, Task | SubmitAck) and not is_known_status(t.status)
    ]


def read_reply(
    response: httpx.Response,
    model: type[M],
    *,
    enveloped: bool = True,
    secrets: Iterable[str] = (),
) -> M:
    """`model` from a successful reply's JSON (inside `{"success": true, "data": …}`).

    Raises:
        InvalidResponseError: the body is not JSON, or not of a shape we can read.
    """
    try:
        payload = response.json()
    except ValueError as exc:
        CallLog.note(response, outcome="not JSON")
        raise invalid_response(response, secrets=secrets) from exc
    try:
        parsed = (
            envelope(model).model_validate(payload).data
            if enveloped
            else model.model_validate(payload)
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        CallLog.note(response, outcome=f"unreadable ({where})")
        raise InvalidResponseError(
            f"The API answered HTTP {response.status_code} with JSON of an unexpected "
            f"shape ({where}: {first['msg']}).",
            status_code=response.status_code,
            request_id=response.headers.get("X-Request-Id"),
        ) from exc
    skipped = len(parsed.skipped) if isinstance(parsed, TaskPage) else 0
    CallLog.note(
        response,
        outcome=f"{skipped} unreadable item(s) skipped" if skipped else "",
        unknown_fields=unknown_fields(parsed),
        unknown_statuses=_unknown_statuses(parsed),
    )
    return parsed
