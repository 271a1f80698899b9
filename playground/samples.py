"""The pictures a newcomer can try without bringing one: drawn by the project
(`tools/make_samples.py`), shipped in `assets/samples/`, each with a prompt that suits it."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageOps
from pydantic import BaseModel, ConfigDict

__all__ = ["SAMPLES", "SAMPLE_DIR", "Sample", "sample_named", "thumbnail"]

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "assets" / "samples"


class Sample(BaseModel):
    """One sample picture and the settings that show it off."""

    model_config = ConfigDict(frozen=True)

    title: str
    file: str
    aspect_ratio: str
    prompt: str
    focus_x: float = 0.5  # where the square thumbnail is cut from, 0 = left edge

    @property
    def path(self) -> Path:
        return SAMPLE_DIR / self.file

    def data(self) -> bytes:
        return self.path.read_bytes()


SAMPLES: tuple[Sample, ...] = (
    Sample(
        title="Lighthouse",
        file="lighthouse.jpg",
        aspect_ratio="16:9",
        prompt="slow push in on the lighthouse, the beam sweeping, waves rolling, golden hour",
        focus_x=0.2,
    ),
    Sample(
        title="Mountain lake",
        file="mountain-lake.jpg",
        aspect_ratio="16:9",
        prompt="gentle drone flight over the lake, mist drifting, ripples on the water",
    ),
    Sample(
        title="City at night",
        file="city-night.jpg",
        aspect_ratio="9:16",
        prompt="camera tilts up the towers, windows flicker on, stars twinkle",
    ),
    Sample(
        title="Balloon",
        file="balloon.jpg",
        aspect_ratio="1:1",
        prompt="the balloon drifts slowly upward, clouds passing by, soft morning light",
    ),
)


def sample_named(title: str) -> Sample | None:
    """The sample with this title (None for anything else)."""
    return next((s for s in SAMPLES if s.title == title), None)


def thumbnail(sample: Sample, side: int = 160) -> bytes:
    """A square JPEG of the sample's middle, so the samples line up as a row of tiles (the
    JPEG decoded at a quarter of its size or so: twice the tile is plenty, and it halves the
    first page's work in a new server process)."""
    with Image.open(sample.path) as image:
        image.draft("RGB", (2 * side, 2 * side))
        square = ImageOps.fit(image.convert("RGB"), (side, side), centering=(sample.focus_x, 0.5))
    out = io.BytesIO()
    square.save(out, format="JPEG", quality=85)
    return out.getvalue()
