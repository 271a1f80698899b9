"""Prompt history and presets, in the store of a key scope (kept across a restart)."""

from __future__ import annotations

from pathlib import Path

import pytest

from playground.draft import Draft, ImageChoice
from playground.presets import apply_preset, load_preset, remember_sent, save_preset

URL = ImageChoice(kind="url", name="cat.png", url="https://example.com/cat.png")
LOCAL = ImageChoice(kind="upload", name="me.png", sha256="a" * 64, content_type="image/png")


def test_prompt_history_is_newest_first_searchable_and_per_scope(
    tmp_path: Path, open_store
) -> None:
    store = open_store(tmp_path, "key-a")
    for prompt in ("a cat on a roof", "slow push in", "A CAT in the rain", "slow push in"):
        remember_sent(store.prompts, Draft(values={"input.prompt": prompt}))
    remember_sent(store.prompts, Draft(values={"input.negative_prompt": "blur 100%_"}))
    assert store.prompts.recent("prompt") == [
        "slow push in",
        "A CAT in the rain",
        "a cat on a roof",
    ]
    assert store.prompts.recent("prompt", "cat") == ["A CAT in the rain", "a cat on a roof"]
    assert store.prompts.recent("negative_prompt", "0%_") == ["blur 100%_"]
    assert store.prompts.recent("prompt", "%") == []  # wildcards are searched as text
    assert open_store(tmp_path, "key-b").prompts.recent("prompt") == []
    store.close()
    assert open_store(tmp_path, "key-a").prompts.recent("prompt", "push") == ["slow push in"]


def test_presets_save_apply_rename_delete(tmp_path: Path, open_store) -> None:
    book = open_store(tmp_path, "key-a").prompts
    form = Draft(
        model="kling-v2-6",
        values={"input.prompt": "waves", "input.duration": 10, "input.mode": "pro"},
        images={"image": URL, "image_tail": LOCAL},
    )
    assert save_preset(book, "  Pro   waves ", form) == "Pro waves"
    saved = load_preset(book, "Pro waves")
    assert saved is not None and saved.values == form.values and saved.images == {"image": URL}

    current = Draft(values={"input.prompt": "other"}, images={"image": LOCAL})
    applied = apply_preset(saved, current)
    assert applied.model == "kling-v2-6" and applied.values["input.duration"] == 10
    assert applied.images == {"image": URL}  # the preset's URL wins over the form's file

    save_preset(book, "b", Draft())
    with pytest.raises(ValueError, match="exists"):
        book.rename_preset("Pro waves", "b")
    assert book.rename_preset("Pro waves", "Sea") == "Sea"
    assert book.presets() == ["b", "Sea"] and load_preset(book, "Pro waves") is None
    book.delete_preset("Sea")
    assert book.presets() == ["b"]
    with pytest.raises(ValueError, match="name"):
        save_preset(book, "   ", form)
