"""The demo video synthesizer: real MP4s of the right shape, motion, cuts, end frame and sound."""

from __future__ import annotations

import functools
import io
import itertools
import struct
import zlib
from dataclasses import dataclass
from typing import Literal

import av
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageOps

from fake_modelhunter._motion import (
    IDENTITY,
    MOTIONS,
    Motion,
    ShotPlan,
    Window,
    keyword_motion,
    pick_motion,
    plan_shots,
    shot_window,
    timeline,
)
from fake_modelhunter.synth import SIZES, Shot, SynthError, SynthRequest, synthesize

FPS = 24
Aspect = Literal["16:9", "9:16", "1:1"]


# --- test pictures and decoding helpers --------------------------------------------------------


def _encode(img: Image.Image, fmt: str = "PNG", **params: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


@functools.cache
def start_picture() -> Image.Image:
    """A colour gradient with shapes and stripes, so frames and framings are distinguishable."""
    w, h = 1600, 1000
    x = np.linspace(0, 255, w)[None, :].repeat(h, 0)
    y = np.linspace(0, 255, h)[:, None].repeat(w, 1)
    img = Image.fromarray(np.stack([x, y, 255 - x], -1).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    for i in range(14):
        cx, cy = 60 + i * 113, 120 + (i * 337) % 760
        draw.ellipse((cx, cy, cx + 110, cy + 110), fill=((i * 70) % 256, 40, (i * 150) % 256))
        draw.rectangle((i * 115, 880, i * 115 + 50, 990), fill=(250, 250, 250))
    for i in range(0, w, 80):
        draw.line((i, 0, i + 200, h), fill=(20, 20, 20), width=6)
    return img


@functools.cache
def start_png() -> bytes:
    return _encode(start_picture())


@functools.cache
def end_picture() -> Image.Image:
    """A distinctly coloured portrait end frame: orange with teal bars."""
    img = Image.new("RGB", (800, 1000), (240, 140, 20))
    draw = ImageDraw.Draw(img)
    for i in range(0, 1000, 125):
        draw.rectangle((0, i, 800, i + 50), fill=(20, 160, 170))
    return img


@dataclass(frozen=True)
class Probe:
    video_codec: str
    pix_fmt: str
    profile: str
    width: int
    height: int
    frames: int
    video_seconds: float
    container_seconds: float
    audio_codec: str | None
    audio_seconds: float | None


def probe(data: bytes) -> Probe:
    with av.open(io.BytesIO(data)) as box:
        assert box.format.name.startswith("mov,mp4")
        video = box.streams.video[0]
        audio = box.streams.audio[0] if box.streams.audio else None
        info = (video.codec_context.name, video.format.name, video.codec_context.profile)
        frames = sum(1 for _ in box.decode(video=0))
        return Probe(
            *info,
            video.width,
            video.height,
            frames,
            float(video.duration * video.time_base),
            box.duration / av.time_base,
            audio.codec_context.name if audio else None,
            float(audio.duration * audio.time_base) if audio else None,
        )


def decoded(data: bytes, fmt: str = "rgb24", pick: tuple[int, ...] = ()) -> list[np.ndarray]:
    """Decoded frames as arrays: all of them, or only the indices in `pick` (-1 = last)."""
    with av.open(io.BytesIO(data)) as box:
        if not pick:
            return [f.to_ndarray(format=fmt) for f in box.decode(video=0)]
        found: dict[int, np.ndarray] = {}
        for i, frame in enumerate(box.decode(video=0)):
            if i in pick:
                found[i] = frame.to_ndarray(format=fmt)
        if -1 in pick:
            found[-1] = frame.to_ndarray(format=fmt)
    return [found[i] for i in pick]


def top_level_boxes(data: bytes) -> dict[str, int]:
    """Offset of the first top-level MP4 box of each type."""
    offsets: dict[str, int] = {}
    pos = 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
        elif size == 0:
            size = len(data) - pos
        offsets.setdefault(kind.decode("latin-1"), pos)
        pos += size
    return offsets


@functools.cache
def clip(req: SynthRequest) -> bytes:
    return synthesize(req)


def mean_abs(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


# --- the MP4 itself -----------------------------------------------------------------------------

FORMAT_CASES: list[tuple[Aspect, int, bool]] = [
    ("16:9", 3, False),
    ("9:16", 5, True),
    ("16:9", 10, False),
    ("1:1", 15, True),
]


@pytest.mark.parametrize(("aspect", "seconds", "sound"), FORMAT_CASES)
def test_clip_is_a_browser_playable_mp4(aspect: Aspect, seconds: int, sound: bool) -> None:
    req = SynthRequest(start_png(), seconds, aspect, prompt="a quiet harbour", sound=sound)
    info = probe(clip(req))
    assert (info.video_codec, info.pix_fmt) == ("h264", "yuv420p")
    assert info.profile in ("Main", "High")
    assert (info.width, info.height) == SIZES[aspect]
    assert info.frames == seconds * FPS
    assert info.video_seconds == pytest.approx(seconds, abs=0.01)
    assert info.container_seconds == pytest.approx(seconds, abs=0.1)
    if sound:
        assert info.audio_codec == "aac"
        assert info.audio_seconds == pytest.approx(info.video_seconds, abs=0.1)
    else:
        assert info.audio_codec is None


@pytest.mark.parametrize(("aspect", "seconds", "sound"), FORMAT_CASES[:2])
def test_moov_comes_before_mdat(aspect: Aspect, seconds: int, sound: bool) -> None:
    req = SynthRequest(start_png(), seconds, aspect, prompt="a quiet harbour", sound=sound)
    boxes = top_level_boxes(clip(req))
    assert boxes["ftyp"] == 0
    assert boxes["moov"] < boxes["mdat"]


def _captioned(
    prompt: str = "zoom in", *, sound: bool = True, text: str = "Welcome aboard"
) -> SynthRequest:
    return SynthRequest(
        start_png(), 3, "1:1", prompt=prompt, sound=sound, captions=(text,) if text else ()
    )


def test_same_request_same_bytes_and_prompt_changes_them() -> None:
    assert synthesize(_captioned()) == clip(_captioned())
    assert synthesize(_captioned("zoom in!")) != clip(_captioned())


# --- framing, end frame, shots ------------------------------------------------------------------


@pytest.mark.parametrize("aspect", ["16:9", "9:16", "1:1"])
def test_last_frame_is_the_end_frame(aspect: Aspect) -> None:
    req = SynthRequest(start_png(), 3, aspect, end_image=_encode(end_picture()), prompt="orbit")
    frames = decoded(clip(req), pick=(0, -1))
    size = SIZES[aspect]
    end = np.asarray(ImageOps.fit(end_picture(), size, Image.Resampling.BICUBIC))
    start = np.asarray(ImageOps.fit(start_picture(), size, Image.Resampling.BICUBIC))
    assert mean_abs(frames[-1], end) < 8
    assert mean_abs(frames[-1], start) > 40
    assert mean_abs(frames[0], start) < mean_abs(frames[0], end)


def _cut_frames(data: bytes) -> set[int]:
    """Frames whose difference to the previous one stands far above every other."""
    grey = [f[::4, ::4].astype(np.int16) for f in decoded(data, "gray")]
    diffs = np.array([np.abs(b - a).mean() for a, b in itertools.pairwise(grey)])
    floor = float(np.median(diffs))
    return {i + 1 for i, d in enumerate(diffs) if d > 4 * floor + 4}


def test_manual_shots_cut_at_their_boundaries() -> None:
    shots = (Shot(2.0, "zoom in"), Shot(1.5, "pan left"), Shot(1.5, "tilt up"))
    req = SynthRequest(start_png(), 5, "16:9", shots=shots)
    assert _cut_frames(clip(req)) == {48, 84}


def test_auto_shots_split_the_clip_deterministically() -> None:
    req = SynthRequest(start_png(), 5, "1:1", prompt="city lights", auto_shots=True)
    plans = plan_shots(5 * FPS, prompt="city lights", seed="", auto_shots=True)
    assert 2 <= len(plans) <= 3
    bounds = set(itertools.accumulate(p.frames for p in plans[:-1]))
    assert _cut_frames(clip(req)) == bounds


def test_captions_show_only_with_sound() -> None:
    def bottom(req: SynthRequest) -> np.ndarray:
        return decoded(clip(req), pick=(FPS,))[0][-200:]

    plain = bottom(_captioned(text=""))
    assert mean_abs(bottom(_captioned()), plain) > 2
    assert mean_abs(bottom(_captioned(sound=False)), plain) == 0


# --- images -------------------------------------------------------------------------------------


def _exif_rotated() -> bytes:
    """Stored red-left/blue-right; EXIF orientation 6 shows it rotated: red on top."""
    img = Image.new("RGB", (600, 400), (220, 20, 20))
    img.paste((20, 20, 220), (300, 0, 600, 400))
    exif = Image.Exif()
    exif[0x0112] = 6
    return _encode(img, "JPEG", exif=exif, quality=95)


def test_exif_orientation_is_honoured() -> None:
    first = decoded(clip(SynthRequest(_exif_rotated(), 3, "1:1", prompt="push")), pick=(0,))[0]
    top, bottom = first[:150].reshape(-1, 3).mean(0), first[-150:].reshape(-1, 3).mean(0)
    assert top[0] > 150 > top[2]
    assert bottom[2] > 150 > bottom[0]


MODES = {
    "RGBA": (Image.new("RGBA", (300, 200), (10, 200, 30, 255)), "PNG", (10, 200, 30)),
    "P": (Image.new("RGB", (300, 200), (200, 30, 200)).quantize(8), "PNG", (200, 30, 200)),
    "L": (Image.new("L", (300, 200), 128), "WEBP", (128, 128, 128)),
    "CMYK": (Image.new("CMYK", (300, 200), (0, 255, 255, 0)), "JPEG", (255, 0, 0)),
    "I;16": (Image.new("I;16", (300, 200), 16448), "PNG", (64, 64, 64)),
    "LA": (Image.new("LA", (300, 200), (230, 255)), "PNG", (230, 230, 230)),
}


def _mode_pair(start: str, end: str) -> SynthRequest:
    (img, fmt, _), (end_img, end_fmt, _) = MODES[start], MODES[end]
    return SynthRequest(_encode(img, fmt), 3, "1:1", end_image=_encode(end_img, end_fmt))


@pytest.mark.parametrize(("start", "end"), [("RGBA", "P"), ("L", "CMYK"), ("I;16", "LA")])
def test_any_image_mode_becomes_colour(start: str, end: str) -> None:
    wants = (MODES[start][2], MODES[end][2])
    for frame, want in zip(decoded(clip(_mode_pair(start, end)), pick=(0, -1)), wants, strict=True):
        centre = frame[300:420, 300:420].reshape(-1, 3).mean(0)
        assert np.abs(centre - np.array(want)).max() < 12


def test_badge_marks_every_frame() -> None:
    for frame in decoded(clip(_mode_pair("L", "CMYK")), pick=(0, 36, -1)):  # plain colours
        corner, plain = frame[:80, -160:].reshape(-1, 3), frame[-80:, :160].reshape(-1, 3)
        assert np.ptp(corner, axis=0).max() > 100  # white text on a dark plate
        assert np.ptp(plain, axis=0).max() < 12  # the rest stays plain


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"definitely not an image",
        start_png.__wrapped__()[:300],  # truncated PNG
        _encode(Image.new("RGB", (64, 64)), "GIF"),  # unsupported format
        _png_header_only(40_000, 40_000),  # decompression bomb
    ],
    ids=["empty", "text", "truncated", "gif", "bomb"],
)
def test_unreadable_images_raise_synth_error(data: bytes) -> None:
    with pytest.raises(SynthError, match=r"start image (could not be read|is too large)"):
        synthesize(SynthRequest(data, 3))
    with pytest.raises(SynthError, match="end frame"):
        synthesize(SynthRequest(_encode(Image.new("RGB", (64, 64))), 3, end_image=data))


@pytest.mark.parametrize(
    "req",
    [
        SynthRequest(b"", 2),
        SynthRequest(b"", 16),
        SynthRequest(b"", 5.5),  # type: ignore[arg-type]
        SynthRequest(b"", 5, shots=(Shot(0.0),)),
        SynthRequest(b"", 3, aspect_ratio="4:3"),  # type: ignore[arg-type]
    ],
)
def test_out_of_range_requests_raise_synth_error(req: SynthRequest) -> None:
    with pytest.raises(SynthError):
        synthesize(req)


# --- camera motion and shot planning ------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "motion"),
    [
        ("Slow ZOOM IN on the face", "zoom_in"),
        ("zoom out to reveal the valley", "zoom_out"),
        ("pan left across the market", "pan_left"),
        ("Pan Right", "pan_right"),
        ("tilt up to the sky", "tilt_up"),
        ("tilt down to the river", "tilt_down"),
        ("an orbit around the statue", "orbit"),
        ("dolly in on the door", "push"),
        ("slow push", "push"),
        ("pull back from the crowd, then zoom in", "pull"),
    ],
)
def test_prompt_keywords_pick_the_move(prompt: str, motion: str) -> None:
    assert keyword_motion(prompt) == motion
    assert pick_motion(prompt, "any seed", 3) == motion


def test_shot_moves_follow_their_prompts() -> None:
    shots = [(2.0, "zoom in"), (1.5, "then PAN LEFT"), (1.5, "tilt up")]
    manual = plan_shots(120, prompt="harbour", seed="", shots=shots)
    assert [p.motion for p in manual] == ["zoom_in", "pan_left", "tilt_up"]
    auto = plan_shots(120, prompt="orbit the tower", seed="x", auto_shots=True)
    assert auto == plan_shots(120, prompt="orbit the tower", seed="x", auto_shots=True)
    assert auto[0].motion == "orbit"
    assert all(a.motion != b.motion for a, b in itertools.pairwise(auto))


def test_unnamed_moves_are_stable_and_vary() -> None:
    assert keyword_motion("a cat on a sofa") is None
    picks = {pick_motion("a cat on a sofa", seed, 0) for seed in map(str, range(40))}
    assert pick_motion("a cat on a sofa", "7", 0) == pick_motion("a cat on a sofa", "7", 0)
    assert len(picks) >= 5


@pytest.mark.parametrize("motion", MOTIONS)
@pytest.mark.parametrize("base", [IDENTITY, Window(0.4, 0.45, 0.74)])
def test_windows_stay_inside_the_source_and_ease(motion: Motion, base: Window) -> None:
    plan = ShotPlan(48, motion, base, strength=1.15)
    wins = [shot_window(plan, f) for f in range(plan.frames)]
    for w in wins:
        assert 0 < w.scale <= base.scale + 1e-9
        assert abs(w.cx - base.cx) <= (base.scale - w.scale) / 2 + 1e-9
        assert abs(w.cy - base.cy) <= (base.scale - w.scale) / 2 + 1e-9
    steps = [
        abs(b.cx - a.cx) + abs(b.cy - a.cy) + abs(b.scale - a.scale)
        for a, b in itertools.pairwise(wins)
    ]
    assert steps[0] < max(steps) / 4 and steps[-1] < max(steps) / 4  # eased in and out
    assert all(base.scale / w.scale <= 1.2 for w in wins)  # subtle: at most a 20 % zoom


@pytest.mark.parametrize("seconds", [(1.0, 2.0), (2.5, 2.5), (1.0, 1.0, 1.0), (0.1, 0.1, 4.8)])
def test_manual_shot_lengths_add_up(seconds: tuple[float, ...]) -> None:
    total = round(sum(seconds)) * FPS
    plans = plan_shots(total, prompt="", seed="", shots=[(s, "") for s in seconds])
    bounds = list(itertools.accumulate(p.frames for p in plans))
    assert bounds[:-1] == [round(c * FPS) for c in itertools.accumulate(seconds)][:-1]
    assert bounds[-1] == total
    assert plans[0].base == IDENTITY and all(p.base != IDENTITY for p in plans[1:])


def test_end_frame_timeline_settles_on_identity() -> None:
    plans = plan_shots(72, prompt="pan left", seed="")
    steps = timeline(plans, end_frame=True)
    assert len(steps) == 72
    assert steps[0][1] is None and steps[0][2] == 0
    assert steps[-1][1] == IDENTITY and steps[-1][2] == 1
    alphas = [s[2] for s in steps]
    assert alphas == sorted(alphas)
