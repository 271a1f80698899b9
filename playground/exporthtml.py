"""The export's index.html: every video with its caption, playable offline from disk.

No script at all (and a policy that forbids any), every text escaped, every path one the
export made itself: a hostile prompt shows as text and cannot add markup or reach a file.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playground.export import ManifestEntry

__all__ = ["render_index"]

_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;padding:24px;background:#111;color:#eee}
h1{font-size:1.4rem;margin:0 0 4px} .sub{color:#aaa;margin:0 0 24px}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:24px}
figure{margin:0;background:#1c1c1c;border-radius:8px;overflow:hidden}
video,img{width:100%;display:block;background:#000}
figcaption{padding:10px 12px;line-height:1.4} .t{font-weight:600}
.m,.n{color:#aaa;font-size:.9rem} .n{font-style:italic;white-space:pre-wrap}
details{padding:0 12px 10px;color:#aaa}
"""


def _figure(entry: ManifestEntry) -> str:
    e = escape
    if entry.video:
        media = (
            f'<video src="{e(entry.video)}" controls muted loop playsinline preload="metadata"'
            f' title="{e(entry.title)}"></video>'
        )
    else:
        media = f'<p class="m">No video ({e(entry.status)})</p>'
    facts = [entry.model, entry.created_at.strftime("%Y-%m-%d %H:%M UTC")]
    if entry.settings and isinstance(entry.settings.get("input"), dict):
        given = entry.settings["input"]
        facts += [
            f"{given[k]}" + (" s" if k == "duration" else "")
            for k in ("duration", "aspect_ratio", "mode")
            if k in given
        ]
    price = f"${entry.price_estimated_usd}" + (" (est.)" if entry.price_is_estimate else "")
    facts.append(price if entry.charged_usd is None else f"{price} · charged ${entry.charged_usd}")
    caption = f'<div class="t">{"★ " if entry.starred else ""}{e(entry.title)}</div>'
    if entry.prompt and entry.prompt != entry.title:
        caption += f"<div>{e(entry.prompt)}</div>"
    caption += f'<div class="m">{e(" · ".join(facts))}</div>'
    if entry.note:
        caption += f'<div class="n">{e(entry.note)}</div>'
    extra = ""
    for label, path in (("Start image", entry.start_image), ("End image", entry.end_image)):
        if path:
            extra += (
                f'<details><summary>{label}</summary><img src="{e(path)}" '
                f'alt="{e(label)}" loading="lazy"></details>'
            )
    return f"<figure>{media}<figcaption>{caption}</figcaption>{extra}</figure>"


def render_index(entries: list[ManifestEntry], *, title: str) -> str:
    """The whole page: a heading, then one figure per run, in the export's order."""
    figures = "\n".join(_figure(entry) for entry in entries)
    count = f"{len(entries)} result{'s' if len(entries) != 1 else ''}"
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="script-src \'none\'; '
        "object-src 'none'; base-uri 'none'; form-action 'none'\">"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        f'<h1>{escape(title)}</h1><p class="sub">{count} · Kling Playground export · '
        "see manifest.json for every setting</p>"
        f"<main>\n{figures}\n</main></body></html>\n"
    )
