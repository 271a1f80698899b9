"""Plain-words problems from request validation, each located at the field it concerns."""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.fields import FieldInfo

from modelhunter.requests import (
    PROMPT_SOFT_LIMIT,
    KlingV3Input,
    KlingV3Request,
    KlingV26Input,
    KlingV26Request,
    request_class,
)

__all__ = ["Problem", "check_request", "explain", "soft_warnings"]

Path = tuple[str | int, ...]


class Problem(BaseModel):
    """One broken rule: where (`path`, e.g. `("input", "duration")`) and what to do."""

    model_config = ConfigDict(frozen=True)

    path: Path
    message: str

    @property
    def key(self) -> str:
        """Dotted path, e.g. `input.multi_prompt.0.prompt`."""
        return ".".join(str(p) for p in self.path)


def _field_info(root: type[BaseModel], path: Path) -> FieldInfo | None:
    model: Any = root
    info: FieldInfo | None = None
    for part in path:
        if isinstance(part, int):
            continue
        fields = getattr(model, "model_fields", {})
        if part not in fields:
            return None
        info = fields[part]
        model = _inner_model(info.annotation)
    return info


def _inner_model(annotation: Any) -> Any:
    for arg in (annotation, *get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
        nested = _inner_model_args(arg)
        if nested is not None:
            return nested
    return None


def _inner_model_args(annotation: Any) -> Any:
    for arg in get_args(annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def _other_family_title(field: str) -> tuple[str, str] | None:
    for cls in (KlingV3Input, KlingV26Input):
        if field in cls.model_fields:
            return cls.model_fields[field].title or field, cls.family
    return None


def _message(root: type[BaseModel], error: dict[str, Any], model_id: str) -> str:
    path: Path = tuple(error["loc"])
    info = _field_info(root, path)
    title = (info.title if info else None) or str(path[-1]).replace("_", " ").capitalize()
    ctx = error.get("ctx", {})
    kind = error["type"]
    if kind == "missing":
        return f"{title} is required."
    if kind == "extra_forbidden":
        other = _other_family_title(str(path[-1]))
        if other:
            return f"{other[0]} is only available on {other[1]}, not on {model_id}: remove it."
        return f"'{path[-1]}' is not a field of {model_id}: remove it."
    if kind in ("greater_than_equal", "greater_than"):
        bound = ctx.get("ge", ctx.get("gt"))
        word = "at least" if kind == "greater_than_equal" else "more than"
        return f"{title} must be {word} {bound}."
    if kind in ("less_than_equal", "less_than"):
        bound = ctx.get("le", ctx.get("lt"))
        word = "at most" if kind == "less_than_equal" else "less than"
        return f"{title} must be {word} {bound}."
    if kind == "literal_error":
        return f"{title} must be {ctx.get('expected', 'one of the offered choices')} on {model_id}."
    if kind == "too_long" and "max_length" in ctx:
        unit = "items" if isinstance(error.get("input"), list | tuple | dict) else "characters"
        return f"{title}: at most {ctx['max_length']} {unit}."
    if kind == "string_too_short":
        return f"{title} can't be empty."
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{title} must be a whole number."
    if kind in ("string_type", "list_type", "dict_type", "model_type"):
        return f"{title} has the wrong type of value."
    return str(error["msg"])


def explain(exc: ValidationError, model_id: str) -> list[Problem]:
    """Every error of a validation as a plain-words `Problem` at its field."""
    root = request_class(model_id) if model_id in ("kling-v3", "kling-v2-6") else KlingV3Request
    problems = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        if loc and loc[0] in ("kling-v3", "kling-v2-6"):
            loc = loc[1:]
        error = {**error, "loc": loc}
        problems.append(Problem(path=loc, message=_message(root, error, model_id)))
    return problems


def check_request(
    body: dict[str, Any],
) -> tuple[KlingV3Request | KlingV26Request | None, list[Problem]]:
    """Validate a wire-shaped body; the request when valid, else the problems."""
    model_id = str(body.get("model", ""))
    try:
        cls = request_class(model_id)
    except ValueError as exc:
        return None, [Problem(path=("model",), message=str(exc))]
    try:
        return cls.model_validate(body), []
    except ValidationError as exc:
        return None, explain(exc, model_id)


def soft_warnings(request: KlingV3Request | KlingV26Request) -> list[Problem]:
    """Things the API accepts but that may not work well (never block submit)."""
    warnings = []
    if len(request.input.prompt) > PROMPT_SOFT_LIMIT:
        warnings.append(
            Problem(
                path=("input", "prompt"),
                message=f"Prompts over {PROMPT_SOFT_LIMIT:,} characters may be cut by Kling "
                f"({len(request.input.prompt):,} now).",
            )
        )
    return warnings
