"""Page responsiveness: the time of one rerun of a page, against a baseline page.

Every page runs in `AppTest` (the app in Demo mode on an offline ModelHunter whose clock
stands still, data in a temporary directory). One figure is the CPU time of this process
during `at.run()`: the script run plus AppTest's handling of its output, which the baseline
pays alike. CPU time, unlike wall time, barely moves when other processes load the machine;
the wall-time ratio is given in the note. Reruns of the pages compared take turns (the order
rotates every round) and the medians are compared. AppTest compiles the scripts afresh on
every run (a new `ScriptCache` each time; generate.py alone takes ~4 ms), which a server does
once: the benchmark gives AppTest one shared cache, as the server has. AppTest's own fixed
cost per run is paid by both sides and flatters the ratios a little.

* Generate: the full form (prompt, a 12 MP JPEG uploaded, manual multi-shot with shots,
  sound on) vs a script of as many plain widgets of the same kinds as the page renders.
  The note also gives a plain script with as many elements in all (the same widgets, a
  caption for every other element, an empty container for every block): the part of the
  gap that is Streamlit's cost per element rather than the page's own work.
* Gallery: 1,000 finished results (small real MP4s in the store) vs 1.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import av
import numpy as np
import streamlit as st
from PIL import Image
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest, app_test, local_script_runner
from streamlit.testing.v1.element_tree import Widget

from bench.common import Result, format_table
from fake_modelhunter import FakeModelHunter, ManualClock
from modelhunter.requests import KlingV3Input, KlingV3Request
from modelhunter.responses import ResultItem, Task, TaskStatus
from playground.backend import use_demo_service
from playground.identity import workspace_scope
from playground.runs import Run
from playground.state import Keys
from playground.store import Store

__all__ = ["Elements", "count_elements", "plain_script", "run"]

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
GALLERY = "app_pages/gallery.py"
TIMEOUT_S = 120
RERUNS = 41
WARMUP = 3
PHOTO_SIZE = (4000, 3000)  # 12 MP
SHOTS = 3
GALLERY_RUNS = 1000
ENV_DATA_DIR = "MODELHUNTER_DATA_DIR"

# Plain stand-ins for each kind of widget AppTest reports (anything else: a text input).
_PLAIN: dict[str, str] = {
    "Button": 'st.button("Button {i}", key="w{i}")',
    "ButtonGroup": 'st.segmented_control("Choice {i}", ["a", "b", "c"], key="w{i}")',
    "Checkbox": 'st.checkbox("Check {i}", key="w{i}")',
    "FileUploader": 'st.file_uploader("File {i}", key="w{i}")',
    "Multiselect": 'st.multiselect("Pick {i}", ["a", "b", "c"], key="w{i}")',
    "NumberInput": 'st.number_input("Number {i}", key="w{i}")',
    "Radio": 'st.radio("Radio {i}", ["a", "b", "c"], key="w{i}")',
    "Selectbox": 'st.selectbox("Select {i}", ["a", "b", "c"], key="w{i}")',
    "Slider": 'st.slider("Slider {i}", 0, 10, key="w{i}")',
    "TextArea": 'st.text_area("Text {i}", key="w{i}")',
    "TextInput": 'st.text_input("Text {i}", key="w{i}")',
    "Toggle": 'st.toggle("Toggle {i}", key="w{i}")',
}


@dataclass(frozen=True)
class Elements:
    """What a page renders: widgets by AppTest's kind name, other elements, blocks."""

    widgets: Counter[str]
    others: int = 0
    blocks: int = 0

    @property
    def total(self) -> int:
        return self.widgets.total() + self.others + self.blocks


def count_elements(at: AppTest) -> Elements:
    """Everything under the main area and the sidebar (not counting those two roots)."""
    widgets: Counter[str] = Counter()
    counts = {"others": 0, "blocks": 0}

    def walk(node: Any, root: bool = False) -> None:
        children = getattr(node, "children", None)
        if isinstance(node, Widget):
            widgets[type(node).__name__] += 1
        elif isinstance(children, dict):
            counts["blocks"] += 0 if root else 1
        else:
            counts["others"] += 1
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at.main, root=True)
    walk(at.sidebar, root=True)
    return Elements(widgets, counts["others"], counts["blocks"])


def plain_script(elements: Elements, *, widgets_only: bool = True) -> str:
    """A Streamlit script of as many plain widgets of each kind (and, unless
    `widgets_only`, a caption per other element and an empty container per block)."""
    lines = ["import streamlit as st", ""]
    i = 0
    for kind, count in sorted(elements.widgets.items()):
        for _ in range(count):
            lines.append(_PLAIN.get(kind, _PLAIN["TextInput"]).format(i=i))
            i += 1
    if not widgets_only:
        lines += [f'st.caption("Element {n}")' for n in range(elements.others)]
        lines += ["st.container()" for _ in range(elements.blocks)]
    return "\n".join(lines) + "\n"


def photo_jpeg(size: tuple[int, int] = PHOTO_SIZE) -> bytes:
    """A photo-like JPEG (gradients + noise, a few MB at 12 MP, like a phone's)."""
    width, height = size
    grad = Image.linear_gradient("L").resize(size, Image.Resampling.BILINEAR)
    other = Image.linear_gradient("L").rotate(90).resize(size, Image.Resampling.BILINEAR)
    noise = Image.effect_noise((max(1, width // 4), max(1, height // 4)), 40).resize(size)
    out = io.BytesIO()
    Image.merge("RGB", (grad, other, noise)).save(out, "JPEG", quality=90)
    return out.getvalue()


def small_mp4(n: int) -> bytes:
    """A real 1 s, 64×64 H.264 clip, different for every `n` (no two files alike)."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=8)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        colour = np.array([n % 256, (n * 37) % 256, (n * 91) % 256], np.uint8)
        for i in range(8):
            rgb = np.broadcast_to(colour, (64, 64, 3)).copy()
            rgb[:, : 8 * (i + 1)] = 255 - colour
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()


@contextmanager
def demo_mode() -> Iterator[None]:
    """Demo mode on a fresh offline ModelHunter (still clock, no rendering), scripts
    compiled once as on a server; env and AppTest restored afterwards."""
    saved = {k: os.environ.get(k) for k in (ENV_DATA_DIR, "MODELHUNTER_KEY")}
    os.environ.pop("MODELHUNTER_KEY", None)
    st.cache_data.clear()
    st.cache_resource.clear()
    fake = FakeModelHunter(clock=ManualClock(), synthesize_videos=False)
    use_demo_service(fake)
    shared = ScriptCache()
    try:
        with (
            mock.patch.object(app_test, "ScriptCache", lambda: shared),
            mock.patch.object(local_script_runner, "ScriptCache", lambda: shared),
        ):
            yield
    finally:
        use_demo_service(None)
        fake.close()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _run(at: AppTest, data_dir: Path | None = None) -> tuple[float, float]:
    """One rerun (in `data_dir`, which settings read from the env on every run).

    Returns:
        (CPU seconds of this process, wall seconds) spent in it.
    """
    if data_dir is not None:
        os.environ[ENV_DATA_DIR] = str(data_dir)
    wall, cpu = time.perf_counter(), time.process_time()
    at.run()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if at.exception:
        raise RuntimeError(f"The page raised: {at.exception[0].message}")
    return cpu, wall


@dataclass(frozen=True)
class Rerun:
    """Median rerun times of one page."""

    cpu_ms: float
    wall_ms: float


def _take_turns(pages: list[tuple[AppTest, Path | None]], reruns: int) -> list[Rerun]:
    """Median rerun times of each page; the order rotates every round to cancel drift."""
    for _ in range(WARMUP):
        for at, data_dir in pages:
            _run(at, data_dir)
    times: list[list[tuple[float, float]]] = [[] for _ in pages]
    for n in range(reruns):
        for k in range(len(pages)):
            i = (n + k) % len(pages)
            times[i].append(_run(*pages[i]))
    return [
        Rerun(
            cpu_ms=statistics.median(t[0] for t in page) * 1000,
            wall_ms=statistics.median(t[1] for t in page) * 1000,
        )
        for page in times
    ]


def _labelled(widgets: Iterable[Any], label: str) -> Any:
    """The widget with this label (a clear error if the page changed and has none)."""
    found = next((w for w in widgets if w.label == label), None)
    if found is None:
        raise RuntimeError(f"The Generate page has no widget labelled {label!r} any more.")
    return found


def _segmented(at: AppTest, label: str, value: object) -> None:
    _labelled(at.segmented_control, label).set_value(value)
    _run(at)


def _fill_generate_form(at: AppTest, photo: bytes, shots: int) -> None:
    """Prompt, uploaded image, sound on, manual multi-shot with `shots` written shots."""
    at.file_uploader(key="img|image|0|upload").set_value(("photo.jpg", photo, "image/jpeg"))
    _run(at)
    at.text_area(key="form|kling-v3|input.prompt|0").input("slow push in on the harbour")
    _run(at)
    _segmented(at, "Sound", "on")
    _segmented(at, "Multi-shot", "true")
    for _ in range(shots):
        _labelled(at.button, "Add shot").click()
        _run(at)
    shot_boxes = [w for w in at.text_input if ".prompt#" in (w.key or "")]
    for n, box in enumerate(shot_boxes):
        box.input(f"shot {n + 1}: gulls lift off the water")
    _run(at)
    if at.button(key="submit").disabled:
        problems = "; ".join(e.value for e in at.error) or "unknown"
        raise RuntimeError(f"The benchmark form is not complete: {problems}")


def _script_app(folder: Path, name: str, source: str) -> AppTest:
    script = folder / name
    script.write_text(source)
    at = AppTest.from_file(str(script), default_timeout=TIMEOUT_S)
    _run(at)
    return at


def generate_page(reruns: int = RERUNS, photo_size: tuple[int, int] = PHOTO_SIZE) -> Result:
    """Rerun of the Generate page with a full form vs as many plain widgets."""
    with tempfile.TemporaryDirectory() as tmp, demo_mode():
        os.environ[ENV_DATA_DIR] = str(Path(tmp) / "data")
        photo = photo_jpeg(photo_size)
        page = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
        _run(page)
        _fill_generate_form(page, photo, SHOTS)
        elements = count_elements(page)
        widgets = _script_app(Path(tmp), "plain_widgets.py", plain_script(elements))
        alike = _script_app(
            Path(tmp), "plain_elements.py", plain_script(elements, widgets_only=False)
        )
        if count_elements(widgets).widgets.total() != elements.widgets.total():
            raise RuntimeError("The baseline script does not render as many widgets.")
        ours, base, floor = _take_turns([(page, None), (widgets, None), (alike, None)], reruns)
    megapixels = photo_size[0] * photo_size[1] / 1e6
    return Result(
        name="Generate page rerun, full form",
        unit="CPU ms",
        baseline_label=f"{elements.widgets.total()} plain widgets",
        baseline=base.cpu_ms,
        ours_label="Generate",
        ours=ours.cpu_ms,
        goal=1.5,
        note=f"median of {reruns} reruns each, taking turns; wall-time ratio "
        f"{ours.wall_ms / base.wall_ms:.2f}; {megapixels:.3g} MP JPEG "
        f"({len(photo) / 1e6:.1f} MB), {SHOTS} shots, sound on; a plain script with as many "
        f"elements ({elements.total}) takes {floor.cpu_ms:.1f} ms "
        f"(ours {ours.cpu_ms / floor.cpu_ms:.2f}× that)",
    )


#: Demo mode keeps each browser's runs apart: the benchmark's sessions are one browser.
BENCH_BROWSER = "be" * 16
BENCH_SCOPE = workspace_scope("demo", BENCH_BROWSER)


def fill_store(data_dir: Path, runs: int) -> None:
    """`runs` finished Demo-mode runs, each with its own small MP4 in the store."""
    store = Store(data_dir, BENCH_SCOPE)
    start = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    for n in range(runs):
        created = start + timedelta(minutes=n)
        request = KlingV3Request(
            input=KlingV3Input(image="https://example.com/start.jpg", prompt=f"result {n}")
        )
        task = Task(
            id=f"task_bench_{n:04d}",
            type="video",
            status=TaskStatus.SUCCEEDED,
            provider="kling",
            model="kling-v3",
            progress=100,
            cost=Decimal("0.42"),
            result=[ResultItem(url=f"https://cdn.modelhunter.ai/results/{n}.mp4")],
            created_at=created,
            started_at=created + timedelta(seconds=7),
            completed_at=created + timedelta(seconds=37),
        )
        run_ = Run(
            run_id=f"run_bench_{n:04d}",
            created_at=created,
            request=request,
            price=Decimal("0.42"),
            phase="tracking",
            task=task,
            video_file=f"run_bench_{n:04d}.mp4",
        )
        (store.videos / f"{run_.run_id}.mp4").write_bytes(small_mp4(n))
        store.save(run_)


def _gallery_app(data_dir: Path, results: int) -> AppTest:
    """The Gallery page on a store of `results` finished results (checked: videos shown)."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.session_state[Keys.BROWSER] = BENCH_BROWSER  # the browser whose Demo workspace was filled
    _run(at, data_dir)
    at.switch_page(GALLERY)
    _run(at, data_dir)
    shown = len(at.get("video"))
    if not 1 <= shown <= results:
        raise RuntimeError(f"The gallery of {results} results shows {shown} videos.")
    return at


def demo_clip() -> bytes:
    """A real Demo-mode result: 5 s of 720p H.264 made by the offline synthesizer."""
    from fake_modelhunter.synth import SynthRequest, synthesize

    return synthesize(SynthRequest(photo_jpeg((1600, 1200)), 5, "16:9", prompt="slow push in"))


def _replace_videos(data_dir: Path, numbers: range, data: bytes) -> None:
    for n in numbers:
        (data_dir / BENCH_SCOPE / "videos" / f"run_bench_{n:04d}.mp4").write_bytes(data)


def gallery_page(results: int = GALLERY_RUNS, reruns: int = RERUNS, clips: bool = True) -> Result:
    """Rerun of the Gallery with `results` finished results vs with one.

    With `clips`, the videos shown are then swapped for real Demo-mode clips and both are
    measured again (the note): `st.video(path)` reads the whole file on every rerun.
    """
    with tempfile.TemporaryDirectory() as tmp, demo_mode():
        many_dir, one_dir = Path(tmp) / "many", Path(tmp) / "one"
        fill_store(many_dir, results)
        fill_store(one_dir, 1)
        many = _gallery_app(many_dir, results)
        one = _gallery_app(one_dir, 1)
        ours, base = _take_turns([(many, many_dir), (one, one_dir)], reruns)
        shown = len(many.get("video"))
        clip_note = ""
        if clips:
            clip = demo_clip()
            _replace_videos(many_dir, range(results - shown, results), clip)  # newest first
            _replace_videos(one_dir, range(1), clip)
            big, big_base = _take_turns([(many, many_dir), (one, one_dir)], reruns)
            clip_note = (
                f"; with real {len(clip) / 1e6:.1f} MB Demo clips shown instead: "
                f"{big.cpu_ms:.1f} vs {big_base.cpu_ms:.1f} ms "
                f"({big.cpu_ms / big_base.cpu_ms:.2f}×)"
            )
    return Result(
        name=f"Gallery rerun, {results} results",
        unit="CPU ms",
        baseline_label="1 result",
        baseline=base.cpu_ms,
        ours_label=f"{results} results",
        ours=ours.cpu_ms,
        goal=2.0,
        note=f"median of {reruns} reruns each, taking turns; wall-time ratio "
        f"{ours.wall_ms / base.wall_ms:.2f}; {shown} cards with small MP4s on the first page"
        + clip_note,
    )


def run(quick: bool = False) -> list[Result]:
    """Both page benchmarks; `quick` uses a small image, 3 results and 2 reruns."""
    if quick:
        return [generate_page(2, (640, 480)), gallery_page(3, 2, clips=False)]
    return [generate_page(), gallery_page()]


if __name__ == "__main__":
    sys.stdout.write(format_table(run("--quick" in sys.argv)) + "\n")
