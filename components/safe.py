"""Showing untrusted text (prompts, API messages, metadata) as text, never as markup."""

from __future__ import annotations

import re

__all__ = ["md_escape"]

_MARKDOWN = re.compile(r"([\\`*_\[\]<>#~$|])")


def md_escape(text: str) -> str:
    """Escape every markdown/HTML-significant character so the text renders literally."""
    return _MARKDOWN.sub(r"\\\1", str(text))
