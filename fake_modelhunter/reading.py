"""Reading JSON values under the fake's rules, one problem collected per broken rule.

`Reader` checks one value at a time (text, URL, whole number, choice, list, object) and
records a `(field path, plain-words reason)` problem instead of raising, so a refusal can
name every broken rule at once. Conventions (see `fake_modelhunter.rules`): text is trimmed
of Unicode white space; a whole number is a JSON number without a fraction, never a string
or a boolean; `ABSENT` marks a key that was not sent.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "ABSENT",
    "IMAGE_URL",
    "MAX_URL",
    "WEBHOOK_URL",
    "WHITESPACE",
    "Problem",
    "Reader",
    "Refused",
    "whole",
]

MAX_URL = 2048
IMAGE_URL = re.compile(r"https?://[^\s/]+\S*")
WEBHOOK_URL = re.compile(r"https://[^\s/]+\S*")
# Unicode's White_Space property: what "trimmed" means here.
WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + ("\u2028\u2029\u202f\u205f\u3000")
)
ABSENT: Any = object()

Problem = tuple[str, str]  # (field path, e.g. "input.multi_prompt.0.prompt"; reason)


class Refused(Exception):
    """The body breaks rules: `problems` lists each one."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems[0][1])
        self.problems = problems


def whole(value: Any) -> int | None:
    """A JSON whole number (`5`, `5.0`), else None (strings and booleans are not numbers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


class Reader:
    """Reads fields of one JSON object, collecting a problem for each broken rule."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems

    def refuse(self, where: str, reason: str) -> None:
        self.problems.append((where, reason))

    def text(
        self, value: Any, where: str, title: str, *, min_len: int = 0, max_len: int | None = None
    ) -> str | None:
        if value is ABSENT:
            self.refuse(where, f"{title} is required.")
            return None
        if not isinstance(value, str):
            self.refuse(where, f"{title} must be text.")
            return None
        value = value.strip(WHITESPACE)
        if len(value) < min_len:
            self.refuse(where, f"{title} can't be empty.")
            return None
        if max_len is not None and len(value) > max_len:
            self.refuse(where, f"{title} is too long: at most {max_len:,} characters.")
            return None
        return value

    def url(self, value: Any, where: str, title: str, pattern: re.Pattern[str]) -> str | None:
        text = self.text(value, where, title, max_len=MAX_URL)
        if text is None:
            return None
        if not pattern.fullmatch(text):
            scheme = "https://" if pattern is WEBHOOK_URL else "http(s)://"
            self.refuse(where, f"{title} must be a full {scheme} address.")
            return None
        return text

    def whole(self, value: Any, where: str, title: str, low: int, high: int | None) -> int | None:
        number = whole(value)
        if number is None:
            missing = value is ABSENT
            self.refuse(
                where, f"{title} is required." if missing else f"{title} must be a whole number."
            )
            return None
        if number < low or (high is not None and number > high):
            bounds = f"from {low} to {high}" if high is not None else f"{low} or more"
            self.refuse(where, f"{title} must be {bounds}; {number} is not.")
            return None
        return number

    def choice(self, value: Any, where: str, title: str, options: tuple[str, ...]) -> str | None:
        if isinstance(value, str) and value in options:
            return value
        self.refuse(where, f"{title} must be {' or '.join(options)}.")
        return None

    def items(self, value: Any, where: str, title: str, most: int) -> list[Any]:
        if not isinstance(value, list):
            self.refuse(where, f"{title} must be a list.")
            return []
        if len(value) > most:
            self.refuse(where, f"{title}: at most {most} items.")
            return []
        return value

    def fields(
        self,
        value: Any,
        where: str,
        title: str,
        allowed: tuple[str, ...],
        misplaced: dict[str, str] | None = None,
    ) -> dict[str, Any] | None:
        """The object, after refusing every key not in `allowed` (`misplaced` gives the
        reason for keys that belong elsewhere)."""
        if not isinstance(value, dict):
            self.refuse(where, f"{title} must be an object of named fields.")
            return None
        for key in value:
            if key not in allowed:
                reason = (misplaced or {}).get(
                    key, f"'{key}' is not a field of {title}: remove it."
                )
                self.refuse(f"{where}.{key}", reason)
        return value
