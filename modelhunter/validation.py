"""Plain-words problems from request validation, each located at the field it concerns."""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.fields import FieldInfo

from modelhunter.requests import (
    MODEL_IDS,
    KlingV3Input,
    KlingV3Request,
    KlingV26Input,
    KlingV26Request,
    request_class,
)

__all__ = ["Problem", "check_request", "explain"]

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


def _path_title(root: type[BaseModel], path: Path) -> str:
    """Title of the field at `path`; a list item or mapping entry is named after its field."""
    for end in range(len(path), 0, -1):
        info = _field_info(root, path[:end])
        if info is not None and isinstance(path[end - 1], str):
            title = info.title or str(path[end - 1]).replace("_", " ").capitalize()
            rest = path[end:]
            if not rest:
                return title
            if isinstance(rest[0], int):
                return f"{title} item {rest[0] + 1}"
            return f"{title} '{rest[0]}'"
    return str(path[-1]).replace("_", " ").capitalize() if path else "The request"


def _message(root: type[BaseModel], error: dict[str, Any], model_id: str) -> str:
    path: Path = tuple(error["loc"])
    title = _path_title(root, path)
    ctx = error.get("ctx", {})
    kind = error["type"]
    if kind == "missing":
        return f"{title} is required."
    if kind == "extra_forbidden":
        # only an input field can belong to the other model; deeper extras sit in list items
        other = _other_family_title(str(path[-1])) if path[:1] == ("input",) else None
        if other and len(path) == 2 and other[1] != model_id:
            return f"{other[0]} is only available on {other[1]}, not on {model_id}: remove it."
        where = model_id if len(path) <= 2 else _path_title(root, path[:-1])
        return f"'{path[-1]}' is not a field of {where}: remove it."
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
    if kind in ("int_parsing_size", "finite_number"):
        return f"{title} must be a whole number of a sensible size."
    if kind == "string_type":
        return f"{title} must be text."
    if kind == "list_type":
        return f"{title} must be a list."
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"{title} must be an object of named fields."
    return str(error["msg"])


def explain(exc: ValidationError, model_id: str) -> list[Problem]:
    """Every error of a validation as a plain-words `Problem` at its field."""
    root = request_class(model_id) if model_id in MODEL_IDS else KlingV3Request
    problems = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        # `parse_request` (tagged union) prefixes the tag; a plain model's loc never has it in
        # front of a field (a top-level extra key named like a model is a loc of length 1)
        if len(loc) > 1 and loc[0] == model_id:
            loc = loc[1:]
        error = {**error, "loc": loc}
        problems.append(Problem(path=loc, message=_message(root, error, model_id)))
    return problems


def check_request(
    body: Any,
) -> tuple[KlingV3Request | KlingV26Request | None, list[Problem]]:
    """Validate a wire-shaped body (a dict); the request when valid, else the problems.

    Never raises: anything that is not a valid request comes back as problems.
    """
    choices = " or ".join(MODEL_IDS)
    if not isinstance(body, dict):
        return None, [Problem(path=(), message="The request must be a JSON object.")]
    model_id = body.get("model")
    if model_id is None or model_id == "":
        return None, [Problem(path=("model",), message=f"Model is required: choose {choices}.")]
    if not isinstance(model_id, str):
        return None, [Problem(path=("model",), message=f"Model must be {choices}.")]
    if model_id not in MODEL_IDS:
        message = f"Unknown model {model_id[:80]!r}: choose {choices}."
        return None, [Problem(path=("model",), message=message)]
    cls = request_class(model_id)
    try:
        return cls.model_validate(body), []
    except ValidationError as exc:
        return None, explain(exc, model_id)
