"""The shape of a ModelHunter API key, in one place: `river_test_…` (Sandbox), `river_live_…`.

The offline ModelHunter (`fake_modelhunter.auth`) keeps its own copy on purpose: it is a
second implementation written from the docs and imports nothing from this package.
"""

from __future__ import annotations

import re

__all__ = ["KEY_IN_TEXT", "KEY_PATTERN", "SANDBOX_PREFIX", "mask_key"]

#: A whole, well-formed key: environment, then 32 letters and digits.
KEY_PATTERN = re.compile(r"^river_(test|live)_[A-Za-z0-9]{32}$")
#: Anything key-like inside a longer text (also malformed keys), for redaction.
KEY_IN_TEXT = re.compile(r"river_[A-Za-z]+_[A-Za-z0-9]+")
#: Keys of the sandbox: the real API, nothing charged.
SANDBOX_PREFIX = "river_test_"
_KEY_PREFIX = re.compile(r"^(river_[a-z]+_)")


def mask_key(api_key: str) -> str:
    """A display form of a key that reveals only its environment prefix."""
    match = _KEY_PREFIX.match(api_key)
    return f"{match.group(1) if match else ''}****"
