"""Settings links and files: the form's settings as query parameters or JSON, and back.

What travels: the model and every form setting except the webhook address and metadata
(a link must not send your results, or tags, somewhere you did not choose), plus an image
only when it was given as a URL. Never the key, never a local image's data.

Reading is tolerant and strict at once: every parameter is checked on its own against the
chosen model's schema; what is valid fills the form, everything else is listed with the
reason it was ignored. Nothing in a link can raise. A page address gives every parameter as
a list (`st.query_params.get_all`): a parameter given more than once counts by its first
value, the model's included.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from modelhunter.requests import MODEL_IDS
from playground.draft import Draft, ImageChoice
from playground.form_schema import FieldSpec, form_fields

__all__ = [
    "FILE_MARK",
    "LinkRead",
    "link_params",
    "link_url",
    "read_file",
    "read_settings",
    "settings_file",
]

FILE_MARK = "kling_playground_settings"
MAX_PARAMS = 40
MAX_VALUE = 6000  # characters in one parameter
MAX_URL = 2048
_NOT_FROM_LINKS = {
    "webhook_url": "a webhook address is never taken from a link (your results would go there)",
    "metadata": "metadata is not taken from links",
}


@dataclass
class LinkRead:
    """What a link or file gave: the form to show, and what was ignored (with reasons)."""

    draft: Draft | None
    ignored: list[str] = field(default_factory=list)
    used: list[str] = field(default_factory=list)


def _specs(model: str) -> dict[str, FieldSpec]:
    return {f.name: f for f in form_fields(model) if f.name not in _NOT_FROM_LINKS}


def link_params(draft: Draft) -> dict[str, str]:
    """The draft as query parameters (defaults left out, so links stay short)."""
    params = {"model": draft.model}
    values = draft.effective()
    for spec in _specs(draft.model).values():
        if spec.kind == "image":
            choice = draft.images.get(spec.name)
            if choice is not None and choice.kind == "url" and choice.url:
                params[spec.name] = choice.url
            continue
        value = values.get(spec.path)
        if value in (None, "", [], {}) or value == spec.default:
            continue
        params[spec.name] = (
            json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            if spec.kind == "list"
            else str(value)
        )
    return params


def link_url(base: str, draft: Draft) -> str:
    """A full link to the Generate page that fills the form with `draft`'s settings."""
    root = base.split("?", 1)[0].split("#", 1)[0]
    return f"{root}?{urlencode(link_params(draft))}"


def _url(value: str) -> str | None:
    parts = urlsplit(value)
    if len(value) > MAX_URL or parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.username or parts.password or any(c.isspace() for c in value):
        return None
    return value


def _read(spec: FieldSpec, raw: Any) -> tuple[Any, str | None]:
    """(value, None) or (None, why it was ignored)."""
    if spec.kind == "choice":
        for option in spec.options:
            if option is not None and str(option) == str(raw):
                return option, None
        offered = ", ".join(str(o) for o in spec.options if o is not None)
        return None, f"not one of {offered}"
    if spec.kind in ("slider", "number"):
        try:
            number = int(str(raw).strip())
        except ValueError:
            return None, "not a whole number"
        low, high = spec.minimum, spec.maximum
        if (low is not None and number < low) or (high is not None and number > high):
            return None, f"outside {low}–{high}"
        return number, None
    if spec.kind == "list":
        try:
            items = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            return None, "not a readable list"
        names = {f.name for f in spec.item_fields}
        if not isinstance(items, list) or not all(
            isinstance(i, dict) and set(i) <= names for i in items
        ):
            return None, "not a list of " + ", ".join(sorted(names))
        if spec.max_items is not None and len(items) > spec.max_items:
            return None, f"more than {spec.max_items} items"
        return items, None
    if not isinstance(raw, str):
        return None, "not text"
    if spec.max_length is not None and len(raw) > spec.max_length:
        return None, f"longer than {spec.max_length} characters"
    return raw, None


def _clip(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "…"


def _first(raw: Any) -> Any:
    """A parameter given more than once (a list, from a page address): its first value."""
    if isinstance(raw, list):
        return raw[0] if raw else ""
    return raw


def read_settings(params: Mapping[str, Any], current: Draft) -> LinkRead:
    """The form `params` describe (from a link or a settings file), on top of nothing but
    the form's own local images; `draft` is None when no parameter is a setting."""
    read = LinkRead(draft=None)
    items = [(str(name), _first(raw)) for name, raw in params.items()]
    if len(items) > MAX_PARAMS:
        read.ignored.append(f"{len(items) - MAX_PARAMS} parameters beyond the first {MAX_PARAMS}")
        items = items[:MAX_PARAMS]
    model = current.model
    raw_model = dict(items).get("model")
    if raw_model is not None:
        if str(raw_model) in MODEL_IDS:
            model = str(raw_model)
            read.used.append("model")
        else:
            read.ignored.append(
                f"Model “{_clip(str(raw_model))}”: not one of {', '.join(MODEL_IDS)}"
            )
    specs = _specs(model)
    values: dict[str, Any] = {}
    images = {k: v for k, v in current.images.items() if v.kind == "upload"}
    for name, raw in items:
        if name == "model":
            continue
        if name in _NOT_FROM_LINKS:
            read.ignored.append(f"{_clip(name)}: {_NOT_FROM_LINKS[name]}")
            continue
        spec = specs.get(name)
        if spec is None:
            read.ignored.append(f"“{_clip(name)}”: not a setting of {model}")
            continue
        if isinstance(raw, str) and len(raw) > MAX_VALUE:
            read.ignored.append(f"{spec.title}: longer than {MAX_VALUE} characters")
            continue
        if spec.kind == "image":
            url = _url(str(raw))
            if url is None:
                read.ignored.append(
                    f"{spec.title} “{_clip(str(raw))}”: only an http(s) image address is taken"
                )
                continue
            images[name] = ImageChoice(kind="url", name=url.rsplit("/", 1)[-1] or url, url=url)
            read.used.append(name)
            continue
        value, why = _read(spec, raw)
        if why is not None:
            read.ignored.append(f"{spec.title} “{_clip(str(raw))}”: {why}")
            continue
        values[spec.path] = value
        read.used.append(name)
    if read.used:
        read.draft = Draft(model=model, values=values, images=images)
    return read


def settings_file(draft: Draft) -> str:
    """The same settings as a link, as a JSON file's text."""
    return json.dumps({FILE_MARK: 1, **link_params(draft)}, ensure_ascii=False, indent=2)


def read_file(data: bytes, current: Draft) -> LinkRead:
    """Settings from a JSON file (made by `settings_file`); never raises."""
    try:
        loaded = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return LinkRead(draft=None, ignored=["the file is not a JSON settings file"])
    if not isinstance(loaded, dict) or FILE_MARK not in loaded:
        return LinkRead(draft=None, ignored=["the file is not a Kling Playground settings file"])
    loaded.pop(FILE_MARK)
    # a list in a file is one value (shots, voices), not a parameter given twice
    loaded = {
        k: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
        for k, v in loaded.items()
    }
    return read_settings(loaded, current)
