"""The demo synthesizer's camera: moves, shot planning, and what the camera sees.

A *window* is the part of the cover-cropped source that fills the frame, in
normalised coordinates: centre `(cx, cy)` and `scale` (1.0 = the whole source).
Every window built here stays inside the source, so frames never show bars.
`Planes.render` turns a window into a frame's Y, Cb and Cr planes.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from PIL import Image

__all__ = [
    "Box",
    "IDENTITY",
    "KEYWORDS",
    "MOTIONS",
    "Motion",
    "Planes",
    "ShotPlan",
    "Step",
    "Window",
    "YUV_MATRIX",
    "digest",
    "ease",
    "halve",
    "keyword_motion",
    "lerp_window",
    "pick_motion",
    "plan_shots",
    "shot_window",
    "timeline",
    "to_yuv",
]

Motion = Literal[
    "zoom_in", "zoom_out", "pan_left", "pan_right", "tilt_up", "tilt_down", "orbit", "push", "pull"
]
MOTIONS: tuple[Motion, ...] = get_args(Motion)

# Phrases a prompt may use to ask for a move; matched case-insensitively, earliest wins.
KEYWORDS: dict[str, Motion] = {
    "zoom in": "zoom_in",
    "zoom out": "zoom_out",
    "zoom": "zoom_in",
    "pan left": "pan_left",
    "pan right": "pan_right",
    "tilt up": "tilt_up",
    "tilt down": "tilt_down",
    "orbit": "orbit",
    "arc shot": "orbit",
    "dolly in": "push",
    "push in": "push",
    "push": "push",
    "dolly out": "pull",
    "pull back": "pull",
    "pull out": "pull",
}

MAX_ZOOM = 1.15  # subtle, cinematic: the widest move scales the view by 15 %
PAN_ZOOM = 1.15  # pans and tilts need slack around the window to travel in
PAN_REACH = 0.85  # fraction of that slack a pan or tilt uses on each side
FADE_START = 0.45  # the end-frame crossfade starts this far into the last shot...
FADE_SHARE = 0.8  # ...and shows only the end frame from this far through the rest of it
STRENGTH = (0.85, 1.15)  # per-shot amplitude range, so every request moves a little differently
# Closer framings used for the second and later shots: (cx, cy, scale).
FRAMINGS: tuple[tuple[float, float, float], ...] = (
    (0.5, 0.5, 0.78),
    (0.4, 0.45, 0.74),
    (0.6, 0.45, 0.74),
    (0.42, 0.56, 0.7),
    (0.58, 0.56, 0.7),
    (0.5, 0.4, 0.72),
)


Box = tuple[float, float, float, float]  # left, top, right, bottom in pixels


@dataclass(frozen=True)
class Window:
    """Visible part of the source: centre and scale, all in 0..1."""

    cx: float = 0.5
    cy: float = 0.5
    scale: float = 1.0

    def box(self, width: int, height: int) -> Box:
        """Pixel box `(left, top, right, bottom)` of this window in a `width`×`height` source."""
        half = self.scale / 2
        return (
            (self.cx - half) * width,
            (self.cy - half) * height,
            (self.cx + half) * width,
            (self.cy + half) * height,
        )


IDENTITY = Window()


@dataclass(frozen=True)
class ShotPlan:
    """One shot: how many frames, which move and how strongly, and its framing."""

    frames: int
    motion: Motion
    base: Window = IDENTITY
    strength: float = 1.0


def digest(*parts: object) -> int:
    """Stable 64-bit hash of the parts (unlike `hash()`, the same in every process)."""
    text = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big")


def ease(t: float) -> float:
    """Cosine ease-in-out from 0 to 1 over `t` in 0..1."""
    t = min(max(t, 0.0), 1.0)
    return 0.5 - 0.5 * math.cos(math.pi * t)


def keyword_motion(prompt: str) -> Motion | None:
    """The move a prompt names, if any (the earliest mention wins)."""
    text = prompt.lower()
    found = [(text.find(k), -len(k), m) for k, m in KEYWORDS.items() if k in text]
    return min(found)[2] if found else None


def _hashed_motion(prompt: str, own: str, seed: str, index: int) -> Motion:
    return MOTIONS[digest("motion", prompt, own, seed, index) % len(MOTIONS)]


def pick_motion(prompt: str, seed: str, index: int, *, own: str = "") -> Motion:
    """Move for shot `index`: named in its own prompt or the clip's, else a stable hash."""
    named = keyword_motion(own) or keyword_motion(prompt)
    return named or _hashed_motion(prompt, own, seed, index)


def _camera(motion: Motion, p: float, k: float) -> tuple[float, float, float]:
    """(zoom, dx, dy) at eased progress `p` and strength `k`; dx/dy are slack fractions."""
    reach = k * PAN_REACH * (2 * p - 1)
    if motion == "zoom_in":
        return 1 + k * (MAX_ZOOM - 1) * p, 0.0, 0.0
    if motion == "zoom_out":
        return 1 + k * (MAX_ZOOM - 1) * (1 - p), 0.0, 0.0
    if motion == "pan_left":
        return PAN_ZOOM, -reach, 0.0
    if motion == "pan_right":
        return PAN_ZOOM, reach, 0.0
    if motion == "tilt_up":
        return PAN_ZOOM, 0.0, -reach
    if motion == "tilt_down":
        return PAN_ZOOM, 0.0, reach
    if motion == "orbit":  # half an ellipse over the top, with a slight push
        angle = math.pi * (1 + p)
        return 1.06 + 0.08 * k * p, 0.8 * k * math.cos(angle), 0.5 * k * math.sin(angle)
    if motion == "push":
        return 1 + 0.08 * k * p, 0.0, -0.25 * k * p
    return 1 + 0.1 * k * (1 - p), 0.0, 0.0  # pull


def shot_window(plan: ShotPlan, frame: int) -> Window:
    """Window of `frame` (0-based, within the shot) for the shot's move."""
    t = frame / (plan.frames - 1) if plan.frames > 1 else 1.0
    zoom, dx, dy = _camera(plan.motion, ease(t), plan.strength)
    base = plan.base
    scale = base.scale / zoom
    slack = (base.scale - scale) / 2
    return Window(base.cx + dx * slack, base.cy + dy * slack, scale)


def lerp_window(a: Window, b: Window, t: float) -> Window:
    """Straight blend of two windows; stays inside the source when both do."""
    if t >= 1:
        return b
    return Window(
        a.cx + (b.cx - a.cx) * t, a.cy + (b.cy - a.cy) * t, a.scale + (b.scale - a.scale) * t
    )


def _split(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` frames by `weights`, every part at least one frame."""
    whole = sum(weights)
    bounds, acc = [0], 0.0
    for i, w in enumerate(weights):
        acc += w
        room = total - (len(weights) - 1 - i)
        bounds.append(min(max(round(total * acc / whole), bounds[-1] + 1), room))
    bounds[-1] = total
    return [b - a for a, b in itertools.pairwise(bounds)]


def _strength(*parts: object) -> float:
    low, high = STRENGTH
    return low + (high - low) * (digest("strength", *parts) % 10_007) / 10_006


def plan_shots(
    total_frames: int,
    *,
    prompt: str,
    seed: str,
    shots: Sequence[tuple[float, str]] = (),
    auto_shots: bool = False,
) -> tuple[ShotPlan, ...]:
    """Shots for a clip: the manual ones, 2–3 automatic ones, or one single shot."""
    if shots:
        lengths = _split(total_frames, [s for s, _ in shots])
        prompts = [p for _, p in shots]
    elif auto_shots:
        count = 3 if total_frames >= 5 * 24 and digest("count", prompt, seed) % 2 else 2
        weights = [0.8 + 0.4 * (digest("len", prompt, seed, i) % 101) / 100 for i in range(count)]
        lengths = _split(total_frames, weights)
        prompts = [""] * count
    else:
        motion = pick_motion(prompt, seed, 0)
        return (ShotPlan(total_frames, motion, IDENTITY, _strength(prompt, seed, 0)),)
    plans: list[ShotPlan] = []
    for i, (frames, own) in enumerate(zip(lengths, prompts, strict=True)):
        # A move the clip's prompt names applies to every manual shot, but only to the
        # first automatic one: the later automatic shots are the "intelligent" variation.
        named = keyword_motion(own) or (keyword_motion(prompt) if shots or not i else None)
        motion = named or _hashed_motion(prompt, own, seed, i)
        if named is None and plans and motion == plans[-1].motion:
            motion = MOTIONS[(MOTIONS.index(motion) + 1) % len(MOTIONS)]
        base = IDENTITY
        if i:
            pick = digest("framing", prompt, seed, i) % len(FRAMINGS)
            if Window(*FRAMINGS[pick]) == plans[-1].base:
                pick = (pick + 1) % len(FRAMINGS)
            base = Window(*FRAMINGS[pick])
        plans.append(ShotPlan(frames, motion, base, _strength(prompt, own, seed, i)))
    return tuple(plans)


Step = tuple[Window, Window | None, float]  # start-image window, end-frame window, end alpha


def timeline(plans: Sequence[ShotPlan], *, end_frame: bool) -> list[Step]:
    """Per frame: where the camera looks and how far the end frame has faded in.

    The end frame takes over the last shot's framing and eases to `IDENTITY`, so the
    final frame is exactly the cover-cropped end frame.
    """
    steps: list[Step] = []
    for k, plan in enumerate(plans):
        fading = end_frame and k == len(plans) - 1
        fade_from = round(plan.frames * FADE_START)
        for f in range(plan.frames):
            win = shot_window(plan, f)
            if not fading or f < fade_from:
                steps.append((win, None, 0.0))
                continue
            q = (f - fade_from) / max(plan.frames - 1 - fade_from, 1)
            steps.append((win, lerp_window(win, IDENTITY, ease(q)), ease(q / FADE_SHARE)))
    return steps


# BT.709 limited range: (R, G, B, offset) for each of Y, Cb, Cr, from RGB in 0..255.
_Y, _C = 219 / 255, 224 / 255
YUV_MATRIX = (
    (0.2126 * _Y, 0.7152 * _Y, 0.0722 * _Y, 16.0),
    (-0.2126 / 1.8556 * _C, -0.7152 / 1.8556 * _C, 0.5 * _C, 128.0),
    (0.5 * _C, -0.7152 / 1.5748 * _C, -0.0722 / 1.5748 * _C, 128.0),
)


def to_yuv(rgb: np.ndarray) -> np.ndarray:
    """BT.709 limited-range YCbCr of an `(h, w, 3)` RGB array, as float32 `(h, w, 3)`."""
    matrix = np.array(YUV_MATRIX, dtype=np.float32)
    return rgb.astype(np.float32) @ matrix[:, :3].T + matrix[:, 3]


def halve(plane: np.ndarray) -> np.ndarray:
    """Average 2×2 blocks (the plane's sides must be even)."""
    h, w = plane.shape
    return plane.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))


@dataclass(frozen=True)
class Planes:
    """A cover-cropped source as 8-bit Y, Cb, Cr planes.

    Luma is kept at the working size (a little larger than the frame, for sharp zooms);
    chroma, which the eye resolves far less, at half the frame's size, so it costs less.
    """

    y: Image.Image
    u: Image.Image
    v: Image.Image

    @classmethod
    def from_rgb(
        cls, img: Image.Image, box: Box, *, luma: tuple[int, int], chroma: tuple[int, int]
    ) -> Planes:
        """Planes of the `box` part of an RGB image, resized to the given plane sizes."""
        y = img.convert("L", matrix=YUV_MATRIX[0])  # one band is far cheaper to resize than RGB
        y = y.resize(luma, Image.Resampling.BICUBIC, box=box, reducing_gap=2.0)
        small = img.resize(chroma, Image.Resampling.BILINEAR, box=box, reducing_gap=2.0)
        u, v = (small.convert("L", matrix=m) for m in YUV_MATRIX[1:])
        return cls(y, u, v)

    def render(self, win: Window, size: tuple[int, int]) -> tuple[Image.Image, ...]:
        """The window's view at `size`, bilinear with sub-pixel placement."""
        half = (size[0] // 2, size[1] // 2)
        box, chroma_box = win.box(*self.y.size), win.box(*self.u.size)
        return (
            self.y.resize(size, Image.Resampling.BILINEAR, box=box),
            self.u.resize(half, Image.Resampling.BILINEAR, box=chroma_box),
            self.v.resize(half, Image.Resampling.BILINEAR, box=chroma_box),
        )
