"""Showing untrusted text (prompts, API messages, metadata) as text, never as markup."""

from __future__ import annotations

import re

__all__ = ["md_escape"]

# Inline markdown/HTML, Streamlit's `:color[...]` / `:material/icon:` directives, math.
_INLINE = re.compile(r"([\\`*_\[\]<>#~$|:])")
# Block markers only matter at the start of a line: lists, quotes, headings, rules.
_LINE_START = re.compile(r"^(\s*)([-+=>]|\d+[.)])", re.MULTILINE)
# GFM turns bare `www.` addresses into links even without a scheme.
_WWW = re.compile(r"(?i)\bwww\.")


def md_escape(text: str) -> str:
    """Escape text so that Streamlit's markdown renders it literally (no links, no HTML)."""
    escaped = _INLINE.sub(r"\\\1", str(text))
    escaped = _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)
    return _WWW.sub(lambda m: m.group(0)[:3] + "\\.", escaped)
