"""Showing untrusted text (prompts, API messages, metadata) as text, never as markup."""

from __future__ import annotations

import re

__all__ = ["WORD_JOINER", "md_escape"]

# Inline markdown/HTML, Streamlit's `:color[...]` / `:material/icon:` directives, math.
_INLINE = re.compile(r"([\\`*_\[\]<>#~$|:])")
# Block markers only matter at the start of a line: lists, quotes, headings, rules.
_LINE_START = re.compile(r"^(\s*)([-+=>]|\d+[.)])", re.MULTILINE)
#: Invisible, zero-width, and no line break at it: a URL still reads and wraps as one word.
WORD_JOINER = "\u2060"
# Streamlit's markdown (remark-gfm, remark-emoji) turns bare `https://…`, `www.…` and
# `name@host.tld` into links, and `:smile:` into an emoji, by searching the text *after*
# backslash escapes are resolved, so escaping cannot stop them. A word joiner inside each
# trigger does: `https:⁠//`, `www⁠.`, `bob@⁠example.com`, `:⁠smile:`.
_AUTOLINK = re.compile(r"(?<=:)(?=[/\w+-])|(?i:(?<=www))(?=\.)|(?<=@)(?=[-\w])")


def md_escape(text: str) -> str:
    """Escape text so that Streamlit's markdown renders it literally: no links (not even
    bare URLs or e-mail addresses), no emoji shortcodes, no HTML. The text reads the same;
    invisible word joiners (`WORD_JOINER`) are what breaks the automatic links."""
    joined = _AUTOLINK.sub(WORD_JOINER, str(text))
    escaped = _INLINE.sub(r"\\\1", joined)
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)
