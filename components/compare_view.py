"""Videos side by side that play, pause, seek and loop together, with their settings.

The videos are ordinary `st.video` elements (served from the store through Streamlit's media
files) inside one keyed container; a JS-only `st.components.v2` component ties them: the
first is the leader (its controls drive all), the others follow it and show no controls of
their own (a follower's own controls would make it drift).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from components.safe import md_escape
from playground.compare import column_weights, facts, settings_rows
from playground.runs import Run

__all__ = ["MEDIA_KEY", "render_compare"]

MEDIA_KEY = "cmp_media"
_SYNC_JS = r"""
function tie(videos) {
  const [lead, ...rest] = videos;
  if (!lead || lead.__tied) return;
  lead.__tied = true;
  videos.forEach(v => { v.muted = true; v.loop = true; });
  rest.forEach(v => { v.controls = false; });
  const each = (fn) => rest.forEach(fn);
  lead.addEventListener('play', () => each(v => { v.currentTime = lead.currentTime; v.play(); }));
  lead.addEventListener('pause', () => each(v => { v.pause(); v.currentTime = lead.currentTime; }));
  lead.addEventListener('seeking', () => each(v => { v.currentTime = lead.currentTime; }));
  lead.addEventListener('ratechange', () => each(v => { v.playbackRate = lead.playbackRate; }));
  setInterval(() => {  // drift correction while playing
    if (lead.paused) return;
    each(v => {
      if (v.paused) v.play();
      if (Math.abs(v.currentTime - lead.currentTime) > 0.1) v.currentTime = lead.currentTime;
    });
  }, 250);
}
export default function({ data }) {
  const attach = () => {
    const videos = [...document.querySelectorAll(data.selector)];
    if (videos.length < data.count) return false;
    tie(videos);
    return true;
  };
  if (!attach()) { const t = setInterval(() => { if (attach()) clearInterval(t); }, 200); }
}
"""
_sync = st.components.v2.component("kp_compare_sync", js=_SYNC_JS)


def render_compare(
    runs: list[Run],
    video_path: Callable[[Run], Path | None],
    image_path: Callable[[Run], Path | str | None],
    *,
    charged: bool,
) -> None:
    """The videos (same height whatever their shape), then the settings that differ."""
    with st.container(key=MEDIA_KEY):
        for col, run in zip(st.columns(column_weights(runs)), runs, strict=True):
            video = video_path(run)
            if video is not None:
                col.video(str(video), loop=True, muted=True)
    _sync(key="cmp_sync", data={"selector": f".st-key-{MEDIA_KEY} video", "count": len(runs)})
    st.caption("The first video's controls play, pause, seek and loop all of them together.")
    for col, run in zip(st.columns(column_weights(runs)), runs, strict=True):
        title = run.prompt or "(no prompt)"
        col.markdown(f"**{md_escape(title[:70])}{'…' if len(title) > 70 else ''}**")
        col.caption(md_escape(" · ".join([run.model, *facts(run, charged=charged)])))
    differ, same = settings_rows(runs)
    if differ:
        st.subheader("What differs")
        rows = [
            f"| {' | '.join(['Setting', *[f'#{n}' for n in range(1, len(runs) + 1)]])} |",
            "|" + " --- |" * (len(runs) + 1),
        ]
        for name, values in differ:
            cells = [f":orange-background[{md_escape(v[:120])}]" for v in values]
            rows.append(f"| **{md_escape(name)}** | {' | '.join(cells)} |")
        st.markdown("\n".join(rows))
    else:
        st.info("These results were made with the same settings.")
    with st.expander(f"{len(same)} settings the same", key="cmp_same"):
        for name, value in same:
            st.markdown(f"**{md_escape(name)}**: {md_escape(value[:300])}")
    st.subheader("Start images")
    for col, run in zip(st.columns(len(runs)), runs, strict=True):
        image = image_path(run)
        if image is not None:
            col.image(str(image), width="stretch")
        else:
            col.caption("not kept on this machine")
