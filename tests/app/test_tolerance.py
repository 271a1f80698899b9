"""What the user sees when the API deviates from its docs (AppTest, Demo backend)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from fake_modelhunter.deviations import Deviations


def _submit(at: AppTest, png: bytes) -> None:
    at.file_uploader(key="img|image|0|upload").set_value(("a.png", png, "image/png")).run()
    at.button(key="submit").click().run()
    assert not at.exception, at.exception


def _progress_texts(at: AppTest) -> str:
    return " ".join(p.proto.text for p in at.progress)


def test_a_status_word_outside_the_docs_is_shown_as_progress(quick_demo, png) -> None:
    quick_demo.fake.deviations = Deviations(unknown_statuses=True, naive_timestamps=True)
    at = quick_demo.app()
    _submit(at, png)

    seen = []
    for _ in range(6):
        quick_demo.clock.advance(1)
        at.run()
        assert not at.exception, at.exception
        seen.append(_progress_texts(at))
    shown = " ".join(seen)
    assert "Processing at Kling (status: moderation)" in shown or (
        "Processing at Kling (status: processing)" in shown
    ), shown
    assert "cannot read" not in " ".join(w.value for w in at.warning)
    quick_demo.clock.advance(20)
    at.run()
    at.run()
    assert at.get("video"), "the clip still arrives"


def test_a_task_that_never_shows_our_reference_is_offered_to_the_user(quick_demo, png) -> None:
    quick_demo.fake.deviations = Deviations(
        slow_submit_s=600, list_without_metadata=True, get_without_metadata=True
    )
    at = quick_demo.app()
    _submit(at, png)

    warnings = " ".join(w.value for w in at.warning)
    assert "may have been charged" in warnings
    assert any("Possible match" in c.value for c in at.caption)
    quick_demo.fake.deviations = Deviations()
    next(b for b in at.button if b.key.startswith("adopt|")).click().run()
    assert not at.exception, at.exception
    assert "may have been charged" not in " ".join(w.value for w in at.warning)
    quick_demo.clock.advance(20)
    at.run()
    at.run()
    assert at.get("video")
