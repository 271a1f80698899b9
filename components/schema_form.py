"""A generic form generated from a request model's pydantic schema.

Widgets are picked from `playground.form_schema.FieldSpec` (type + `json_schema_extra`
hints): choices -> segmented control, bounded int -> slider, text -> text input/area,
lists of objects -> repeated sub-forms with add/remove, dict -> key/value lines. Values live
in the `Draft` (not in widget state, which Streamlit drops when a widget is not drawn);
each widget writes back through its `on_change` callback, before the next run validates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from components.safe import md_escape
from playground.draft import Draft
from playground.form_schema import (
    DEVELOPER_GROUP,
    FieldSpec,
    allowed_options,
    form_fields,
    settle,
    unavailable_options,
    unavailable_reason,
)

__all__ = ["OFF", "render_form_sections", "render_problems", "render_schema_form"]

OFF = "__off__"  # widget stand-in for an optional choice's None ("Off")
ImageWidget = Callable[[FieldSpec], None]
Problems = dict[str, list[str]]


def _to_widget(spec: FieldSpec, value: Any) -> Any:
    if spec.kind == "choice":
        return OFF if value is None else value
    if spec.kind == "keyvalue":
        return "\n".join(f"{k}: {v}" for k, v in (value or {}).items())
    if spec.kind in ("text", "textarea"):
        return value or ""
    return value


def _from_widget(spec: FieldSpec, value: Any) -> Any:
    if spec.kind == "choice":
        return None if value == OFF else value
    if spec.kind == "keyvalue":
        pairs = [line.split(":", 1) for line in str(value or "").splitlines() if line.strip()]
        return {k.strip(): (v[0].strip() if v else "") for k, *v in pairs}
    if spec.kind in ("text", "textarea"):
        return value if value or not spec.optional else None
    if spec.kind in ("slider", "number") and value is not None:
        return int(value)
    return value


def render_problems(messages: list[str]) -> None:
    """Problems next to their field, as plain text."""
    for message in messages:
        st.error(md_escape(message), icon=":material/error:")


def _save(
    draft: Draft, spec: FieldSpec, wkey: str, item: int | None, sub: FieldSpec | None
) -> None:
    raw = st.session_state[wkey]
    if item is None:
        draft.values[spec.path] = _from_widget(spec, raw)
    else:
        assert sub is not None
        items = draft.values.setdefault(spec.path, [])
        items[item][sub.name] = _from_widget(sub, raw)
        _touch(items[item])
    settle(draft.model, draft.values)  # what this change rules out stays off when undone


def _widget(
    spec: FieldSpec,
    value: Any,
    wkey: str,
    draft: Draft,
    options: list[Any],
    *,
    item: int | None = None,
    parent: FieldSpec | None = None,
    label_visibility: str = "visible",
) -> None:
    if wkey not in st.session_state:
        st.session_state[wkey] = _to_widget(spec, value)
    owner = parent or spec
    args = (draft, owner, wkey, item, spec if parent else None)
    common: dict[str, Any] = {
        "key": wkey,
        "help": spec.help,
        "on_change": _save,
        "args": args,
        "label_visibility": label_visibility,
    }
    if spec.kind == "choice":
        st.segmented_control(
            spec.title,
            [_to_widget(spec, o) for o in options],
            required=True,
            format_func=lambda o, s=spec: s.label(None if o == OFF else o),
            **common,
        )
    elif spec.kind == "slider":
        st.slider(spec.title, spec.minimum, spec.maximum, step=1, **common)
    elif spec.kind == "number":
        # no min/max here: the browser would refuse -5 with its own words and keep the old
        # value; the form's check says what is wrong ("must be a positive number")
        st.number_input(spec.title, value=None, step=1, **common)
    elif spec.kind == "textarea":
        st.text_area(
            spec.title,
            height=110 if parent is None else 80,
            placeholder=spec.placeholder,
            **common,
        )
    elif spec.kind == "keyvalue":
        st.text_area(spec.title, placeholder="project: demo\nshot: opening", height=90, **common)
    else:
        st.text_input(spec.title, placeholder=spec.placeholder, **common)


def _use_example(draft: Draft, spec: FieldSpec, wkey: str, chips: str) -> None:
    example = st.session_state.get(chips)
    if example:
        draft.values[spec.path] = example
        st.session_state[wkey] = _to_widget(spec, example)
    st.session_state[chips] = None  # a chip is an action, not a lasting choice


def _example_chips(spec: FieldSpec, draft: Draft, wkey: str) -> None:
    """One click puts an example into the field (e.g. prompts that work well)."""
    chips = f"{wkey}#examples"
    st.pills(
        "Try an example",
        list(spec.examples),
        key=chips,
        on_change=_use_example,
        args=(draft, spec, wkey, chips),
        help="Puts this example into the field above; edit it as you like.",
        wrap=True,
    )


def _row_problems(messages: list[str]) -> None:
    """A row's own problem, small, right under its field."""
    for message in messages:
        st.caption(f":red[{md_escape(message)}]")


def _problems_under(problems: Problems, path: str) -> list[str]:
    return [m for key, msgs in problems.items() if key == path for m in msgs]


def _list_editor(spec: FieldSpec, draft: Draft, problems: Problems, base: str) -> None:
    items: list[dict[str, Any]] = draft.values.setdefault(spec.path, [])
    gen_key = f"{base}#gen"
    gen = st.session_state.setdefault(gen_key, 0)
    st.markdown(f"**{spec.title}**", help=spec.help)
    shown = [f for f in spec.item_fields if f.name != spec.auto_index]
    singular = spec.title.rstrip("s")
    for n, item in enumerate(items):
        weights = [3 if f.kind in ("text", "textarea") else 1 for f in shown]
        cols = st.columns([*weights, 0.15 * sum(weights)], vertical_alignment="bottom")
        here: list[str] = []
        for position, (col, sub) in enumerate(zip(cols, shown, strict=False)):
            with col:
                here += _problems_under(problems, f"{spec.path}.{n}.{sub.name}")
                _widget(
                    # the row's first field names the item: "Shot 2 — Shot prompt"
                    sub.model_copy(update={"title": f"{singular} {n + 1} — {sub.title}"})
                    if position == 0
                    else sub,
                    item.get(sub.name, sub.default),
                    f"{base}.{n}.{sub.name}#{gen}",
                    draft,
                    list(sub.options),
                    item=n,
                    parent=spec,
                )
        with cols[-1]:
            st.button(
                "✕",
                key=f"{base}.{n}#remove#{gen}",
                help=f"Remove {singular.lower()} {n + 1}",
                on_click=_remove_item,
                args=(draft, spec.path, n, gen_key),
            )
        if not _is_fresh(item):  # a row just added is not scolded before it is touched
            _row_problems(here)  # under the row, so its fields stay on one line
            render_problems(_problems_under(problems, f"{spec.path}.{n}"))  # the whole row
    full = spec.max_items is not None and len(items) >= spec.max_items
    st.button(
        f"Add {singular.lower()}",
        key=f"{base}#add#{gen}",
        icon=":material/add:",
        disabled=full,
        help=f"Up to {spec.max_items}." if spec.max_items else None,
        on_click=_add_item,
        args=(draft, spec, gen_key),
    )
    if full:
        st.caption(f"That's the maximum: {spec.max_items} {spec.title.lower()}.")


_FRESH = "form#fresh_rows"  # rows added by "Add …" and not touched yet (the dicts themselves)


def _is_fresh(item: dict[str, Any]) -> bool:
    return any(row is item for row in st.session_state.get(_FRESH, []))


def _touch(item: dict[str, Any]) -> None:
    rows = st.session_state.get(_FRESH, [])
    st.session_state[_FRESH] = [row for row in rows if row is not item]


def _add_item(draft: Draft, spec: FieldSpec, gen_key: str) -> None:
    items = draft.values.setdefault(spec.path, [])
    items.append({f.name: f.default for f in spec.item_fields if f.name != spec.auto_index})
    st.session_state[_FRESH] = [*st.session_state.get(_FRESH, []), items[-1]]
    st.session_state[gen_key] = st.session_state.get(gen_key, 0) + 1


def _remove_item(draft: Draft, path: str, index: int, gen_key: str) -> None:
    items = draft.values.get(path, [])
    if 0 <= index < len(items):
        _touch(items.pop(index))  # gone: no longer waiting to be touched
    st.session_state[gen_key] = st.session_state.get(gen_key, 0) + 1


def render_schema_form(
    draft: Draft,
    problems: Problems,
    *,
    key: str,
    image_widget: ImageWidget,
    group: str | None = None,
    generation: int = 0,
) -> None:
    """Draw the fields of `draft.model` that belong to `group` (None = the main group).

    Fields the current values make impossible are not offered; a caption says why.
    """
    values = draft.effective()
    # what the video is made of (voices, elements) before what a developer wires (webhook…)
    for spec in sorted(form_fields(draft.model), key=lambda f: not f.path.startswith("input.")):
        if spec.group != group:
            continue
        reason = unavailable_reason(spec, values)
        if reason:
            st.caption(f"**{spec.title}** — {reason}.")
            continue
        base = f"{key}|{draft.model}|{spec.path}|{generation}"
        if spec.kind == "image":
            image_widget(spec)
        elif spec.kind == "list":
            _list_editor(spec, draft, problems, base)
        else:
            options = allowed_options(spec, values) if spec.kind == "choice" else []
            value = values.get(spec.path, spec.default)
            if spec.kind == "choice" and _to_widget(spec, value) != st.session_state.get(
                base, _to_widget(spec, value)
            ):
                st.session_state[base] = _to_widget(spec, value)  # coerced (option went away)
            _widget(spec, value, base, draft, options)
            for option, why in unavailable_options(spec, values) if spec.kind == "choice" else []:
                # the missing option is explained like a missing field: "Sound: On — needs…"
                st.caption(f"**{spec.title}: {spec.label(option)}** — {why}.")
            if spec.examples:
                _example_chips(spec, draft, base)
            if spec.warn_max_length and len(str(value or "")) > spec.warn_max_length:
                st.warning(
                    f"{spec.title} is {len(str(value)):,} characters; Kling may cut it after "
                    f"{spec.warn_max_length:,}.",
                    icon=":material/warning:",
                )
        render_problems(_problems_under(problems, spec.path))


def render_form_sections(
    draft: Draft,
    problems: Problems,
    *,
    key: str,
    image_widget: ImageWidget,
    generation: int,
    developer_problems: int,
    developer_key: str,
) -> None:
    """The main fields, then the developer-only ones in a keyed expander that stays open
    when its problem count (its label) changes."""
    render_schema_form(draft, problems, key=key, image_widget=image_widget, generation=generation)
    count = developer_problems
    with st.expander(
        DEVELOPER_GROUP + (f" · {count} problem{'s' * (count > 1)}" if count else ""),
        key=developer_key,
        icon=":material/code:",
    ):
        st.caption("Voices, elements, webhook and metadata. Not needed to make a video.")
        render_schema_form(
            draft,
            problems,
            key=key,
            image_widget=image_widget,
            group=DEVELOPER_GROUP,
            generation=generation,
        )
