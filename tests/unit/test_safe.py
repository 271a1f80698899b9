"""Untrusted text is escaped so Streamlit's markdown shows it literally."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.safe import md_escape

HOSTILE = [
    "[click me](https://evil.example/steal)",
    "![pixel](https://evil.example/p.png)",
    "<img src=x onerror=alert(1)>",
    "**bold** _it_ `code` ~~gone~~",
    ":red[alarm] :material/warning: $x^2$",
    "# Heading\n- item\n1. first\n> quote\n===",
    "see https://evil.example and www.evil.example",
]


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


@pytest.mark.parametrize("text", HOSTILE)
def test_markup_is_neutralised(text: str) -> None:
    out = md_escape(text)
    assert _unescape(out) == text, "the user still reads exactly what was written"
    assert not re.search(r"(?<!\\)[\[\]<>*_`~$:#|]", out), out
    assert "https\\://" in out or "https" not in text
    assert "www\\." in out or "www" not in text
    for line in out.splitlines():
        assert not re.match(r"\s*([-+=>]|\d+[.)])", line), line


@given(st.text(max_size=200))
def test_escaping_is_lossless(text: str) -> None:
    assert _unescape(md_escape(text)) == text
