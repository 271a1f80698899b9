"""The ZIP export: its manifest matches the runs, every name is safe on every OS, hostile
prompts can neither leave the folder nor inject markup into index.html, and it is written
to disk as it goes (memory stays small whatever the size of the videos)."""

from __future__ import annotations

import csv
import io
import json
import re
import tracemalloc
import zipfile
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playground.export import download_name, export_to_folder, file_stem, slug, write_zip
from playground.store import Store
from tests.unit.curated_runs import T0, finished_run

SAFE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*(\.[a-z0-9]{1,5})?")
WINDOWS_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(10)),
    *(f"lpt{i}" for i in range(10)),
}
HOSTILE = [
    "../../../etc/passwd",
    "..\\..\\windows\\system32\\config",
    "/absolute/path",
    "CON",
    "<script>alert(1)</script><img src=x onerror=alert(2)>",
    '"><video src=x onerror=alert(3)>',
    "a\x00b\r\nc:d*e?f|g<h>i",
    "\u202egnp.exe",
    "émigré café — ünïcödé 漢字 🎬",
    "x" * 400,
    "",
]


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path, "demo")


def _zip(store: Store, runs, live: bool = False) -> zipfile.ZipFile:
    out = io.BytesIO()
    write_zip(runs, store, out, live=live, folder="Export 14 March")
    return zipfile.ZipFile(out)


def test_the_manifest_matches_the_runs_and_names_the_files_in_the_zip(store) -> None:
    a = finished_run(store, "run_a", "Gulls over the harbour", cost="0.420", note="keep")
    b = finished_run(store, "run_b", "Gulls over the harbour", minutes=0, image=None)
    c = finished_run(store, "run_c", "fog", minutes=5, video=None)
    box = _zip(store, [a, b, c], live=True)
    names = box.namelist()
    top = "export-14-march"
    manifest = json.loads(box.read(f"{top}/manifest.json"))
    assert [m["run_id"] for m in manifest] == ["run_a", "run_b", "run_c"]
    first, second, third = manifest
    assert first["video"] == "videos/2026-03-14_092653_gulls-over-the-harbour.mp4"
    assert second["video"] == "videos/2026-03-14_092653_gulls-over-the-harbour-2.mp4", "unique"
    assert third["video"] is None, "no video: listed, nothing invented"
    assert first["start_image"] == "images/2026-03-14_092653_gulls-over-the-harbour_start.png"
    assert second["start_image"] is None
    assert first["task_id"] == "task_run_a" and first["model"] == "kling-v3"
    assert first["note"] == "keep" and first["settings"]["input"]["prompt"] == a.prompt
    assert (first["price_estimated_usd"], first["charged_usd"]) == ("0.420", "0.420")
    assert second["charged_usd"] is None, "Live, no cost reported yet"
    assert first["created_at"].startswith("2026-03-14T09:26:53")
    assert first["finished_at"].startswith("2026-03-14T09:27:43")
    for entry in manifest:
        for key in ("video", "start_image"):
            if entry[key]:
                assert f"{top}/{entry[key]}" in names
    assert box.read(f"{top}/{first['video']}") == store.video_path(a).read_bytes()
    rows = list(csv.DictReader(io.StringIO(box.read(f"{top}/manifest.csv").decode())))
    assert [r["run_id"] for r in rows] == ["run_a", "run_b", "run_c"]
    assert rows[0]["video"] == first["video"] and rows[0]["charged_usd"] == "0.420"
    assert json.loads(rows[0]["settings"]) == first["settings"]
    html = box.read(f"{top}/index.html").decode()
    assert html.count("<video ") == 2 and f'src="{first["video"]}"' in html


def test_demo_exports_say_nothing_was_charged(store) -> None:
    run = finished_run(store, "run_a", "gulls")
    manifest = json.loads(_zip(store, [run]).read("export-14-march/manifest.json"))
    assert manifest[0]["charged_usd"] == "0"


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        not path.is_absolute()
        and ".." not in path.parts
        and "\\" not in name
        and all(SAFE_NAME.fullmatch(part) for part in path.parts)
        and all(part.split(".")[0] not in WINDOWS_RESERVED for part in path.parts)
        and len(name) < 200
    )


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.handlers += [name for name, _ in attrs if name.startswith("on")]


def test_hostile_prompts_stay_inside_the_folder_and_show_as_text(store, tmp_path) -> None:
    runs = [
        finished_run(store, f"run_{n}", prompt, minutes=n, note=prompt)
        for n, prompt in enumerate(HOSTILE)
    ]
    runs[3] = store.get("run_3").model_copy(update={"title": "../" + HOSTILE[4]})
    box = _zip(store, runs)
    assert all(_safe_member(n) for n in box.namelist()), box.namelist()
    target = tmp_path / "unpacked"
    box.extractall(target)
    assert all(p.resolve().is_relative_to(target.resolve()) for p in target.rglob("*"))
    html = box.read("export-14-march/index.html").decode()
    parser = _Tags()
    parser.feed(html)
    assert "script" not in parser.tags and "img" in parser.tags
    assert set(parser.tags) <= {
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "h1",
        "p",
        "main",
        "figure",
        "video",
        "figcaption",
        "div",
        "details",
        "summary",
        "img",
    }
    assert parser.handlers == [], "no event handler attribute got in"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, "the prompt is shown as text"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_title_gives_a_name_safe_on_every_os(text: str) -> None:
    name = slug(text)
    assert SAFE_NAME.fullmatch(name) and len(name) <= 48
    assert name not in WINDOWS_RESERVED


def test_single_downloads_get_the_same_descriptive_name(store) -> None:
    run = finished_run(store, "run_a", "Slow push-in, harbour at dawn!")
    assert download_name(run) == "2026-03-14_092653_slow-push-in-harbour-at-dawn.mp4"
    renamed = run.model_copy(update={"title": "Opening shot"})
    assert (
        download_name(renamed)
        == f"{file_stem(renamed)}.mp4"
        == ("2026-03-14_092653_opening-shot.mp4")
    )


def test_a_large_export_is_streamed_to_disk_with_little_memory(store, tmp_path) -> None:
    clip = bytes(range(256)) * 4096 * 4  # 4 MB per video, 40 MB in all
    runs = [finished_run(store, f"run_{n}", f"clip {n}", minutes=n, video=clip) for n in range(10)]
    tracemalloc.start()
    try:
        path = export_to_folder(
            runs,
            store,
            tmp_path / "exports",
            live=False,
            label="ten clips",
            now=T0 + timedelta(hours=2),
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert path.name == "kling-2026-03-14_112653_ten-clips.zip"
    assert path.stat().st_size > 40_000_000
    assert peak < 4_000_000, f"peak {peak} bytes: the videos were held in memory"
    assert len(zipfile.ZipFile(path).namelist()) == 10 + 10 + 3
