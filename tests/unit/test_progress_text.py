"""The card's progress line never contradicts itself (issue 13, walkthrough findings)."""

from __future__ import annotations

from components.task_card import progress_time_text
from playground.tracker import Eta


def test_counting_down() -> None:
    assert progress_time_text(Eta(12, 40, 8)) == "12 s · about 8 s left"


def test_past_the_estimate_far_from_done_is_late_not_finishing() -> None:
    assert progress_time_text(Eta(60, 18, 0)) == "60 s · taking longer than expected"


def test_past_the_estimate_nearly_done_is_finishing() -> None:
    assert progress_time_text(Eta(60, 95, 0)) == "60 s · finishing…"


def test_a_clip_waiting_for_the_demo_renderer_says_how_many_are_ahead() -> None:
    assert progress_time_text(Eta(9, 50, 3, render_queue=5)) == (
        "9 s · in the demo renderer's queue (4 clips ahead)"
    )
    assert progress_time_text(Eta(9, 50, 3, render_queue=2)).endswith("(1 clip ahead)")
    assert progress_time_text(Eta(9, 50, 3, render_queue=1)).endswith("(next)")
