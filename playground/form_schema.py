"""What a form needs to know about a request model, read from its pydantic schema.

Pure functions (no streamlit): the field list with widget kinds, which fields and options
are available given the current values (from the `requires` / `option_requires` hints the
models declare), coercion of values carried over from another model, and the wire body
built from the form's values.
"""

from __future__ import annotations

import math
import types
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel, ConfigDict
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from modelhunter.requests import MAX_METADATA_KEYS, MODEL_IDS, request_class
from modelhunter.validation import Problem

__all__ = [
    "DEVELOPER_GROUP",
    "FieldSpec",
    "Values",
    "allowed_options",
    "build_body",
    "coerce",
    "coerced_values",
    "form_fields",
    "form_problems",
    "settle",
    "unavailable_options",
    "unavailable_reason",
]

Values = dict[str, Any]  # form values by dotted path, e.g. "input.duration"
#: Metadata the playground adds to every run itself: `client_ref`, our run id, so a run whose
#: submit answer was lost can be found again. The form leaves room for it under the API's limit.
RESERVED_METADATA = "client_ref"
FORM_MAX_METADATA = MAX_METADATA_KEYS - 1
_METADATA_HELP = (
    f" Up to {FORM_MAX_METADATA} entries: the playground adds a {MAX_METADATA_KEYS}th "
    f"({RESERVED_METADATA}) to every run so it can always find the run again."
)
#: The section of fields only developers need (voice and element IDs, webhook, metadata).
DEVELOPER_GROUP = "For developers"
Kind = Literal["image", "text", "textarea", "choice", "slider", "number", "list", "keyvalue"]


class FieldSpec(BaseModel):
    """One form field, derived from a pydantic field and its `json_schema_extra` hints."""

    model_config = ConfigDict(frozen=True)

    path: str
    name: str
    title: str
    help: str | None = None
    kind: Kind
    widget: str | None = None
    group: str | None = None
    options: tuple[Any, ...] = ()
    labels: dict[Any, str] = {}
    optional: bool = False
    default: Any = None
    minimum: int | None = None
    maximum: int | None = None
    max_items: int | None = None
    max_length: int | None = None
    warn_max_length: int | None = None
    placeholder: str | None = None
    examples: tuple[str, ...] = ()  # example values offered as one-click chips
    item_fields: tuple[FieldSpec, ...] = ()
    requires: dict[str, list[Any]] = {}
    option_requires: dict[Any, dict[str, list[Any]]] = {}
    auto_index: str | None = None

    def label(self, option: Any) -> str:
        """Display label of an option."""
        return self.labels.get(option, "Off" if option is None else str(option))


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], len(args) != len(get_args(annotation))
    return annotation, False


def _bounds(info: FieldInfo) -> tuple[int | None, int | None, int | None]:
    low = high = length = None
    for meta in info.metadata:
        if isinstance(meta, annotated_types.Ge):
            low = int(meta.ge)
        elif isinstance(meta, annotated_types.Gt):
            low = int(meta.gt) + 1
        elif isinstance(meta, annotated_types.Le):
            high = int(meta.le)
        elif isinstance(meta, annotated_types.MaxLen):
            length = meta.max_length
    return low, high, length


def _spec(name: str, info: FieldInfo, prefix: str) -> FieldSpec:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    annotation, optional = _strip_optional(info.annotation)
    low, high, length = _bounds(info)
    default = None if info.default is PydanticUndefined else info.default
    if info.default_factory is not None:
        default = info.default_factory()  # type: ignore[call-arg]
    widget = extra.get("widget")
    common: dict[str, Any] = {
        "path": f"{prefix}{name}",
        "name": name,
        "title": info.title or name.replace("_", " ").capitalize(),
        "help": info.description,
        "widget": widget,
        "group": extra.get("group"),
        "labels": extra.get("labels", {}),
        "optional": optional,
        "default": default,
        "minimum": low,
        "maximum": high,
        "max_length": length,
        "warn_max_length": extra.get("warn_max_length"),
        "placeholder": extra.get("placeholder"),
        "examples": tuple(info.examples or ()),
        "requires": extra.get("requires", {}),
        "option_requires": extra.get("option_requires", {}),
        "auto_index": extra.get("auto_index"),
    }
    if widget == "keyvalue" and name == "metadata":
        common["help"] = (info.description or "") + _METADATA_HELP
        return FieldSpec(kind=widget, max_items=FORM_MAX_METADATA, **common)
    if widget in ("image", "keyvalue"):
        return FieldSpec(kind=widget, **common)
    if get_origin(annotation) is Literal:
        options = ((None,) if optional else ()) + get_args(annotation)
        return FieldSpec(kind="choice", options=options, **common)
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        items = tuple(_spec(n, i, "") for n, i in item.model_fields.items())
        common["max_length"] = None
        return FieldSpec(kind="list", item_fields=items, max_items=length, **common)
    if annotation is int:
        kind: Kind = "slider" if (widget == "slider" and low is not None and high) else "number"
        return FieldSpec(kind=kind, **common)
    return FieldSpec(kind="textarea" if widget == "textarea" else "text", **common)


def form_fields(model_id: str) -> list[FieldSpec]:
    """The fields of a model's request, `input.*` flattened, in declaration order."""
    return list(_FIELDS[model_id]) if model_id in _FIELDS else _read_fields(model_id)


def _read_fields(model_id: str) -> list[FieldSpec]:
    cls = request_class(model_id)
    specs: list[FieldSpec] = []
    for name, info in cls.model_fields.items():
        if name == "model":
            continue
        nested = info.annotation
        if isinstance(nested, type) and issubclass(nested, BaseModel):
            specs += [_spec(n, i, f"{name}.") for n, i in nested.model_fields.items()]
        else:
            specs.append(_spec(name, info, ""))
    return specs


def _sibling(spec: FieldSpec, other: str) -> str:
    return spec.path.rsplit(".", 1)[0] + "." + other if "." in spec.path else other


def _unmet(spec: FieldSpec, conditions: dict[str, list[Any]], values: Values) -> str | None:
    by_path = {f.path: f for f in _fields_for(values)}
    for other, allowed in conditions.items():
        path = _sibling(spec, other)
        if values.get(path, by_path[path].default if path in by_path else None) not in allowed:
            other_spec = by_path.get(path)
            title = other_spec.title if other_spec else other
            wanted = " or ".join(other_spec.label(a) if other_spec else str(a) for a in allowed)
            return f"needs {title}: {wanted}" + _chained(other_spec, allowed, values)
    return None


def _chained(other: FieldSpec | None, allowed: list[Any], values: Values) -> str:
    """When none of the wanted options can be chosen yet either, what they need in turn
    (Voices need Sound: On, which needs Mode: Pro on kling-v2-6)."""
    if other is None or not other.option_requires:
        return ""
    reasons = [
        _unmet(other, other.option_requires[a], values)
        for a in allowed
        if isinstance(a, str | int) and a in other.option_requires
    ]
    if len(reasons) != len(allowed) or not all(reasons):
        return ""
    return ", which " + str(reasons[0])


def _fields_for(values: Values) -> list[FieldSpec]:
    return _FIELDS[values.get("model", "kling-v3")]


def unavailable_reason(spec: FieldSpec, values: Values) -> str | None:
    """Why a field can't be set with the current values (None when it can)."""
    return _unmet(spec, spec.requires, values)


def allowed_options(spec: FieldSpec, values: Values) -> list[Any]:
    """The options of a choice field that the current values make possible."""
    return [
        o
        for o in spec.options
        if not (isinstance(o, str | int) and o in spec.option_requires)
        or _unmet(spec, spec.option_requires[o], values) is None
    ]


def unavailable_options(spec: FieldSpec, values: Values) -> list[tuple[Any, str]]:
    """The options of a choice field the current values rule out, each with why
    (Sound: On -> "needs Mode: Pro" on kling-v2-6 Standard)."""
    out = []
    for option in spec.options:
        if isinstance(option, str | int) and option in spec.option_requires:
            reason = _unmet(spec, spec.option_requires[option], values)
            if reason:
                out.append((option, reason))
    return out


def coerce(spec: FieldSpec, value: Any, values: Values) -> Any:
    """A value valid for this field: kept when it applies, else the nearest valid one."""
    if spec.kind == "choice":
        options = allowed_options(spec, values)
        if value in options:
            return value
        if isinstance(value, int) and all(isinstance(o, int) for o in options):
            return min(options, key=lambda o: (abs(o - value), o))
        return spec.default if spec.default in options else options[0]
    if isinstance(value, float) and math.isnan(value):
        return spec.default
    if spec.kind in ("slider", "number") and isinstance(value, int | float):
        low = spec.minimum if spec.minimum is not None else value
        high = spec.maximum if spec.maximum is not None else value
        return int(min(max(value, low), high))
    if spec.kind == "list" and isinstance(value, list) and spec.max_items is not None:
        return value[: spec.max_items]
    return value


def form_problems(values: Values) -> list[Problem]:
    """Rules of this form on top of the request's own: the metadata must leave room for
    the entry the playground adds (the API allows 16 in all, so the form allows 15)."""
    metadata = values.get("metadata")
    if not isinstance(metadata, dict):
        return []
    problems = []
    if len(metadata) > FORM_MAX_METADATA:
        problems.append(
            Problem(
                path=("metadata",),
                message=f"Use at most {FORM_MAX_METADATA} metadata entries "
                f"({len(metadata)} now): the playground adds one of its own "
                f"({RESERVED_METADATA}) to every run, and the API takes {MAX_METADATA_KEYS}.",
            )
        )
    if RESERVED_METADATA in metadata:
        problems.append(
            Problem(
                path=("metadata",),
                message=f"'{RESERVED_METADATA}' is set by the playground itself on every run; "
                "use another name.",
            )
        )
    return problems


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _clean_item(spec: FieldSpec, item: dict[str, Any], position: int) -> dict[str, Any]:
    out = {k: v for k, v in item.items() if not _is_empty(v)}
    if spec.auto_index:
        out[spec.auto_index] = position
    return out


def coerced_values(model_id: str, values: Values) -> Values:
    """The form values made valid for a model: choices coerced in field order, so an option
    that depends on an earlier field (sound on v2.6 needs pro) sees that field's final value."""
    scoped: Values = {**values, "model": model_id}
    for spec in _FIELDS[model_id]:
        if spec.kind != "image":
            scoped[spec.path] = coerce(spec, values.get(spec.path, spec.default), scoped)
    return scoped


def settle(model_id: str, values: Values) -> None:
    """Keep what the form had to change: a value the chosen model (or another field) made
    impossible is replaced in `values` by the one the form shows, so it does not come back
    by itself when the model or that field changes again (Sound On, silently, at 3x the
    price). Values of fields the model does not have are left as they are."""
    scoped = coerced_values(model_id, values)
    for path, value in scoped.items():
        if path in values and values[path] != value:
            values[path] = value


def build_body(model_id: str, values: Values, images: dict[str, str]) -> dict[str, Any]:
    """The wire body for the model from form values; unavailable or empty fields are left out.

    `images` maps image field names to the URL to send (a real URL, or a placeholder for
    a local file that will be uploaded at submit).
    """
    body: dict[str, Any] = {"model": model_id}
    scoped = coerced_values(model_id, values)
    for spec in _FIELDS[model_id]:
        value: Any = images.get(spec.name) if spec.kind == "image" else scoped[spec.path]
        if spec.kind == "list" and isinstance(value, list):
            # a non-object item is passed on as is: validation explains what is wrong with it
            value = [
                _clean_item(spec, v, n) if isinstance(v, dict) else v
                for n, v in enumerate(value, start=1)
            ]
        if _is_empty(value) or unavailable_reason(spec, scoped):
            continue
        target = body
        *parents, leaf = spec.path.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    body.setdefault("input", {})
    return body


# The schema is fixed at import time: read it once, not on every rerun.
_FIELDS: dict[str, list[FieldSpec]] = {m: _read_fields(m) for m in MODEL_IDS}
