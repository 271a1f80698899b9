"""The fake's own reading of an accepted `POST /kling/image-to-video` body.

Plain frozen dataclasses, filled by `fake_modelhunter.rules.read_request`; the fake prices,
times and renders tasks from these and never from the client package's models, so a bug in
the client's request models cannot hide behind an identical bug in the fake.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Shot", "VideoRequest", "Voice"]


@dataclass(frozen=True)
class Shot:
    """One manual shot (`input.multi_prompt[i]`); `duration` None = the API splits the time."""

    index: int
    prompt: str
    duration: int | None = None


@dataclass(frozen=True)
class Voice:
    """One spoken line (`input.voice_list[i]`)."""

    voice_id: str
    text: str


@dataclass(frozen=True)
class VideoRequest:
    """Every setting of an accepted request, defaults filled in (contract §12)."""

    model: str
    image: str
    image_tail: str | None = None
    prompt: str = ""
    negative_prompt: str | None = None
    duration: int = 5
    aspect_ratio: str = "16:9"
    mode: str = "std"
    sound: str = "off"
    multi_shot: str | None = None
    shots: tuple[Shot, ...] = ()
    element_ids: tuple[int, ...] = ()
    voices: tuple[Voice, ...] = ()
    webhook_url: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def prompts(self) -> tuple[str, ...]:
        """The main prompt and every shot prompt."""
        return (self.prompt, *(shot.prompt for shot in self.shots))
