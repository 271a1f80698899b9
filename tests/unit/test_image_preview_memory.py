"""Previews decode within a fixed memory budget, whatever the image claims (issue 11).

A 0.5 MB 16-bit RGBA PNG of 8000×8000 pixels (under the 80 MP cap) used to take the server
from ~300 MB to ~725 MB while its preview was made; now large PNGs are decoded a strip at a
time, and what cannot be decoded reduced gets no preview instead of the memory.
"""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image

from modelhunter.images import inspect_image
from playground import _png_strips
from playground import preview as preview_module
from playground.preview import PreviewError, make_preview

ROOT = Path(__file__).resolve().parents[2]


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_file(w: int, h: int, depth: int, colour_type: int, idat: bytes, *extra: bytes) -> bytes:
    ihdr = struct.pack(">IIBBBBB", w, h, depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + b"".join(extra)
        + chunk(b"IDAT", idat)
        + chunk(b"IEND", b"")
    )


def huge_uniform_png(w: int, h: int) -> bytes:
    """A 16-bit RGBA PNG of w×h, built fast: one block of rows deflated once and repeated
    (each copy ends with a full flush, so it refers to nothing before it)."""
    rows_per_block = 50
    assert h % rows_per_block == 0
    row = b"\x00" + bytes([0x7F, 0x00, 0x40, 0x00, 0x20, 0x00, 0xFF, 0xFF]) * w
    block = row * rows_per_block
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    adler = 1
    for _ in range(h // rows_per_block):
        adler = zlib.adler32(block, adler)
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush()  # an empty last block
    idat = b"\x78\xda" + segment * (h // rows_per_block) + final + struct.pack(">I", adler)
    return png_file(w, h, 16, 6, idat)


def _filter_rows(raw_rows: list[bytes], bpp: int) -> bytes:
    """PNG-filter rows, cycling None, Sub, Up, Average and Paeth (pure Python, small images)."""
    out = bytearray()
    prior = bytes(len(raw_rows[0]))
    for y, row in enumerate(raw_rows):
        kind = y % 5
        out.append(kind)
        for x, value in enumerate(row):
            a = row[x - bpp] if x >= bpp else 0
            b = prior[x]
            c = prior[x - bpp] if x >= bpp else 0
            if kind == 0:
                guess = 0
            elif kind == 1:
                guess = a
            elif kind == 2:
                guess = b
            elif kind == 3:
                guess = (a + b) // 2
            else:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                guess = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            out.append((value - guess) % 256)
        prior = row
    return bytes(out)


def filtered_png(w: int, h: int, depth: int, colour_type: int, *extra: bytes) -> bytes:
    """A w×h PNG of pseudo-random samples, every filter type used."""
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour_type]
    row_bytes = (w * channels * depth + 7) // 8
    seed = 12345
    rows = []
    for _ in range(h):
        row = bytearray()
        for _ in range(row_bytes):
            seed = (seed * 1103515245 + 12345) % 2**31
            row.append((seed >> 16) & 0xFF)
        rows.append(bytes(row))
    if colour_type == 3:  # indexes must stay inside the palette
        rows = [bytes(v % 2 ** min(depth, 4) for v in r) if depth < 8 else r for r in rows]
    bpp = max(1, channels * depth // 8)
    return png_file(w, h, depth, colour_type, zlib.compress(_filter_rows(rows, bpp)), *extra)


def pillow_png(mode: str, size: tuple[int, int] = (97, 61), **params: object) -> bytes:
    im = Image.effect_noise(size, 90).convert(mode) if mode != "I;16" else None
    if im is None:
        im = Image.effect_noise(size, 90).convert("I").point(lambda v: v * 257)
        im = im.convert("I;16")
    buf = io.BytesIO()
    im.save(buf, "PNG", **params)
    return buf.getvalue()


PALETTE = chunk(b"PLTE", bytes(range(48)))
KINDS = {
    "rgb8": lambda: pillow_png("RGB"),
    "rgba8": lambda: pillow_png("RGBA"),
    "grey8": lambda: pillow_png("L"),
    "grey-alpha8": lambda: pillow_png("LA"),
    "palette8": lambda: pillow_png("P"),
    "palette-transparent": lambda: pillow_png("P", transparency=3),
    "bilevel": lambda: pillow_png("1"),
    "grey16": lambda: pillow_png("I;16"),
    "rgba16-filtered": lambda: filtered_png(37, 23, 16, 6),
    "rgb16-filtered": lambda: filtered_png(37, 23, 16, 2),
    "grey-alpha16-filtered": lambda: filtered_png(37, 23, 16, 4),
    "grey4-filtered": lambda: filtered_png(37, 23, 4, 0),
    "palette2-filtered": lambda: filtered_png(37, 23, 2, 3, PALETTE),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("factor", [1, 2, 3])
def test_strip_decode_matches_a_whole_decode(
    kind: str, factor: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tiny strips (a few rows each) give the very pixels of decoding the whole file."""
    data = KINDS[kind]()
    monkeypatch.setattr(_png_strips, "STRIP_BYTES", 200)
    header = _png_strips.png_header(data)
    assert header is not None
    strips = _png_strips.decode_reduced(data, header, factor)
    whole = Image.open(io.BytesIO(data))
    if whole.mode.startswith("I;16"):  # what a preview shows of 16 bits: the high byte
        whole = Image.frombytes("L", whole.size, whole.tobytes("raw", "I;16B")[0::2])
    whole = whole.convert(strips.mode)
    assert strips.size == (-(-whole.width // factor), -(-whole.height // factor))
    assert strips.tobytes() == whole.reduce(factor).tobytes()


def test_16_bit_rgba_8000px_preview_keeps_server_memory_bounded(tmp_path: Path) -> None:
    """The reported file: 8000×8000 16-bit RGBA (0.5 MB). Peak RSS of a fresh process."""
    path = tmp_path / "big16.png"
    path.write_bytes(huge_uniform_png(8000, 8000))
    assert path.stat().st_size < 1_000_000
    report = inspect_image(path)
    assert report.ok and (report.width, report.height) == (8000, 8000), report
    script = """
import io, json, sys
from pathlib import Path
from PIL import Image
from playground.preview import make_preview

def status_kb(key):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(key + ":"))

data = Path(sys.argv[1]).read_bytes()
with open("/proc/self/clear_refs", "w") as refs:
    refs.write("5")  # VmHWM := current RSS (Linux)
before = status_kb("VmRSS")
preview = Image.open(io.BytesIO(make_preview(data)))
pixel = preview.getpixel((500, 500))
json.dump({"delta_kb": status_kb("VmHWM") - before, "size": preview.size, "pixel": pixel},
          sys.stdout)
"""
    out = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    result = json.loads(out.stdout)
    assert result["delta_kb"] < 64 * 1024, f"preview took {result['delta_kb'] // 1024} MB"
    assert tuple(result["size"]) == (1024, 1024)
    # 16-bit (0x7f00, 0x4000, 0x2000) fully opaque: the high bytes, JPEG-close
    pixel = result["pixel"]
    assert all(abs(got - want) <= 3 for got, want in zip(pixel, (127, 64, 32), strict=True))


def test_large_png_preview_looks_like_the_image(monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the strip path (a tiny budget forces it): right size, orientation, colours."""
    im = Image.new("RGB", (1200, 800), (0, 0, 255))
    im.paste((255, 0, 0), (0, 0, 240, 160))  # red top-left corner
    buf = io.BytesIO()
    im.save(buf, "PNG")
    monkeypatch.setattr(preview_module, "PREVIEW_MEMORY_BUDGET", 1_000_000)
    preview = Image.open(io.BytesIO(make_preview(buf.getvalue(), max_side=300))).convert("RGB")
    assert preview.size == (300, 200)
    r, _, b = preview.getpixel((10, 10))  # type: ignore[misc]
    assert r > 200 and b < 60
    r, _, b = preview.getpixel((290, 190))  # type: ignore[misc]
    assert b > 200 and r < 60


def _webp_claiming(w: int, h: int) -> bytes:
    vp8x = b"\x00\x00\x00\x00" + (w - 1).to_bytes(3, "little") + (h - 1).to_bytes(3, "little")
    body = b"WEBP" + b"VP8X" + struct.pack("<I", len(vp8x)) + vp8x
    return b"RIFF" + struct.pack("<I", len(body)) + body


def test_what_cannot_be_decoded_reduced_gets_no_preview_instead_of_memory() -> None:
    """A 9000×8000 WebP (72 MP, allowed) would be decoded whole: refused, in plain words."""
    with pytest.raises(PreviewError) as refused:
        make_preview(_webp_claiming(9000, 8000))
    message = refused.value.message
    assert "too large to preview" in message and "9000 × 8000" in message
    assert "can be sent" in message


def test_interlaced_png_over_budget_gets_no_preview(monkeypatch: pytest.MonkeyPatch) -> None:
    """Adam7 stores rows out of order, so it cannot be decoded in strips."""
    data = bytearray(filtered_png(600, 400, 8, 2))  # (Pillow cannot write interlaced PNGs)
    data[28] = 1  # IHDR interlace method: Adam7
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    monkeypatch.setattr(preview_module, "PREVIEW_MEMORY_BUDGET", 100_000)
    with pytest.raises(PreviewError, match="too large to preview"):
        make_preview(bytes(data))


def test_damaged_data_in_a_strip_decode_is_a_plain_refusal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = pillow_png("RGB", (400, 300))
    cut = data[: len(data) // 2] + chunk(b"IEND", b"")
    monkeypatch.setattr(preview_module, "PREVIEW_MEMORY_BUDGET", 10_000)
    with pytest.raises(PreviewError, match="damaged"):
        make_preview(cut)


def _progressive_jpeg(w: int, h: int) -> bytes:
    buf = io.BytesIO()
    Image.effect_noise((w, h), 40).convert("RGB").save(buf, "JPEG", progressive=True)
    return buf.getvalue()


def test_large_progressive_jpeg_gets_no_preview_small_one_does() -> None:
    """A progressive JPEG keeps all its coefficients while decoding (3 bytes a pixel at
    4:2:0), however small the output: 6000×4000 would need 72 MB, so it is refused from
    its header; a 1600×1200 one previews normally."""
    data = bytearray(_progressive_jpeg(64, 64))
    sof = data.index(b"\xff\xc2")  # SOF2: progressive frame header
    struct.pack_into(">HH", data, sof + 5, 4000, 6000)
    with pytest.raises(PreviewError, match="too large to preview") as refused:
        make_preview(bytes(data))
    assert "6000 × 4000" in refused.value.message
    preview = Image.open(io.BytesIO(make_preview(_progressive_jpeg(1600, 1200), max_side=400)))
    assert preview.size == (400, 300)
