"""Image preflight (`modelhunter.images`) and the app's previews (`playground.preview`) against
a corpus of good and bad images generated here (nothing shipped)."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import tracemalloc
import warnings
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from modelhunter import images
from modelhunter.images import inspect_image
from modelhunter.requests import AspectRatio
from playground.preview import PreviewError, framing, framing_preview, make_preview

MB = 1024 * 1024
ORIENTATION = 0x0112


# --- corpus builders ---------------------------------------------------------------------


def encode(im: Image.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


def noisy(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """Gradients plus noise: photo-like, so files have realistic sizes and real entropy data."""
    w, h = size
    grad = Image.linear_gradient("L").resize(size, Image.Resampling.BILINEAR)
    other = Image.linear_gradient("L").rotate(90).resize(size, Image.Resampling.BILINEAR)
    noise = Image.effect_noise((max(1, w // 4), max(1, h // 4)), 40).resize(size)
    return Image.merge("RGB", (grad, other, noise)).convert(mode)


def png(w: int, h: int, mode: str = "RGB") -> bytes:
    return encode(noisy((w, h), mode), "PNG", compress_level=1)  # fast; still real deflate


def jpeg(w: int, h: int, *, orientation: int | None = None, marker: bool = False) -> bytes:
    """A JPEG; `marker` paints the stored top-left corner pure red to check rotation."""
    im = noisy((w, h))
    if marker:
        im.paste((255, 0, 0), (0, 0, w // 5, h // 5))
    exif = Image.Exif()
    if orientation:
        exif[ORIENTATION] = orientation
    return encode(im, "JPEG", quality=90, exif=exif)


def webp(w: int, h: int) -> bytes:
    return encode(noisy((w, h)), "WEBP", quality=80)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(w: int, h: int, *, real_data: bool) -> bytes:
    """A 1-bit PNG claiming w×h. With `real_data` the IDAT really decodes to that size (all
    zero rows compress ~1000:1, streamed so building it stays small); else a crafted IHDR."""
    ihdr = struct.pack(">IIBBBBB", w, h, 1, 0, 0, 0, 0)
    if real_data:
        z = zlib.compressobj(9)
        row = b"\0" * (1 + (w + 7) // 8)
        idat = b"".join(z.compress(row) for _ in range(h)) + z.flush()
    else:
        idat = zlib.compress(b"\0" * 64)
    signature = b"\x89PNG\r\n\x1a\n"
    return signature + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def jpeg_claiming(w: int, h: int) -> bytes:
    """A real small JPEG whose frame header (SOF0) is patched to claim w×h."""
    data = bytearray(jpeg(64, 64))
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, h, w)
    return bytes(data)


def webp_claiming(w: int, h: int) -> bytes:
    """An extended-format WebP header (VP8X) claiming a w×h canvas, no image data."""
    vp8x = b"\x00\x00\x00\x00" + (w - 1).to_bytes(3, "little") + (h - 1).to_bytes(3, "little")
    body = b"WEBP" + b"VP8X" + struct.pack("<I", len(vp8x)) + vp8x
    return b"RIFF" + struct.pack("<I", len(body)) + body


def flip_byte(data: bytes, index: int) -> bytes:
    out = bytearray(data)
    out[index] ^= 0xFF
    return bytes(out)


def assert_plain(message: str) -> None:
    """User-facing: a sentence in plain words, no exception names, codes or internals."""
    assert message[0].isupper() and message.endswith("."), message
    assert len(message) < 320, message
    for jargon in ("Error", "Exception", "Traceback", "PIL", "errno", "cannot identify", "None"):
        assert jargon not in message, message


# --- the corpus: (name, bytes factory, filename, expected) --------------------------------

Outcome = Literal["ok", "warn", "block"]
CASES: list[tuple[str, Callable[[], bytes], str, Outcome, str]] = [
    # name, factory, filename, outcome, a phrase the first error/warning must contain
    ("png 1280x720", lambda: png(1280, 720), "a.png", "ok", ""),
    ("jpeg 1024x1024", lambda: jpeg(1024, 1024), "a.jpg", "ok", ""),
    ("webp 720x1280", lambda: webp(720, 1280), "a.webp", "ok", ""),
    ("jpeg named .png", lambda: jpeg(640, 480), "photo.png", "ok", ""),
    ("rgba png", lambda: png(640, 480, "RGBA"), "a.png", "ok", ""),
    ("palette png", lambda: png(640, 480, "P"), "a.png", "ok", ""),
    ("grey png", lambda: png(640, 480, "L"), "a.png", "ok", ""),
    ("cmyk jpeg", lambda: encode(noisy((640, 480), "CMYK"), "JPEG"), "a.jpg", "warn", "CMYK"),
    ("200x200 small", lambda: png(200, 200), "a.png", "warn", "small (200 × 200"),
    ("3:1 shape", lambda: png(1500, 500), "a.png", "warn", "3.0:1"),
    ("1:3 shape", lambda: png(500, 1500), "a.png", "warn", "1:3.0"),
    (
        "11 MB (data after end)",
        lambda: jpeg(800, 600) + b"\0" * (11 * MB),
        "a.jpg",
        "warn",
        "under 10 MB",
    ),
    ("100x100 tiny", lambda: png(100, 100), "a.png", "block", "at least 128 pixels"),
    ("5:1 shape", lambda: png(2000, 400), "a.png", "block", "5.0:1 shape"),
    ("1:5 shape", lambda: png(400, 2000), "a.png", "block", "1:5.0 shape"),
    ("0 bytes", lambda: b"", "a.png", "block", "empty (0 bytes)"),
    (
        "gif named .png",
        lambda: encode(noisy((400, 400)), "GIF"),
        "a.png",
        "block",
        "a GIF image, even though it is named .png",
    ),
    (
        "text named .png",
        lambda: b"hello, this is not a picture\n",
        "a.png",
        "block",
        "not an image, even though it is named .png",
    ),
    ("bmp", lambda: encode(noisy((400, 400)), "BMP"), "a.bmp", "block", "a BMP image."),
    ("random bytes", lambda: bytes(range(256)) * 40, "a.jpg", "block", "not an image"),
    (
        "png signature + garbage",
        lambda: b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
        "a.png",
        "block",
        "damaged",
    ),
    (
        "truncated png",
        lambda: (lambda d: d[: len(d) * 6 // 10])(png(800, 600)),
        "a.png",
        "block",
        "ends before the picture is complete",
    ),
    (
        "truncated jpeg",
        lambda: (lambda d: d[: len(d) * 6 // 10])(jpeg(800, 600)),
        "a.jpg",
        "block",
        "ends before the picture is complete",
    ),
    (
        "jpeg without end marker",
        lambda: jpeg(800, 600)[:-2],
        "a.jpg",
        "block",
        "ends before the picture is complete",
    ),
    (
        "png with a flipped byte",
        lambda: (lambda d: flip_byte(d, len(d) // 2))(png(800, 600)),
        "a.png",
        "block",
        "fails an integrity check",
    ),
    (
        "truncated webp",
        lambda: (lambda d: d[: len(d) // 2])(webp(800, 600)),
        "a.webp",
        "block",
        "damaged",
    ),
    (
        "animated gif",
        lambda: encode(noisy((400, 400)), "GIF", save_all=True, append_images=[noisy((400, 400))]),
        "a.gif",
        "block",
        "a GIF image",
    ),
    (
        "animated webp",
        lambda: encode(noisy((400, 400)), "WEBP", save_all=True, append_images=[noisy((400, 400))]),
        "a.webp",
        "block",
        "animated (2 frames)",
    ),
    (
        "animated png",
        lambda: encode(noisy((400, 400)), "PNG", save_all=True, append_images=[noisy((400, 400))]),
        "a.png",
        "block",
        "animated (2 frames)",
    ),
    (
        "png bomb 50000²",
        lambda: png_bomb(50000, 50000, real_data=False),
        "a.png",
        "block",
        "huge size",
    ),
    ("png bomb 9000² real", lambda: png_bomb(9000, 9000, real_data=True), "a.png", "block", "81"),
    ("jpeg bomb 60000²", lambda: jpeg_claiming(60000, 60000), "a.jpg", "block", "huge size"),
    ("webp bomb 12000²", lambda: webp_claiming(12000, 12000), "a.webp", "block", "huge size"),
]


@pytest.mark.parametrize(
    ("factory", "filename", "outcome", "phrase"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_corpus(factory: Callable[[], bytes], filename: str, outcome: Outcome, phrase: str) -> None:
    report = inspect_image(factory(), filename=filename)
    assert report.ok == (outcome != "block"), report
    if outcome == "ok":
        assert report.warnings == [], report
    if outcome == "warn":
        assert report.errors == [] and report.warnings, report
        assert phrase in report.warnings[0]
    if outcome == "block":
        assert phrase in report.errors[0], report.errors
    for message in report.errors + report.warnings:
        assert_plain(message)


def test_good_report_fields() -> None:
    report = inspect_image(webp(720, 1280), filename="x.webp")
    assert (report.format, report.content_type) == ("WEBP", "image/webp")
    assert (report.width, report.height, report.frames) == (720, 1280, 1)
    assert report.size_bytes > 0 and not report.orientation_applied


@pytest.mark.parametrize(("orientation", "swapped"), [(1, False), (3, False), (6, True), (8, True)])
def test_exif_orientation_reports_displayed_dims(orientation: int, swapped: bool) -> None:
    report = inspect_image(jpeg(400, 300, orientation=orientation))
    assert (report.width, report.height) == ((300, 400) if swapped else (400, 300))
    assert report.orientation_applied == (orientation != 1)


def test_camera_mpo_counts_as_a_still_jpeg() -> None:
    mpo = encode(noisy((640, 480)), "MPO", save_all=True, append_images=[noisy((640, 480))])
    report = inspect_image(mpo, filename="IMG_1.JPG")
    assert report.ok and (report.format, report.content_type, report.frames) == (
        "JPEG",
        "image/jpeg",
        1,
    )


def test_over_50_mb_blocked_from_path_and_stream_without_holding_it(tmp_path: Path) -> None:
    big = tmp_path / "big.png"
    big.write_bytes(png(640, 480) + b"\0" * (50 * MB + 1))
    from_path = inspect_image(big)
    assert not from_path.ok and "the limit is 50 MB" in from_path.errors[0]
    assert from_path.format == "PNG" and from_path.width == 640  # header still read
    stream = io.BytesIO(big.read_bytes())
    stream.seek(0)
    assert inspect_image(stream).errors == from_path.errors
    assert stream.tell() == 0  # position restored


def test_stream_position_is_restored() -> None:
    stream = io.BytesIO(b"xx" + png(300, 300))
    stream.seek(2)
    assert inspect_image(stream).ok
    assert stream.tell() == 2


def test_decompression_bomb_warning_as_error_is_still_a_plain_refusal() -> None:
    # 9500² = 90 MP: over Pillow's warning threshold; some setups turn warnings into errors.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        report = inspect_image(jpeg_claiming(9500, 9500))
    assert not report.ok
    assert_plain(report.errors[0])


BOMBS = {
    "png-crafted": lambda: png_bomb(50000, 50000, real_data=False),
    "png-real": lambda: png_bomb(9000, 9000, real_data=True),
    "jpeg": lambda: jpeg_claiming(60000, 60000),
    "webp": lambda: webp_claiming(12000, 12000),
}


@pytest.mark.parametrize("kind", sorted(BOMBS))
def test_bombs_are_never_decoded(kind: str) -> None:
    data = BOMBS[kind]()
    tracemalloc.start()
    try:
        report = inspect_image(data)
        with pytest.raises(PreviewError) as refused:
            make_preview(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert not report.ok
    assert_plain(refused.value.message)
    assert peak < 50 * MB


def test_bombs_keep_process_memory_bounded(tmp_path: Path) -> None:
    """tracemalloc misses Pillow's C allocations, so also watch the peak RSS of a process."""
    paths = []
    for kind, factory in BOMBS.items():
        path = tmp_path / kind
        path.write_bytes(factory())
        paths.append(str(path))
    # ru_maxrss is inherited from the parent across fork/exec, so read this process's own
    # VmHWM, reset to the current RSS by writing 5 to clear_refs (Linux).
    script = """
import json, sys
from pathlib import Path
from modelhunter.images import inspect_image
from playground.preview import PreviewError, make_preview

def status_kb(key):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(key + ":"))

with open("/proc/self/clear_refs", "w") as refs:
    refs.write("5")
before = status_kb("VmRSS")
for p in sys.argv[1:]:
    assert not inspect_image(Path(p)).ok
    try:
        make_preview(Path(p))
    except PreviewError:
        pass
json.dump({"delta_kb": status_kb("VmHWM") - before}, sys.stdout)
"""
    out = subprocess.run(
        [sys.executable, "-c", script, *paths],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert json.loads(out.stdout)["delta_kb"] < 50 * 1024


# --- previews ------------------------------------------------------------------------------


def open_jpeg(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    assert im.format == "JPEG"
    return im


def red_at(im: Image.Image, x: int, y: int) -> bool:
    r, g, b = im.convert("RGB").getpixel((x, y))  # type: ignore[misc]
    return r > 200 and g < 60 and b < 60


@pytest.fixture(scope="module")
def photo_48mp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("photos") / "48mp.jpg"
    path.write_bytes(jpeg(8000, 6000, orientation=8, marker=True))
    return path


def test_preview_12mp_rotated_6() -> None:
    data = jpeg(4000, 3000, orientation=6, marker=True)
    im = open_jpeg(make_preview(data))
    assert im.size == (768, 1024) and im.mode == "RGB"
    # orientation 6 = rotate 90° clockwise: the stored top-left ends top-right
    assert red_at(im, im.width - 10, 10) and not red_at(im, 10, 10)


def test_preview_48mp_rotated_8(photo_48mp: Path) -> None:
    report = inspect_image(photo_48mp)
    assert report.ok and (report.width, report.height) == (6000, 8000)
    preview = make_preview(photo_48mp)
    im = open_jpeg(preview)
    assert im.size == (768, 1024)
    # orientation 8 = rotate 90° counter-clockwise: the stored top-left ends bottom-left
    assert red_at(im, 10, im.height - 10) and not red_at(im, 10, 10)
    # speed is measured by bench/bench_images.py, not asserted here (no wall-clock tests)


def test_preview_small_and_alpha_images() -> None:
    rgba = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    im = open_jpeg(make_preview(encode(rgba, "PNG")))
    assert im.size == (300, 200)
    assert im.getpixel((5, 5)) >= (250, 250, 250)  # transparent shows as white, not black
    sixteen_bit = Image.new("I;16", (400, 300), 65535)
    assert open_jpeg(make_preview(encode(sixteen_bit, "PNG"))).getpixel((5, 5)) >= (250, 250, 250)
    cmyk = open_jpeg(make_preview(encode(noisy((640, 480), "CMYK"), "JPEG")))
    assert cmyk.mode == "RGB"
    assert open_jpeg(make_preview(webp(2000, 1000), max_side=512)).size == (512, 256)


@pytest.mark.parametrize(
    ("data", "phrase"),
    [(b"", "empty"), (b"plain text", "not an image"), (jpeg(800, 600)[:3000], "damaged")],
    ids=["empty", "text", "truncated-jpeg"],
)
def test_preview_refusals_are_plain(data: bytes, phrase: str) -> None:
    with pytest.raises(PreviewError) as refused:
        make_preview(data)
    assert phrase in refused.value.message
    assert_plain(refused.value.message)


# --- framing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "ratio", "box", "kept", "text"),
    [
        (
            (4000, 3000),
            "16:9",
            (0, 375, 4000, 2625),
            0.75,
            "The top and bottom 12% are cropped to fit 16:9.",
        ),
        (
            (1920, 1080),
            "9:16",
            (656, 0, 1264, 1080),
            608 / 1920,
            "The left and right 34% are cropped to fit 9:16.",
        ),
        ((1920, 1080), "16:9", (0, 0, 1920, 1080), 1.0, "The whole image fits 16:9; nothing"),
        ((3000, 4000), "1:1", (0, 500, 3000, 3500), 0.75, "The top and bottom 12% are cropped"),
        ((1000, 1001), "1:1", (0, 0, 1000, 1000), 1000 / 1001, "A thin strip (under 1%) at the"),
    ],
)
def test_framing_known_sizes(
    size: tuple[int, int], ratio: AspectRatio, box: tuple[int, ...], kept: float, text: str
) -> None:
    f = framing(*size, ratio)
    assert (f.left, f.top, f.right, f.bottom) == box
    assert f.kept_fraction == pytest.approx(kept)
    assert f.description.startswith(text)
    assert_plain(f.description)


@given(
    st.integers(1, 20000),
    st.integers(1, 20000),
    st.sampled_from(["16:9", "9:16", "1:1"]),
)
def test_framing_is_a_centered_cover_crop(w: int, h: int, ratio: AspectRatio) -> None:
    f = framing(w, h, ratio)
    rw, rh = (int(x) for x in ratio.split(":"))
    assert 0 <= f.left < f.right <= w and 0 <= f.top < f.bottom <= h
    assert (f.right - f.left == w) or (f.bottom - f.top == h)  # one side kept whole
    assert abs(f.left - (w - f.right)) <= 1 and abs(f.top - (h - f.bottom)) <= 1
    kw, kh = f.right - f.left, f.bottom - f.top
    assert abs(kw * rh - kh * rw) <= max(rw, rh)  # within a pixel of the target shape
    assert 0 < f.kept_fraction <= 1


def test_framing_rejects_unknown_ratio() -> None:
    with pytest.raises(ValueError, match="Unknown aspect ratio"):
        framing(100, 100, "4:3")  # type: ignore[arg-type]


def test_framing_preview_dims_outside_and_keeps_inside() -> None:
    preview = make_preview(encode(Image.new("RGB", (1600, 900), (200, 200, 200)), "PNG"))
    out = Image.open(io.BytesIO(framing_preview(preview, "9:16"))).convert("RGB")
    assert out.size == (1024, 576)
    f = framing(1024, 576, "9:16")
    inside = out.getpixel(((f.left + f.right) // 2, 288))
    outside = out.getpixel((f.left // 2, 288))
    edge = out.getpixel((f.left, 288))
    assert inside[0] > 180 and outside[0] < 110 and edge[0] > 240  # type: ignore[index]


def test_public_surface_and_no_streamlit() -> None:
    assert sorted(images.__all__) == images.__all__
    assert set(images.__all__) == {
        "ACCEPTED_FORMATS",
        "BOMB_ERRORS",
        "BOMB_MESSAGE",
        "EXTENSION_FOR_TYPE",
        "MAX_BYTES",
        "MAX_PIXELS",
        "MB",
        "MIN_SIDE",
        "PIL_ERRORS",
        "ImageReport",
        "ImageSource",
        "exif_orientation",
        "format_size",
        "inspect_image",
        "read_source",
        "webp_size",
    }
    code = "import sys, modelhunter.images; assert 'streamlit' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])
