"""A session keeps a bounded amount of picked-image bytes, whatever the user uploads."""

from __future__ import annotations

from playground.draft import ImageChoice
from playground.state import MAX_SESSION_IMAGE_BYTES, MAX_SESSION_IMAGES, Session


def test_many_large_pictures_stay_within_the_byte_budget_and_the_form_keeps_its_own() -> None:
    session = Session()
    big = MAX_SESSION_IMAGE_BYTES // 3
    session.draft.images["image"] = ImageChoice(kind="upload", name="a.png", sha256="kept")
    session.remember_image("kept", b"k" * big)
    for n in range(MAX_SESSION_IMAGES):
        session.remember_image(f"other{n}", bytes([n]) * big)
    assert sum(map(len, session.image_bytes.values())) <= MAX_SESSION_IMAGE_BYTES
    assert "kept" in session.image_bytes, "the picture in the form is never dropped"
    assert f"other{MAX_SESSION_IMAGES - 1}" in session.image_bytes, "the newest pick stays"
