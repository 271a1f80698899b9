"""Untrusted text is escaped so Streamlit's markdown shows it literally."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import streamlit
from hypothesis import given
from hypothesis import strategies as st

from components.safe import WORD_JOINER, md_escape

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
    return re.sub(r"\\(.)", r"\1", text).replace(WORD_JOINER, "")


def _resolved(markdown: str) -> str:
    """The text node markdown makes of our output: backslash escapes resolved (CommonMark
    escapes ASCII punctuation only); word joiners stay, as they do in the browser."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


# What Streamlit's markdown searches the resolved text for (remark-gfm's autolink literals,
# remark-emoji's shortcodes), as found in its bundle; see the test below that it still is.
AUTOLINK_SOURCES = [
    r"/(https?:\/\/|www(?=\.))([-.\w]+)([^ \t\r\n]*)/gi",
    r"/(?<=^|\s|\p{P}|\p{S})([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)/gu",
    r"/:\+1:|:-1:|:[\w-]+:/g",
]
AUTOLINKS = [
    re.compile(r"(?i)(https?://|www(?=\.))[-.\w]+"),
    re.compile(r"[-.\w+]+@[-\w]+(?:\.[-\w]+)+"),  # without the look-behind: stricter
    re.compile(r":\+1:|:-1:|:[\w-]+:"),
]
BARE = [
    "see https://evil.example/x",
    "mail bob@example.com",
    "mailto:bob@example.com now",
    "visit www.evil.example or WWW.EVIL.EXAMPLE",
    "(http://a.example) and HTTPS://B.EXAMPLE/p?q=1",
    "x https://www.evil.example/y",
    "first.last+tag@mail.example.co.uk",
    ":smile: :+1: :-1: :material/warning:",
]


@pytest.mark.parametrize("text", BARE)
def test_bare_urls_emails_and_shortcodes_are_not_linked(text: str) -> None:
    assert any(p.search(text) for p in AUTOLINKS), "the raw text would be linked"
    shown = _resolved(md_escape(text))
    assert not any(p.search(shown) for p in AUTOLINKS), repr(shown)
    assert shown.replace(WORD_JOINER, "") == text, "it still reads exactly as written"


def test_streamlit_still_links_what_we_guard_against() -> None:
    """If Streamlit's markdown changes its automatic links, this says so (update BARE)."""
    js = Path(streamlit.__file__).parent / "static" / "static" / "js"
    bundles = [*js.glob("StreamlitMarkdown*.js"), *js.glob("remark-emoji*.js")]
    source = "".join(path.read_text(encoding="utf-8") for path in bundles)
    for pattern in AUTOLINK_SOURCES:
        assert pattern in source, pattern


@pytest.mark.parametrize("text", HOSTILE)
def test_markup_is_neutralised(text: str) -> None:
    out = md_escape(text)
    assert _unescape(out) == text, "the user still reads exactly what was written"
    assert not re.search(r"(?<!\\)[\[\]<>*_`~$:#|]", out), out
    assert not any(p.search(_resolved(out)) for p in AUTOLINKS), out
    for line in out.splitlines():
        assert not re.match(r"\s*([-+=>]|\d+[.)])", line), line


@given(st.text(st.characters(exclude_characters=WORD_JOINER), max_size=200))
def test_escaping_is_lossless(text: str) -> None:
    assert _unescape(md_escape(text)) == text
