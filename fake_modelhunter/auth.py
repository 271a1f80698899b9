"""Bearer-key checks of the fake (contract §1): any key of the documented shape works.

Tests script the other outcomes per key with `FakeModelHunter.set_key_state`.
"""

from __future__ import annotations

import re
from typing import Literal

from fake_modelhunter.replies import ServiceError

__all__ = [
    "KEY_PATTERN",
    "KeyState",
    "authenticate",
    "is_live",
]

KEY_PATTERN = re.compile(r"^river_(test|live)_[A-Za-z0-9]{32}$")
KeyState = Literal["active", "revoked", "expired", "no_permission", "key_expired"]

_REFUSALS: dict[str, tuple[int, str, str]] = {
    "revoked": (403, "KEY_REVOKED", "This API key has been deleted"),
    "expired": (401, "AUTH_TOKEN_EXPIRED", "The API token has expired"),
    "no_permission": (
        403,
        "KEY_PERMISSION_DENIED",
        "This API key does not have permission for this action",
    ),
    "key_expired": (403, "KEY_EXPIRED", "This API key has passed its expiry date"),
}


def is_live(key: str) -> bool:
    """Live keys are charged; test (sandbox) keys never are."""
    return key.startswith("river_live_")


def authenticate(authorization: str | None, states: dict[str, KeyState]) -> str:
    """The API key of a request's `Authorization` header.

    Raises:
        ServiceError: 401 `AUTH_REQUIRED` / `AUTH_INVALID_TOKEN` / `AUTH_TOKEN_EXPIRED`,
            403 `KEY_REVOKED` / `KEY_PERMISSION_DENIED` / `KEY_EXPIRED`.
    """
    if not authorization or not authorization.strip():
        raise ServiceError(401, "AUTH_REQUIRED", "An API key is required")
    scheme, _, key = authorization.strip().partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not KEY_PATTERN.match(key):
        raise ServiceError(401, "AUTH_INVALID_TOKEN", "API key is malformed or does not exist")
    refusal = _REFUSALS.get(states.get(key, "active"))
    if refusal is not None:
        raise ServiceError(*refusal)
    return key
