"""Videos side by side that play, pause, seek and loop together, with their settings.

The videos are ordinary `st.video` elements (served from the store through Streamlit's media
files) inside one keyed container; a JS-only `st.components.v2` component ties them and starts
them (muted): the longest clip is the leader (its controls drive all), the others follow it
modulo their own length and show no controls of their own (a follower's own controls would
make it drift). A shorter clip so loops on its own while the longest plays to its end.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from components.safe import md_escape
from playground.compare import column_weights, duration, facts, leader, settings_rows
from playground.runs import Run

__all__ = ["MEDIA_KEY", "render_compare"]

MEDIA_KEY = "cmp_media"
_SYNC_JS = r"""
// The longest clip leads: its controls drive every clip, and each shorter clip follows it
// modulo its own length (it loops on its own inside the leader's loop), so every clip is
// seen to its end. Once every clip's length is known they start playing, muted.
function tie(videos, signal, hint) {
  const longest = videos.reduce((a, v) => (v.duration > a.duration + 0.05 ? v : a), videos[0]);
  const named = videos[hint];  // the one the page names (by the durations asked for)
  const lead = named && named.duration >= longest.duration - 0.5 ? named : longest;
  const rest = videos.filter(v => v !== lead);
  videos.forEach(v => {
    v.muted = true; v.loop = true; v.__tied = true;
    v.controls = v === lead;  // a follower's own controls would make it drift
    v.dataset.kpLead = v === lead ? "1" : "0";
  });
  const at = (v) => (v.duration > 0 ? lead.currentTime % v.duration : lead.currentTime);
  const each = (fn) => rest.forEach(fn);
  const on = (name, fn) => lead.addEventListener(name, fn, { signal });
  on('play', () => each(v => { v.currentTime = at(v); v.play().catch(() => {}); }));
  on('pause', () => each(v => { v.pause(); v.currentTime = at(v); }));
  on('seeking', () => each(v => { v.currentTime = at(v); }));
  on('ratechange', () => each(v => { v.playbackRate = lead.playbackRate; }));
  return { lead, rest, at };
}
export default function({ data }) {
  const state = window.__kpCompare || (window.__kpCompare = {});
  clearInterval(state.timer);
  state.timer = setInterval(() => {
    const videos = [...document.querySelectorAll(data.selector)];
    if (videos.length < data.count) return;
    const sig = videos.map(v => v.currentSrc || v.src).join('|');
    if (sig !== state.sig || !state.tied || !state.tied.lead.isConnected) {
      if (!videos.every(v => v.readyState >= 1 && v.duration > 0)) return;  // lengths known
      if (state.abort) state.abort.abort();
      state.abort = new AbortController();
      state.tied = tie(videos, state.abort.signal, data.lead);
      state.sig = sig;
      state.tied.lead.play().catch(() => {});  // muted, so the browser lets it start
      return;
    }
    const { lead, rest, at } = state.tied;  // drift correction while playing
    if (lead.paused || lead.seeking) return;
    rest.forEach(v => {
      if (v.paused) v.play().catch(() => {});
      if (Math.abs(v.currentTime - at(v)) > 0.15) v.currentTime = at(v);
    });
  }, 250);
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
    lead = leader(runs)
    _sync(
        key="cmp_sync",
        data={
            "selector": f".st-key-{MEDIA_KEY} video",
            "count": len(runs),
            "lead": lead,
            "runs": [r.run_id for r in runs],  # a new selection is tied afresh
        },
    )
    lengths_differ = len({duration(r) for r in runs}) > 1
    st.caption(
        f"They play together, muted. #{lead + 1}"
        + (" (the longest)" if lengths_differ else "")
        + " has the controls: they play, pause and seek all of them"
        + ("; a shorter clip loops on its own within it." if lengths_differ else ".")
    )
    for n, (col, run) in enumerate(zip(st.columns(column_weights(runs)), runs, strict=True)):
        title = run.prompt or "(no prompt)"
        col.markdown(f"**#{n + 1} · {md_escape(title[:70])}{'…' if len(title) > 70 else ''}**")
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
