"""A selection of runs as one ZIP, written to disk as it is built (never held in memory).

Layout of the archive (one top folder, so unpacking never scatters files):

    <folder>/index.html        plays every video offline, with captions (all text escaped)
    <folder>/manifest.json     settings, model, prices estimated and charged, times, task ids, notes
    <folder>/manifest.csv      the same, one row per run
    <folder>/videos/<date_time_prompt-slug>.mp4
    <folder>/images/<date_time_prompt-slug>_start.png (and _end)

Every name in it is made here from ASCII letters, digits, `-` and `_` only, so it is valid on
Windows, macOS and Linux and no prompt can reach outside the folder. Videos are stored (MP4 is
already compressed) and copied from disk in small chunks.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from pydantic import BaseModel

from playground.curation import batch_of, display_title, status_group
from playground.disk import Disk
from playground.exporthtml import render_index
from playground.runs import Run
from playground.store import Store

__all__ = [
    "ManifestEntry",
    "download_name",
    "export_to_folder",
    "file_stem",
    "manifest_entries",
    "slug",
    "write_zip",
]

SLUG_LIMIT = 48
KEEP_EXPORTS = 3  # older ZIPs in the store's exports folder are removed when a new one is made
IMAGE_ROLES = {"image": "start", "image_tail": "end"}
_WORD = re.compile(r"[a-z0-9]+")
_SUFFIX = re.compile(r"\.[a-z0-9]{1,5}")
_CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r")
# Names Windows refuses for a file or folder, whatever the extension.
_RESERVED = {"con", "prn", "aux", "nul"} | {f"{p}{n}" for p in ("com", "lpt") for n in range(10)}


def slug(text: str, limit: int = SLUG_LIMIT) -> str:
    """Lowercase ASCII words joined by `-` (accents folded, everything else dropped)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    out = ""
    for word in _WORD.findall(folded):
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > limit:
            break
        out = candidate
    if out in _RESERVED:
        out += "-file"
    return out or "untitled"


def _utc(moment: datetime) -> datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def file_stem(run: Run) -> str:
    """`2026-11-30_142501_slow-push-in-over-the-harbour` (UTC date and time, then the title)."""
    return f"{_utc(run.created_at):%Y-%m-%d_%H%M%S}_{slug(display_title(run))}"


def download_name(run: Run) -> str:
    """The descriptive file name of a run's video (single downloads and the ZIP alike)."""
    return f"{file_stem(run)}.mp4"


class ManifestEntry(BaseModel):
    """One run as described in manifest.json / manifest.csv (paths relative to the folder)."""

    video: str | None
    start_image: str | None
    end_image: str | None
    run_id: str
    task_id: str | None
    title: str
    prompt: str
    note: str
    model: str
    status: str
    starred: bool
    batch_id: str | None
    settings: dict[str, object] | None
    price_estimated_usd: str
    price_is_estimate: bool
    charged_usd: str | None
    created_at: datetime
    finished_at: datetime | None


def _unique(stem: str, taken: set[str]) -> str:
    name, n = stem, 2
    while name in taken:
        name, n = f"{stem}-{n}", n + 1
    taken.add(name)
    return name


def _charged(run: Run, live: bool) -> str | None:
    if not live:
        return "0"  # Demo and Sandbox: nothing is charged
    return str(run.cost) if run.cost is not None else None


def _plan(
    runs: Iterable[Run], store: Store, live: bool
) -> list[tuple[ManifestEntry, dict[str, Path]]]:
    """Each run's manifest entry and the files to copy (archive path -> file on disk)."""
    taken: set[str] = set()
    planned = []
    for run in runs:
        stem = _unique(file_stem(run), taken)
        files: dict[str, Path] = {}
        video = store.video_path(run)
        if video is not None:
            files[f"videos/{stem}.mp4"] = video
        images: dict[str, str] = {}
        for field, role in IMAGE_ROLES.items():
            given = run.images.get(field)
            path = store.image_path(given.sha256) if given and given.sha256 else None
            if path is not None:
                suffix = path.suffix.lower() if _SUFFIX.fullmatch(path.suffix.lower()) else ".img"
                images[role] = f"images/{stem}_{role}{suffix}"
                files[images[role]] = path
        entry = ManifestEntry(
            video=f"videos/{stem}.mp4" if video is not None else None,
            start_image=images.get("start"),
            end_image=images.get("end"),
            run_id=run.run_id,
            task_id=run.task_id,
            title=display_title(run),
            prompt=run.prompt,
            note=run.note,
            model=run.model,
            status=status_group(run),
            starred=run.starred,
            batch_id=batch_of(run),
            settings=run.request.wire() if run.request is not None else None,
            price_estimated_usd=str(run.price.quantize(Decimal("0.001"))),
            price_is_estimate=run.price_estimated,
            charged_usd=_charged(run, live),
            created_at=_utc(run.created_at),
            finished_at=run.task.completed_at if run.task else None,
        )
        planned.append((entry, files))
    return planned


def manifest_entries(runs: Iterable[Run], store: Store, *, live: bool) -> list[ManifestEntry]:
    """What manifest.json will say about these runs, in this order."""
    return [entry for entry, _ in _plan(runs, store, live)]


def _cell(value: object) -> str:
    """A CSV cell; text a spreadsheet would run as a formula is quoted with `'`."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_CSV_FORMULA) else text


def _csv(entries: list[ManifestEntry]) -> str:
    out = io.StringIO()
    columns = [name for name in ManifestEntry.model_fields if name != "settings"] + ["settings"]
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for entry in entries:
        row = entry.model_dump(mode="json")
        row["settings"] = json.dumps(row["settings"], sort_keys=True) if row["settings"] else ""
        writer.writerow([_cell(row[c]) for c in columns])
    return out.getvalue()


def write_zip(runs: Iterable[Run], store: Store, out: BinaryIO, *, live: bool, folder: str) -> int:
    """Write the export of `runs` into `out` (a file opened for writing); returns the run count."""
    top = slug(folder, 80)
    planned = _plan(runs, store, live)
    entries = [entry for entry, _ in planned]
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as box:
        for _, files in planned:
            for name, path in files.items():
                box.write(path, f"{top}/{name}", compress_type=zipfile.ZIP_STORED)
        body = [e.model_dump(mode="json") for e in entries]
        box.writestr(f"{top}/manifest.json", json.dumps(body, indent=2, ensure_ascii=False))
        box.writestr(f"{top}/manifest.csv", _csv(entries))
        box.writestr(f"{top}/index.html", render_index(entries, title=folder))
    return len(entries)


def export_to_folder(
    runs: list[Run], store: Store, folder: Path, *, live: bool, label: str, now: datetime
) -> Path:
    """Build the ZIP as a file in `folder` (written atomically); keeps the newest few there."""
    disk = Disk()
    disk.make_dir(folder)
    name = f"kling-{_utc(now):%Y-%m-%d_%H%M%S}_{slug(label, 40)}"
    target = folder / f"{name}.zip"
    with disk.replacing(target) as handle:
        write_zip(runs, store, handle, live=live, folder=name)
    old = sorted(folder.glob("kling-*.zip"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in old[KEEP_EXPORTS:]:
        stale.unlink(missing_ok=True)
    return target
