"""Named presets of the whole form and the prompt history, as the form uses them.

A preset keeps the model, every value and the images given by URL; local image files are not
kept (they stay on this machine only while in the form): applying a preset keeps the form's
own local images. Storage is `prompt_book.PromptBook` (per key scope, in the store).
"""

from __future__ import annotations

from pydantic import ValidationError

from playground.draft import Draft
from playground.prompt_book import PromptBook

__all__ = ["apply_preset", "load_preset", "preset_draft", "remember_sent", "save_preset"]


def preset_draft(draft: Draft) -> Draft:
    """What a preset keeps of the form: everything but local image files."""
    urls = {k: v for k, v in draft.images.items() if v.kind == "url"}
    return Draft(model=draft.model, values=dict(draft.values), images=urls)


def save_preset(book: PromptBook, name: str, draft: Draft) -> str:
    """Save the form as preset `name`; returns the name as kept.

    Raises:
        ValueError: the name is empty.
    """
    return book.save_preset(name, preset_draft(draft).model_dump_json())


def load_preset(book: PromptBook, name: str) -> Draft | None:
    """The preset's form (None when it is gone or no longer reads)."""
    body = book.preset(name)
    if body is None:
        return None
    try:
        return Draft.model_validate_json(body)
    except ValidationError:
        return None


def apply_preset(preset: Draft, current: Draft) -> Draft:
    """The form after applying `preset`: its settings, its URL images, the form's local ones."""
    images = {k: v for k, v in current.images.items() if v.kind == "upload"}
    return Draft(model=preset.model, values=dict(preset.values), images={**images, **preset.images})


def remember_sent(book: PromptBook, draft: Draft) -> None:
    """Add the prompt and negative prompt of a sent form to the history."""
    book.remember("prompt", draft.values.get("input.prompt"))
    book.remember("negative_prompt", draft.values.get("input.negative_prompt"))
