"""Phone layout (narrow screens, below Streamlit's 640 px column break), in CSS only.

- Generate, with the price in its label, floats at the bottom of the screen: reachable
  without scrolling past the whole form (the form keeps its order); without its keyboard
  shortcut hint. The model choice shows one option a line.
- A table drawn as rows of `st.columns` (History) becomes one labelled card per row: the
  header row is hidden and each cell says what it is ("Status  succeeded").

The selectors use Streamlit's `data-testid`s and the `st-key-…` classes of keyed elements.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import streamlit as st

__all__ = ["PHONE_MAX_PX", "render_phone_css", "render_table_labels"]

PHONE_MAX_PX = 640  # Streamlit stacks columns below this width
_PHONE = f"@media (max-width: {PHONE_MAX_PX}px)"


def render_phone_css(generate_key: str, model_key: str = "model_choice") -> None:
    """The layout rules every page needs on a phone (`generate_key`: the Generate button,
    `model_key`: the model choice)."""
    st.html(
        f"""<style>{_PHONE} {{
  .st-key-{generate_key} {{
    position: fixed; left: 1rem; right: 1rem; bottom: max(1rem, env(safe-area-inset-bottom));
    z-index: 1000; width: auto !important;
    box-shadow: 0 0.25rem 1.5rem rgba(0, 0, 0, 0.6); border-radius: 0.5rem;
    background: rgba(24, 23, 22, 0.94); backdrop-filter: blur(6px);  /* also when disabled */
  }}
  .st-key-{generate_key} button {{ min-height: 3rem; }}
  .st-key-{generate_key} kbd {{ display: none; }}  /* "Ctrl + Enter": no keyboard here */
  /* the model choice: one full-width option a line, not two rows that wrap askew */
  .st-key-{model_key} [role="radiogroup"] {{
    flex-direction: column; align-items: stretch; gap: 0.4rem;
  }}
  .st-key-{model_key} [role="radiogroup"] > button {{
    margin: 0 !important; width: 100%; border-radius: 0.5rem !important;
  }}
  [data-testid="stMainBlockContainer"] {{ padding-bottom: 6rem; }}
}}</style>"""
    )


def render_table_labels(columns: Sequence[str]) -> None:
    """On a phone, rows of `len(columns)` columns become labelled cards (empty names: none)."""
    row = (
        '[data-testid="stMain"] [data-testid="stHorizontalBlock"]'
        f':has(> [data-testid="stColumn"]:nth-child({len(columns)}))'
        f':not(:has(> [data-testid="stColumn"]:nth-child({len(columns) + 1})))'
    )
    cells = "\n".join(
        f'  {row} > [data-testid="stColumn"]:nth-child({n})::before '
        f"{{ content: {json.dumps(name)}; }}"
        for n, name in enumerate(columns, start=1)
        if name
    )
    st.html(
        f"""<style>{_PHONE} {{
  {row}:not(:has([data-testid="stText"])) {{ display: none; }}
  {row} {{ border-top: 1px solid rgba(128, 128, 128, 0.35); padding-top: 0.6rem; gap: 0.2rem; }}
  {row} > [data-testid="stColumn"] {{
    display: flex; flex-direction: row; align-items: baseline; gap: 0.75rem;
  }}
  {row} > [data-testid="stColumn"] > [data-testid="stVerticalBlock"] {{
    flex: 1 1 0; min-width: 0;
  }}
  {row} > [data-testid="stColumn"]::before {{
    flex: 0 0 4.5rem; font-size: 0.8rem; opacity: 0.65;
  }}
{cells}
}}</style>"""
    )
