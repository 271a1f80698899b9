"""Clips shown to be watched keep playing, muted and looping (presentation, result links).

A clip that a redraw puts back at 0:00 paused (a new layout, a first load whose autoplay lost
the race) is started again; one the viewer paused part-way stays paused.
"""

from __future__ import annotations

import streamlit as st

__all__ = ["keep_playing"]

_KEEP_PLAYING_JS = r"""
export default function({ data }) {
  const keep = () => document.querySelectorAll(data.selector).forEach(v => {
    v.muted = true; v.loop = true;
    if (v.paused && v.currentTime < 0.05 && v.readyState >= 2) v.play().catch(() => {});
    if (v.__kpKept) return;
    v.__kpKept = true;
    v.addEventListener('loadeddata', () => v.play().catch(() => {}));
  });
  keep();
  clearInterval(window.__kpPresentKeeper);
  window.__kpPresentKeeper = setInterval(keep, 300);
}
"""
_component = st.components.v2.component("kp_present_keep_playing", js=_KEEP_PLAYING_JS)


def keep_playing(selector: str, *, key: str) -> None:
    """Keep the `<video>` elements matching the CSS `selector` playing (see the module)."""
    _component(key=key, data={"selector": selector})
