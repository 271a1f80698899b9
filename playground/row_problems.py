"""Problems inside a list (voices, shots, elements) said so that they name their row."""

from __future__ import annotations

from modelhunter.requests import MODEL_IDS
from modelhunter.validation import Problem
from playground.form_schema import form_fields

__all__ = ["name_rows"]


def _first_lower(title: str) -> str:
    """'Voice ID' -> 'voice ID', 'Line' -> 'line' (acronyms stay as they are)."""
    return title[:1].lower() + title[1:] if title[1:2].islower() or " " in title else title


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
        if sub is not None and message in (
            f"{sub.title} is required.",
            f"{sub.title} can't be empty.",
        ):
            message = f"the {_first_lower(sub.title)} is missing."
        named.append(Problem(path=problem.path, message=f"{row}: {message}"))
    return named
