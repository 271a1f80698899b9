"""`python -m bench.profile_pages [generate|gallery] [N] [cpu]`: where a page rerun's time goes.

Not a benchmark (not in `make bench`): the same pages as `bench_page` in AppTest with a
shared ScriptCache, N reruns profiled with cProfile *inside the script thread* (AppTest runs
the script in a thread of its own, which a profiler in the main thread would not see).
Prints the functions with the most cumulative time per rerun, then the time split between
the app's own code (app.py, app_pages, components, playground, modelhunter) and the rest
(Streamlit, protobuf, Pillow, …), by self time. With `cpu`, the profiler's clock is the
script thread's CPU time (`time.thread_time`) instead of the wall clock: the figures then barely
move when other processes load the machine (each call to that clock costs a little more).
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

from streamlit.runtime.scriptrunner.script_runner import ScriptRunner
from streamlit.testing.v1 import AppTest

from bench import bench_page as bp

OURS = ("app.py", "/app_pages/", "/components/", "/playground/", "/modelhunter/")


@contextmanager
def profiled(profile: cProfile.Profile) -> Iterator[None]:
    """Every script run (in its thread) is profiled into `profile`."""
    original = ScriptRunner._run_script

    def run_script(self, rerun_data):
        profile.enable()
        try:
            return original(self, rerun_data)
        finally:
            profile.disable()

    with mock.patch.object(ScriptRunner, "_run_script", run_script):
        yield


def report(profile: cProfile.Profile, reruns: int, title: str, top: int = 25) -> None:
    stats = pstats.Stats(profile)
    total = stats.total_tt / reruns * 1000
    ours = sum(st[2] for (file, _, _), st in stats.stats.items() if any(o in file for o in OURS))
    print(f"\n=== {title}: {total:.1f} ms per rerun profiled (profiler overhead included)")
    print(
        f"own code, self time: {ours / reruns * 1000:.1f} ms; the rest: "
        f"{(stats.total_tt - ours) / reruns * 1000:.1f} ms"
    )
    in_st = sum(
        st[3]
        for (file, _, name), st in stats.stats.items()
        if file.endswith("metrics_util.py") and name == "wrapped_func"
    )
    print(f"inside st.* calls (cumulative): {in_st / reruns * 1000:.1f} ms")
    own = sorted(
        ((k, v) for k, v in stats.stats.items() if any(o in k[0] for o in OURS)),
        key=lambda kv: -kv[1][2],
    )
    print(
        "own code, most self time: "
        + "; ".join(
            f"{k[0].replace(str(bp.ROOT) + '/', '')}:{k[1]}({k[2]}) {v[2] / reruns * 1000:.2f} ms"
            for k, v in own[:6]
        )
    )
    rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][3])
    print(f"{'cum ms/rerun':>12} {'self ms':>8} {'calls':>7}  function")
    shown = 0
    for (file, line, name), (_, ncalls, tt, ct, _) in rows:
        if "cProfile" in file or name.startswith("<built-in method builtins.exec"):
            continue
        where = file.replace(str(bp.ROOT) + "/", "").split("site-packages/")[-1]
        print(
            f"{ct / reruns * 1000:12.2f} {tt / reruns * 1000:8.2f} {ncalls // reruns:7d}  "
            f"{where}:{line}({name})"
        )
        shown += 1
        if shown >= top:
            break


CPU_CLOCK = False  # `cpu` on the command line: profile in the script thread's CPU time


def _profile(pages: list[tuple[str, AppTest, Path | None]], reruns: int) -> None:
    for _ in range(bp.WARMUP):
        for _, at, data_dir in pages:
            bp._run(at, data_dir)
    for title, at, data_dir in pages:
        profile = cProfile.Profile(time.thread_time) if CPU_CLOCK else cProfile.Profile()
        with profiled(profile):
            for _ in range(reruns):
                bp._run(at, data_dir)
        report(profile, reruns, title)


def generate(reruns: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, bp.demo_mode():
        os.environ[bp.ENV_DATA_DIR] = str(Path(tmp) / "data")
        page = AppTest.from_file(str(bp.APP), default_timeout=bp.TIMEOUT_S)
        bp._run(page)
        bp._fill_generate_form(page, bp.photo_jpeg(), bp.SHOTS)
        elements = bp.count_elements(page)
        widgets = bp._script_app(Path(tmp), "plain_widgets.py", bp.plain_script(elements))
        alike = bp._script_app(
            Path(tmp), "plain_elements.py", bp.plain_script(elements, widgets_only=False)
        )
        print(f"Generate: {elements.total} elements, {elements.widgets.total()} widgets")
        _profile(
            [
                ("Generate page", page, None),
                ("plain widgets", widgets, None),
                ("plain, as many elements", alike, None),
            ],
            reruns,
        )


def gallery(reruns: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, bp.demo_mode():
        many_dir, one_dir = Path(tmp) / "many", Path(tmp) / "one"
        bp.fill_store(many_dir, bp.GALLERY_RUNS)
        bp.fill_store(one_dir, 1)
        many = bp._gallery_app(many_dir, bp.GALLERY_RUNS)
        one = bp._gallery_app(one_dir, 1)
        _profile(
            [("Gallery, 1000 results", many, many_dir), ("Gallery, 1 result", one, one_dir)],
            reruns,
        )


if __name__ == "__main__":
    from bench.__main__ import _quiet_streamlit

    _quiet_streamlit()
    which = sys.argv[1] if len(sys.argv) > 1 else "generate"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    CPU_CLOCK = "cpu" in sys.argv[3:]
    {"generate": generate, "gallery": gallery}[which](n)
