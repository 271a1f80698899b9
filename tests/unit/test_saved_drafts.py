"""The unsubmitted form comes back for the same browser, with its images; not for another."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from PIL import Image

from playground.draft import Draft, ImageChoice, load_draft, save_draft


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 200), (30, 60, 110)).save(out, format="PNG")
    return out.getvalue()


def _draft(data: bytes) -> Draft:
    sha = hashlib.sha256(data).hexdigest()
    image = ImageChoice(kind="upload", name="me.png", sha256=sha, content_type="image/png")
    values = {"input.prompt": "slow push in", "input.duration": 8, "metadata": {"p": "x"}}
    return Draft(model="kling-v2-6", values=values, images={"image": image})


def test_a_saved_draft_comes_back_with_its_image(tmp_path: Path, open_store) -> None:
    data = photo()
    draft = _draft(data)
    save_draft(
        open_store(tmp_path, "demo"), "browser-a", draft, {draft.images["image"].sha256: data}
    )

    found = load_draft(open_store(tmp_path, "demo"), "browser-a")  # as after a restart

    assert found is not None
    again, images = found
    assert again == draft
    assert images == {draft.images["image"].sha256: data}
    assert load_draft(open_store(tmp_path, "demo"), "browser-b") is None


def test_an_image_whose_file_is_gone_is_left_out(tmp_path: Path, open_store) -> None:
    data = photo()
    draft = _draft(data)
    store = open_store(tmp_path, "demo")
    save_draft(store, "browser-a", draft, {draft.images["image"].sha256: data})
    path = store.image_path(draft.images["image"].sha256 or "")
    assert path is not None
    path.unlink()

    found = load_draft(store, "browser-a")

    assert found is not None
    assert found[0].images == {} and found[0].values["input.prompt"] == "slow push in"
