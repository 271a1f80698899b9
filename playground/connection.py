"""Is the key good and the API reachable? One check, made when a key comes into use."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from modelhunter.client import Client
from modelhunter.errors import ApiError, AuthenticationError, PermissionDeniedError
from playground.advice import advice

__all__ = ["ConnectionCheck", "check_connection"]


class ConnectionCheck(BaseModel):
    """The outcome of checking a key: whether it works and what the account says."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    base_url: str
    checked_at: datetime
    via: Literal["balance", "tasks", "none"]
    balance: Decimal | None = None
    billing_mode: str | None = None
    message: str


def check_connection(client: Client, *, now: datetime | None = None) -> ConnectionCheck:
    """Ask `GET /balance`; if that is not offered, `GET /tasks?limit=1`.

    A refused key (401/403) is reported at once; other trouble with the balance falls back
    to the task list, since some keys may not be allowed to read billing.
    """
    at = now or datetime.now(UTC)
    base = client.base_url
    try:
        balance = client.get_balance()
    except (AuthenticationError, PermissionDeniedError) as exc:
        return ConnectionCheck(
            ok=False,
            base_url=base,
            checked_at=at,
            via="balance",
            message=f"The key was refused: {advice(exc)}",
        )
    except ApiError:
        pass
    else:
        mode = balance.billing_mode or "unknown billing mode"
        return ConnectionCheck(
            ok=True,
            base_url=base,
            checked_at=at,
            via="balance",
            balance=balance.balance,
            billing_mode=balance.billing_mode,
            message=f"The key works ({mode}).",
        )
    try:
        client.list_tasks(limit=1)
    except ApiError as exc:
        return ConnectionCheck(
            ok=False,
            base_url=base,
            checked_at=at,
            via="none",
            message=f"The API could not be used: {advice(exc)}",
        )
    return ConnectionCheck(
        ok=True,
        base_url=base,
        checked_at=at,
        via="tasks",
        message="The key works (the balance could not be read).",
    )
