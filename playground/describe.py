"""A run's settings in words a person reads ("Settings used"), not the wire JSON."""

from __future__ import annotations

from modelhunter.requests import MODE_LABELS
from playground.runs import Run

__all__ = ["settings_summary"]


def _sound(value: str) -> str:
    return "with sound" if value == "on" else "silent"


def settings_summary(run: Run) -> list[tuple[str, str]]:
    """(what, value) lines for a run's settings; empty when they are unknown (recovered)."""
    if run.request is None:
        return []
    data = run.request.input
    video = (
        f"{run.model} · {data.duration} s · {data.aspect_ratio} · "
        f"{MODE_LABELS[data.mode]} · {_sound(data.sound)}"
    )
    lines = [("Video", video)]
    if data.prompt:
        lines.append(("Prompt", data.prompt))
    if data.negative_prompt:
        lines.append(("Avoid", data.negative_prompt))
    multi = getattr(data, "multi_shot", None)
    if multi == "intelligence":
        lines.append(("Shots", "split automatically"))
    for shot in getattr(data, "multi_prompt", []):
        length = f" ({shot.duration} s)" if shot.duration else ""
        lines.append((f"Shot {shot.index}", shot.prompt + length))
    for n, voice in enumerate(data.voice_list, start=1):
        lines.append((f"Voice {n}", f"{voice.voice_id}: “{voice.text}”"))
    elements = getattr(data, "element_list", [])
    if elements:
        lines.append(("Elements", ", ".join(str(e.element_id) for e in elements)))
    for field, label in (("image", "Start image"), ("image_tail", "End frame")):
        image = run.images.get(field)
        if image is not None:
            lines.append((label, image.name))
        elif field == "image_tail" and data.image_tail:
            lines.append((label, "given by URL"))
    if run.request.webhook_url:
        lines.append(("Webhook", run.request.webhook_url))
    labels = {k: v for k, v in (run.request.metadata or {}).items() if k != "client_ref"}
    if labels:
        lines.append(("Metadata", ", ".join(f"{k}: {v}" for k, v in labels.items())))
    return lines
