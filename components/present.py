"""The presentation stage: large players with captions, keyboard and button controls, slideshow."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from components.keep_playing import keep_playing
from components.safe import md_escape
from playground.curation import display_title
from playground.presentation import GRID_SIZES, clip_seconds, step
from playground.runs import Run
from playground.state import Keys

__all__ = ["CHROMELESS_CSS", "render_stage"]

# Only on the presentation page: no header, toolbar or sidebar; the player fits the screen.
CHROMELESS_CSS = """<style>
[data-testid=stHeader],[data-testid=stToolbar],[data-testid=stSidebar],
[data-testid=stSidebarCollapsedControl],[data-testid=stDecoration]{display:none!important}
[data-testid=stMainBlockContainer]{padding:1rem 2rem 0.5rem!important;max-width:100%!important}
[data-testid=stApp]{background:#0b0b0d}
.st-key-present_stage video{max-height:calc((100vh - 7rem) / var(--rows, 1) - 6rem);
  width:auto!important;max-width:100%;display:block;margin:0 auto;background:#000}
.st-key-present_stage [data-testid=stCaptionContainer]{font-size:1.05rem}
</style>"""


def _grid_to_url() -> None:
    """The clips-per-screen choice goes into the address, so the view can be shared as is."""
    grid = int(st.session_state.get(Keys.PRESENT_GRID) or 1)
    if grid == 1:
        st.query_params.pop("grid", None)
    else:
        st.query_params["grid"] = str(grid)


def _move(count: int, by: int) -> None:
    index = int(st.session_state.get(Keys.PRESENT_INDEX, 0))
    st.session_state[Keys.PRESENT_INDEX] = step(index, by, count)


def _toggle(key: str) -> None:
    st.session_state[key] = not st.session_state.get(key, False)


def _caption(run: Run, position: int, count: int) -> str:
    title = display_title(run)
    text = f"**{md_escape(title)}**"
    if run.prompt and run.prompt != title:
        text += f"  \n{md_escape(run.prompt)}"
    return text + f"  \n:gray[{position} / {count} · {md_escape(run.model)}]"


def _clip(run: Run, video: Path | None, image: Path | None, position: int, count: int) -> None:
    if video is None:
        st.info("This video is not on this machine.")
        return
    if image is not None:
        clip_col, image_col = st.columns([3, 1])
        with image_col:
            st.image(str(image), caption="Start image", width="stretch")
    else:
        clip_col = st.container()
    with clip_col:
        alt = f"Clip {position} of {count}: {display_title(run)[:120]}"  # also tells twins apart
        st.video(str(video), autoplay=True, muted=True, loop=True, alt=alt)
    st.markdown(_caption(run, position, count))


def render_stage(
    runs: list[Run],
    video_path: Callable[[Run], Path | None],
    start_image: Callable[[Run], Path | None],
    *,
    exit_page: str,
) -> None:
    """The selected clips, `grid` at a time; ←/→/space step, P plays all, I shows start images."""
    count = len(runs)
    grid = int(st.session_state.get(Keys.PRESENT_GRID) or 1)
    index = int(st.session_state.get(Keys.PRESENT_INDEX, 0)) % count
    playing = bool(st.session_state.get(Keys.PRESENT_PLAYING, False))
    show_image = bool(st.session_state.get(Keys.PRESENT_IMAGE, False))
    shown = [runs[(index + n) % count] for n in range(min(grid, count))]
    full_run = [True]  # the fragment's timer ticks come after the full run's own pass

    @st.fragment(run_every=max(clip_seconds(r) for r in shown) if playing else None)
    def stage() -> None:
        if not full_run and playing:  # a slideshow tick: on to the next clip(s)
            _move(count, grid)
            st.rerun()
        full_run.clear()
        st.html(f"<style>.st-key-present_stage{{--rows:{1 if grid < 3 else 2}}}</style>")
        with st.container(key="present_stage"):
            cols = st.columns(2 if grid > 1 else 1)
            for n, run in enumerate(shown):
                with cols[n % len(cols)]:
                    image = start_image(run) if show_image else None
                    _clip(run, video_path(run), image, (index + n) % count + 1, count)

    stage()
    keep_playing(".st-key-present_stage video", key="present_keep_playing")
    _controls(count, grid, playing, show_image, exit_page)  # outside: a click redraws it all


def _controls(count: int, grid: int, playing: bool, show_image: bool, exit_page: str) -> None:
    prev, nxt, play, image, layout, leave = st.columns(
        [1, 1, 1.3, 1.3, 2, 1], vertical_alignment="center"
    )
    prev.button(
        "Previous",
        key=Keys.PRESENT_PREV,
        icon=":material/skip_previous:",
        shortcut="Left",
        on_click=_move,
        args=(count, -grid),
        width="stretch",
    )
    nxt.button(
        "Next",
        key=Keys.PRESENT_NEXT,
        icon=":material/skip_next:",
        shortcut="Right",
        on_click=_move,
        args=(count, grid),
        width="stretch",
    )
    play.button(
        "Pause" if playing else "Play all",
        key=Keys.PRESENT_PLAY,
        shortcut="P",
        icon=":material/pause:" if playing else ":material/slideshow:",
        on_click=_toggle,
        args=(Keys.PRESENT_PLAYING,),
        width="stretch",
    )
    image.button(
        "Hide start image" if show_image else "Start image",
        key="present_image_btn",
        shortcut="I",
        icon=":material/image:",
        on_click=_toggle,
        args=(Keys.PRESENT_IMAGE,),
        width="stretch",
    )
    layout.segmented_control(
        "Clips per screen",
        GRID_SIZES,
        key=Keys.PRESENT_GRID,
        label_visibility="collapsed",
        selection_mode="single",
        on_change=_grid_to_url,
    )
    leave.page_link(exit_page, label="Exit", icon=":material/close:")
    # Space also steps forward (a hidden twin of Next, so the key works anywhere on the page).
    with st.container(key="present_space_wrap"):
        st.button(
            "Next (space)",
            key=Keys.PRESENT_SPACE,
            shortcut="Space",
            on_click=_move,
            args=(count, grid),
        )
    st.html("<style>.st-key-present_space_wrap{display:none}</style>")
