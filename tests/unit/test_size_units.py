"""One size unit everywhere: a file is "46.0 MB" in every message, and the limits agree.

MB here is 1,000,000 bytes: the unit of the API's "50 MB" image limit and of the browser's
upload box (Streamlit's uploader counts `server.maxUploadSize` in those units).
"""

from __future__ import annotations

import io
import tomllib
from pathlib import Path

import pytest
from PIL import Image

from components.image_input import _describe
from modelhunter.images import MAX_BYTES, MB, format_size, inspect_image
from playground.remote_image import DEFAULT_MAX_BYTES

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 bytes"),
        (999, "999 bytes"),
        (1000, "1 KB"),
        (850_400, "850 KB"),
        (999_600, "1.0 MB"),
        (46_000_001, "46.0 MB"),
        (45_949_999, "45.9 MB"),
        (10_000_000, "10 MB"),
        (50 * MB, "50 MB"),
    ],
)
def test_format_size(size: int, text: str) -> None:
    assert format_size(size) == text


def test_the_same_file_has_the_same_size_in_every_message() -> None:
    """A 46,000,123-byte file (43.9 MiB): the warning and the caption both say 46.0 MB."""
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 120, 150)).save(buf, "PNG")
    data = buf.getvalue() + b"\0" * (46_000_123 - len(buf.getvalue()))  # data after IEND
    report = inspect_image(data, filename="big.png")
    assert report.ok, report
    assert "This file is 46.0 MB; Kling prefers images under 10 MB" in report.warnings[0]
    assert "· 46.0 MB ·" in _describe(report, "big.png")


def test_over_the_limit_message_and_every_cap_use_the_api_limit() -> None:
    report = inspect_image(b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_BYTES)
    assert report.errors[0].startswith("This file is 50.0 MB; the limit is 50 MB.")
    assert MAX_BYTES == 50_000_000
    assert DEFAULT_MAX_BYTES == MAX_BYTES  # an image URL is fetched up to the same limit
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    # the upload box lets a little more through, so our check (above) refuses a 56 MB file
    # in the app's words; only far bigger files meet the box's own terse refusal
    assert MAX_BYTES < config["server"]["maxUploadSize"] * MB <= MAX_BYTES + 20 * MB
