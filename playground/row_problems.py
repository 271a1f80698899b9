"""Problems inside a list (voices, shots, elements) said so that they name their row."""

from __future__ import annotations

import re

from modelhunter.requests import MODEL_IDS
from modelhunter.validation import Problem
from playground.form_schema import form_fields

__all__ = ["name_rows"]


def _first_lower(title: str) -> str:
    """'Voice ID' -> 'voice ID', 'Line' -> 'line' (acronyms stay as they are)."""
    return title[:1].lower() + title[1:] if title[1:2].islower() or " " in title else title


_TOO_LONG = re.compile(r"String should have at most (\d+) characters?")


def _plain(name: str, title: str, message: str) -> str:
    """A row field's message in the words of the row ("the line is longer than 500
    characters"), also for the validator's own raw sentences."""
    if message in (f"{title} is required.", f"{title} can't be empty."):
        return f"the {name} is missing."
    if message in (f"{title} must be more than 0.", f"{title} must be at least 1."):
        return f"the {name} must be a positive number."
    if too_long := _TOO_LONG.fullmatch(message.rstrip(".")) or re.fullmatch(
        rf"{re.escape(title)}: at most (\d+) characters\.", message
    ):
        return f"the {name} is longer than {too_long.group(1)} characters."
    return message


def name_rows(model_id: str, problems: list[Problem]) -> list[Problem]:
    """Problems inside a list say which row they are about: "Voice 2: the voice ID is
    missing." (the summary next to Generate lists them, so each must stand on its own)."""
    fields = form_fields(model_id) if model_id in MODEL_IDS else []
    lists = {f.path: f for f in fields if f.kind == "list"}
    named = []
    for problem in problems:
        head, rest = ".".join(str(p) for p in problem.path[:2]), problem.path[2:]
        spec = lists.get(head)
        if spec is None or not rest or not isinstance(rest[0], int):
            named.append(problem)
            continue
        row = f"{spec.title.removesuffix('s')} {rest[0] + 1}"
        message = problem.message
        sub = next((f for f in spec.item_fields if rest[1:2] == (f.name,)), None)
        if sub is not None:
            message = _plain(_first_lower(sub.title), sub.title, message)
        named.append(Problem(path=problem.path, message=f"{row}: {message}"))
    return named
