"""Interaction latency in headless Chromium: what a user waits for after a change.

Two interactions, each against a plain Streamlit app doing the same thing:

- *duration → price*: ArrowRight/ArrowLeft on the Generate form's duration slider until the
  Price metric shows the new figure, vs `latency_price_app.py` (a slider and the price as
  `st.text`);
- *file → preview*: a file given to the start-image uploader until its preview `<img>` has
  loaded, vs `latency_upload_app.py` (an uploader and `st.image` of the file).

Each app runs under `streamlit run` on its own port (empty temp data directory, Demo mode);
one browser session per app stays open for all repetitions. The clock is in the page:
`performance.now()` at the first `keydown`/`input`/`change` event of the interaction
(capture phase), and again in a `MutationObserver` callback (or the `<img>`'s `load`) when
the DOM shows the result; Playwright's `wait_for_function` waits for that second stamp.
Between repetitions the page waits for the script to be idle again. Every file is a new
picture (no cache hit on either side). Repetitions take turns, ours first in even rounds;
one unmeasured warm-up each; medians are compared.

Each note also gives a third app: a plain script with as many elements as ours shows here
(the Generate page with a start image, counted in AppTest as `bench_page` counts them: plain
widgets of the same kinds, a caption per other element, an empty container per block), with
the baseline's slider, text, uploader and image drawn first. Streamlit's browser side redraws
the whole page on every rerun, so this is the part of the gap a page of that size costs in
Streamlit itself, whatever the page does.
"""

from __future__ import annotations

import io
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from PIL import Image, ImageDraw
from playwright.sync_api import Page, sync_playwright

from bench.common import Result, format_table

__all__ = ["run"]

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
REPEATS = 7
TIMEOUT_MS = 60_000

OUR_SLIDER = ".st-key-form-kling-v3-input-duration-0 input[type=range]"
OUR_PRICE = "[data-testid=stMetric]"
OUR_UPLOAD = ".st-key-img-image-0-upload [data-testid=stFileUploaderDropzoneInput]"
OUR_REMOVE = ".st-key-img-image-0-remove"
BASE_SLIDER = ".st-key-duration input[type=range]"
BASE_PRICE = "[data-testid=stText]"
BASE_UPLOAD = ".st-key-upload [data-testid=stFileUploaderDropzoneInput]"
BASE_DELETE = "[data-testid=stFileChipDeleteBtn] button"

# Installed in every page: `__arm(kind, arg)` notes the state, stamps t0 at the next user
# event and t1 when the DOM shows the result; `__lat()` is t1 - t0 once both are there.
HELPERS = """
window.__probe = {
  text: (sel) => { const e = document.querySelector(sel); return e ? e.innerText : null; },
  img: (sel) => {  // the preview <img>: in the block of `sel` (ours) or anywhere (baseline)
    const anchor = sel ? document.querySelector(sel) : document.body;
    if (!anchor) return null;
    const box = sel ? anchor.closest('[data-testid=stVerticalBlock]') : anchor;
    return box ? box.querySelector('[data-testid=stImage] img, img') : null;
  },
};
window.__arm = (kind, arg) => {
  const s = {t0: null, t1: null};
  window.__s = s;
  const before = kind === 'text' ? __probe.text(arg) : null;
  const start = () => { if (s.t0 === null) s.t0 = performance.now(); };
  for (const ev of ['keydown', 'input', 'change'])
    document.addEventListener(ev, start, {capture: true, once: true});
  const done = () => { if (s.t1 === null) { s.t1 = performance.now(); obs.disconnect(); } };
  const check = () => {
    if (s.t0 === null || s.t1 !== null) return;
    if (kind === 'text') {
      const now = __probe.text(arg);
      if (now && now !== before) done();
    } else {
      const img = __probe.img(arg);
      if (!img) return;
      if (img.complete && img.naturalWidth > 0) done();
      else img.addEventListener('load', done, {once: true});
    }
  };
  const obs = new MutationObserver(check);
  obs.observe(document.body, {subtree: true, childList: true, characterData: true,
                              attributes: true, attributeFilter: ['src']});
};
window.__lat = () => (window.__s && window.__s.t1 !== null) ? window.__s.t1 - window.__s.t0 : null;
"""
IDLE = (
    "() => { const a = document.querySelector('[data-testid=stApp]');"
    " return a && a.getAttribute('data-test-script-state') === 'notRunning'"
    " && a.getAttribute('data-test-connection-state') === 'CONNECTED'; }"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _server(script: Path, data_dir: Path) -> Iterator[str]:
    """`streamlit run script` on a free port; yields its URL once it accepts connections."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELHUNTER_")}
    env["MODELHUNTER_DATA_DIR"] = str(data_dir)
    command = [sys.executable, "-m", "streamlit", "run", str(script)]
    command += ["--server.headless", "true", "--server.port", str(port)]
    command += ["--server.address", "127.0.0.1"]
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit run {script.name} did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _photo(path: Path, n: int) -> Path:
    """A 1600×1000 PNG, different for each `n`, like a user's photo (≈ 40 kB)."""
    image = Image.new("RGB", (1600, 1000), (20 + 7 * n % 200, 48, 96 + 11 * n % 150))
    draw = ImageDraw.Draw(image)
    for k in range(12):
        box = (80 + k * 120, 200 + (k + n) % 3 * 150, 200 + k * 120, 320 + (k + n) % 3 * 150)
        draw.ellipse(box, fill=(240 - k * 10, 120 + k * 8, (60 + k * 12 + n * 29) % 256))
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    path.write_bytes(buf.getvalue())
    return path


_ALIKE_HEAD = """import streamlit as st

duration = st.slider("Duration (s)", 3, 15, 5, key="duration")
st.text(f"${0.084 * duration:.3f}")
upload = st.file_uploader("Image", type=["png", "jpg", "jpeg", "webp"], key="upload")
if upload is not None:
    st.image(upload)
"""


def _alike_script(folder: Path, photo: Path) -> tuple[Path, int]:
    """A plain script with as many elements as ours shows in these interactions (its head:
    the baseline apps' slider, text, uploader and image); the path and the element count."""
    from streamlit.testing.v1 import AppTest

    from bench import bench_page as bp

    with bp.demo_mode():
        os.environ[bp.ENV_DATA_DIR] = str(folder / "count")
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT_MS / 1000)
        at.run()
        upload = at.file_uploader(key="img|image|0|upload")
        upload.set_value((photo.name, photo.read_bytes(), "image/png")).run()
        if at.exception:
            raise RuntimeError(f"The Generate page raised: {at.exception[0].message}")
        counted = bp.count_elements(at)
    widgets = counted.widgets.copy()
    widgets.subtract({"Slider": 1, "FileUploader": 1})  # the head's two widgets
    rest = bp.Elements(+widgets, max(0, counted.others - 2), counted.blocks)  # text, image
    body = bp.plain_script(rest, widgets_only=False).split("\n", 2)[2]
    script = folder / "latency_alike_app.py"
    script.write_text(_ALIKE_HEAD + body)
    return script, counted.total


def _open(browser, url: str) -> Page:
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.add_init_script(HELPERS)
    page.goto(url, timeout=TIMEOUT_MS)
    page.get_by_test_id("stApp").wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function(IDLE, timeout=TIMEOUT_MS)
    return page


def _measured(page: Page, kind: str, arg: str | None, act) -> float:
    """ms from the interaction's first event to the DOM change; then wait until idle."""
    page.evaluate("([k, a]) => __arm(k, a)", [kind, arg])
    act()
    page.wait_for_function("() => __lat() !== null", timeout=TIMEOUT_MS, polling=10)
    latency = float(page.evaluate("() => __lat()"))
    page.wait_for_function(IDLE, timeout=TIMEOUT_MS)
    return latency


class _Side:
    """One app in one browser session: the two interactions and their resets."""

    def __init__(self, page: Page, ours: bool) -> None:
        self.page, self.ours, self.step = page, ours, 0
        self.slider = OUR_SLIDER if ours else BASE_SLIDER
        self.price = OUR_PRICE if ours else BASE_PRICE
        self.upload = OUR_UPLOAD if ours else BASE_UPLOAD

    def price_change(self) -> float:
        key = "ArrowRight" if self.step % 2 == 0 else "ArrowLeft"  # 5 s ↔ 6 s
        self.step += 1
        self.page.locator(self.slider).first.focus()
        return _measured(self.page, "text", self.price, lambda: self.page.keyboard.press(key))

    def preview(self, photo: Path) -> float:
        target = OUR_REMOVE if self.ours else None
        latency = _measured(
            self.page,
            "img",
            target,
            lambda: self.page.locator(self.upload).set_input_files(str(photo)),
        )
        self.clear()
        return latency

    def clear(self) -> None:
        if self.ours:
            self.page.locator(f"{OUR_REMOVE} button").click()
            self.page.locator(OUR_UPLOAD).wait_for(state="attached", timeout=TIMEOUT_MS)
        else:
            self.page.locator(BASE_DELETE).first.click()
            self.page.locator("[data-testid=stImage]").wait_for(
                state="detached", timeout=TIMEOUT_MS
            )
        self.page.wait_for_function(IDLE, timeout=TIMEOUT_MS)

    def ready_for_price(self, photo: Path) -> None:
        """Ours shows the price once the form is complete enough: give it a start image."""
        if self.ours:
            self.page.locator(OUR_UPLOAD).set_input_files(str(photo))
            self.page.locator(OUR_PRICE).wait_for(timeout=TIMEOUT_MS)
        self.page.locator(self.price).wait_for(timeout=TIMEOUT_MS)
        self.page.wait_for_function(IDLE, timeout=TIMEOUT_MS)


def run(repeats: int = REPEATS, quick: bool = False) -> list[Result]:
    """Median latencies of ours vs the plain apps, `repeats` interactions of each kind."""
    if quick:
        repeats = 2
    keys = ("ours_p", "base_p", "alike_p", "ours_i", "base_i", "alike_i")
    times: dict[str, list[float]] = {k: [] for k in keys}
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        tmp_path = Path(tmp)
        photos = [_photo(tmp_path / f"photo-{n}.png", n) for n in range(3 * repeats + 6)]
        alike, elements = _alike_script(tmp_path, photos[-4])
        ours_url = stack.enter_context(_server(ROOT / "app.py", tmp_path / "ours"))
        price_url = stack.enter_context(_server(HERE / "latency_price_app.py", tmp_path / "p"))
        upload_url = stack.enter_context(_server(HERE / "latency_upload_app.py", tmp_path / "u"))
        alike_url = stack.enter_context(_server(alike, tmp_path / "a"))
        pw = stack.enter_context(sync_playwright())
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        stack.callback(browser.close)
        # separate sessions for the two interactions of ours: the upload one starts empty
        ours_price = _Side(_open(browser, ours_url), ours=True)
        ours_image = _Side(_open(browser, ours_url), ours=True)
        base_price = _Side(_open(browser, price_url), ours=False)
        base_image = _Side(_open(browser, upload_url), ours=False)
        alike_price = _Side(_open(browser, alike_url), ours=False)
        alike_image = _Side(_open(browser, alike_url), ours=False)
        ours_price.ready_for_price(photos[-1])
        base_price.ready_for_price(photos[-1])
        alike_price.ready_for_price(photos[-1])
        for side in (ours_price, base_price, alike_price):  # warm-up, not counted
            side.price_change()
        for side, photo in ((ours_image, -2), (base_image, -3), (alike_image, -5)):
            side.preview(photos[photo])
        for n in range(repeats):
            prices = [
                ("ours_p", ours_price.price_change),
                ("base_p", base_price.price_change),
                ("alike_p", alike_price.price_change),
            ]
            previews = [
                ("ours_i", lambda n=n: ours_image.preview(photos[3 * n])),
                ("base_i", lambda n=n: base_image.preview(photos[3 * n + 1])),
                ("alike_i", lambda n=n: alike_image.preview(photos[3 * n + 2])),
            ]
            if n % 2:
                prices, previews = prices[::-1], previews[::-1]
            for key, measure in prices + previews:
                times[key].append(measure())
    med = {k: statistics.median(v) for k, v in times.items()}
    spread = {k: f"{min(v):.0f}–{max(v):.0f}" for k, v in times.items()}
    how = f"median of {repeats} each, taking turns; headless Chromium, in-page performance.now()"

    def alike(kind: str) -> str:
        ms = med[f"alike_{kind}"]
        return (
            f"; a plain script with as many elements ({elements}), these widgets first: "
            f"{ms:.0f} ms (ours {med[f'ours_{kind}'] / ms:.2f}× that)"
        )

    return [
        Result(
            name="Interaction latency: duration → price shown",
            unit="ms",
            baseline_label="st.slider + st.text",
            baseline=med["base_p"],
            ours_label="Generate form → Price metric",
            ours=med["ours_p"],
            goal=1.3,
            note=f"{how}; keydown → new text; range {spread['base_p']} vs {spread['ours_p']} ms"
            + alike("p"),
        ),
        Result(
            name="Interaction latency: file chosen → preview shown",
            unit="ms",
            baseline_label="st.file_uploader + st.image",
            baseline=med["base_i"],
            ours_label="start-image input → framed preview",
            ours=med["ours_i"],
            goal=1.3,
            note=f"{how}; input event → <img> loaded; 1600×1000 PNG, new each time; "
            f"range {spread['base_i']} vs {spread['ours_i']} ms" + alike("i"),
        ),
    ]


if __name__ == "__main__":
    sys.stdout.write(format_table(run()) + "\n")
