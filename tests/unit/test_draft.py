"""The form's draft: what it sends, and which images go through the files flow."""

from __future__ import annotations

from playground.draft import PENDING_UPLOAD, Draft, ImageChoice

PNG = b"\x89PNG fake bytes"


def _draft() -> Draft:
    return Draft(
        values={"input.prompt": "zoom in"},
        images={
            "image": ImageChoice(
                kind="url",
                name="a.png",
                url="https://x.example/a.png",
                sha256="s1",
                content_type="image/png",
            ),
            "image_tail": ImageChoice(
                kind="upload", name="b.png", sha256="s2", content_type="image/png"
            ),
        },
    )


def test_local_files_are_uploaded_and_urls_are_sent_as_given() -> None:
    draft = _draft()
    body = draft.body()
    assert body["input"]["image"] == "https://x.example/a.png"
    assert body["input"]["image_tail"].startswith(PENDING_UPLOAD)
    assert set(draft.uploads({"s1": PNG, "s2": PNG})) == {"image_tail"}


def test_demo_mode_uploads_the_fetched_copy_of_a_url_image() -> None:
    uploads = _draft().uploads({"s1": PNG, "s2": PNG}, copy_urls=True)
    assert set(uploads) == {"image", "image_tail"}
    assert uploads["image"].data == PNG and uploads["image"].name == "a.png"


def test_an_unchecked_url_without_bytes_is_left_to_the_api() -> None:
    draft = _draft()
    assert set(draft.uploads({"s2": PNG}, copy_urls=True)) == {"image_tail"}
