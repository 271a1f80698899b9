"""Sharing: a result's link, the linked result on its own, the selection bar, the ZIP export."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import streamlit as st

from components.keep_playing import keep_playing
from components.safe import md_escape
from playground.curation import display_title
from playground.export import download_name
from playground.presentation import Selection, selection_params
from playground.runs import Run
from playground.state import Keys

logger = logging.getLogger(__name__)

__all__ = [
    "app_root",
    "render_export",
    "render_linked_run",
    "render_result_link",
    "render_selection_bar",
]


def app_root(url: str | None, page_path: str) -> str:
    """The deployment's base URL from the page's own (`st.context.url`), without the page."""
    base = (url or "").rstrip("/")
    if page_path and base.endswith("/" + page_path):
        base = base[: -len(page_path) - 1]
    return base


def render_result_link(params: dict[str, str], root: str) -> None:
    """The run's link, ready to copy (it carries no key)."""
    st.caption("Link to this result (opens it alone; carries no key):")
    st.code(f"{root}/gallery?{urlencode(params)}", language=None, wrap_lines=True)


def render_linked_run(run: Run, video: Path | None, start_image: Path | None, *, own: bool) -> None:
    """A result opened by its link: the clip, its settings and start image, nothing else."""
    title = display_title(run)
    st.subheader(md_escape(title), anchor=False)
    if not own:
        st.caption("Shared with you: view only (it is not in your gallery).")
    clip, side = st.columns([3, 2])
    with clip:
        if video is not None:
            with st.container(key="linked_clip"):
                st.video(str(video), autoplay=True, muted=True, loop=True)
            keep_playing(".st-key-linked_clip video", key="linked_keep_playing")
            st.download_button(
                "Download",
                lambda: video.read_bytes(),
                file_name=download_name(run),
                mime="video/mp4",
                key="linked_download",
                icon=":material/download:",
                on_click="ignore",
            )
        else:
            st.info("This result has no video on this machine.")
        if run.prompt and run.prompt != title:
            st.markdown(md_escape(run.prompt))
        if run.note:
            st.caption(md_escape(run.note))
    with side:
        if start_image is not None:
            st.image(str(start_image), caption="Start image", width="stretch")
        st.markdown("**Settings**")
        if run.request is not None:
            st.json(run.request.wire(), expanded=True)
        else:
            st.caption("Settings unknown (recovered from the API).")
    st.page_link(
        "app_pages/gallery.py", label="Show the whole gallery", icon=":material/grid_view:"
    )


def render_export(runs: list[Run], label: str, build: Callable[[list[Run]], Path]) -> None:
    """Export ZIP: built on disk when asked, then offered for download (named by date)."""

    def fingerprint() -> str:  # worked out only with a ZIP built or being built
        return ",".join(sorted(r.run_id for r in runs))

    ready = st.session_state.get(Keys.EXPORT_READY)
    if st.button(
        f"Export ZIP ({label})",
        key=Keys.EXPORT_BUILD,
        icon=":material/folder_zip:",
        disabled=not runs,
        help="Videos, start/end images, manifest.json/.csv and an index.html "
        "that plays everything offline",
    ):
        with st.spinner("Writing the ZIP…"):
            ready = (fingerprint(), str(build(runs)))
        st.session_state[Keys.EXPORT_READY] = ready
    if ready and ready[0] == fingerprint() and Path(ready[1]).is_file():
        path = Path(ready[1])
        size = path.stat().st_size / 1_000_000
        st.download_button(
            f"Download {path.name} ({size:.1f} MB)",
            lambda: path.open("rb"),
            file_name=path.name,
            mime="application/zip",
            key=Keys.EXPORT_DOWNLOAD,
            icon=":material/download:",
            on_click="ignore",
            type="primary",
        )
        st.caption("A copy is also kept in the exports folder of this workspace.")
        logger.info("export kept at %s", path)  # where it is, for the operator only


def render_selection_bar(
    picked: list[Run],
    shown: list[Run],
    *,
    batch: str | None,
    scope: str,
    export: Callable[[list[Run]], Path],
    on_clear: Callable[[], None],
) -> None:
    """Present (picked, else the batch filtered on, else the starred) and Export ZIP (picked,
    else what the filters show)."""
    if picked:
        selection = Selection(kind="runs", run_ids=tuple(r.run_id for r in picked))
        what = f"{len(picked)} picked"
    elif batch:
        selection, what = Selection(kind="batch", batch=batch), "this batch"
    else:
        selection, what = Selection(kind="starred"), "starred"
    selection = selection.model_copy(update={"workspace": scope})
    present, zip_col, clear = st.columns([1, 2, 1], vertical_alignment="top")
    present.page_link(
        "app_pages/present.py",
        label=f"Present {what}",
        icon=":material/co_present:",
        query_params=selection_params(selection),
    )
    exported = picked or shown
    with zip_col:
        render_export(exported, f"{len(exported)} {'picked' if picked else 'shown'}", export)
    if picked:
        n = len(picked)
        clear.button(
            f"Clear {n} pick{'s' * (n != 1)}", key="gallery_clear_picks", on_click=on_clear
        )
