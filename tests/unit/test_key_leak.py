"""The API key never leaks: not into logs, exceptions, the store, run records, reprs or pages.

A recognisable canary key is built at run time (so its text is nowhere in the repository),
taken through a full session against the offline ModelHunter — upload, submit, poll,
download, an ambiguous submit, an auth error, a 5xx with an HTML body, validation errors —
with every logger at DEBUG, and then searched for everywhere it could have ended up.
"""

from __future__ import annotations

import io
import logging
import secrets
import string
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import streamlit as st
from PIL import Image
from streamlit.testing.v1 import AppTest

from fake_modelhunter import FakeModelHunter, ManualClock, Timing, serve
from modelhunter.client import Client, mask_key
from modelhunter.errors import ApiError
from modelhunter.requests import parse_request
from playground.backend import use_demo_service
from playground.jobs import Jobs, Upload
from playground.runs import Run
from playground.settings import scope_for
from playground.store import Store

APP = Path(__file__).resolve().parents[2] / "app.py"
MARK = "LEAK" + "CANARY"  # split so the marker itself is not a literal in the repo
ALPHABET = string.ascii_letters + string.digits
LOGGERS = ("", "httpx", "httpcore", "uvicorn", "streamlit", "modelhunter", "playground")


@pytest.fixture
def canary() -> str:
    secret = MARK + "".join(secrets.choice(ALPHABET) for _ in range(32 - len(MARK)))
    return "river_" + "live_" + secret


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 200), (200, 120, 40)).save(out, format="PNG")
    return out.getvalue()


def _request(image: str = "https://example.com/a.png") -> Any:
    return parse_request({"model": "kling-v3", "input": {"image": image, "prompt": "dawn"}})


def _exception_texts(exc: BaseException) -> Iterator[str]:
    """str, repr, args, body and traceback of an exception and of its whole chain."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield str(current)
        yield repr(current)
        yield repr(current.args)
        yield repr(vars(current))
        current = current.__cause__ or current.__context__
    yield "".join(traceback.format_exception(exc))


def _leaks(texts: Iterator[str] | list[str], key: str) -> list[str]:
    secret = key.removeprefix("river_live_")
    return [t[:200] for t in texts if MARK in t or secret in t or key in t]


def test_a_full_session_leaks_the_key_nowhere(
    canary: str, debug_logs: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    clock = ManualClock()
    fake = FakeModelHunter(clock=clock, synthesize_videos=False)
    client = Client(
        canary,
        base_url=fake.base_url,
        transport=httpx.MockTransport(fake.handle),
        sleep=lambda seconds: None,
    )
    store = Store(tmp_path, scope_for(canary))
    jobs = Jobs(client, store, now=clock.now)
    raised: list[BaseException] = []

    def expect_error(call: Callable[[], object]) -> None:
        try:
            call()
        except (ApiError, ValueError) as exc:
            raised.append(exc)
        else:
            pytest.fail("an error was expected")

    upload = Upload(name="frame.png", content_type="image/png", data=_png())
    runs: list[Run] = [jobs.submit(_request(), {"image": upload})]
    fake.faults.timeout_next(after_accept=True, match=("POST", "/kling"))
    runs.append(jobs.submit(_request()))  # ambiguous, then reconciled
    fake.faults.fail_next(502, html=True, match=("POST", "/kling"))
    runs.append(jobs.submit(_request()))  # ambiguous with an HTML page
    runs.append(jobs.submit(_request(f"{fake.origins.cdn}/files/file_nope.png")))  # 400
    clock.advance(60)
    jobs.refresh(runs)
    assert runs[0].video_file is not None and runs[1].task is not None
    assert runs[3].phase == "rejected"

    fake.faults.fail_next(500, html=True, times=3, match=("GET", "/tasks"))
    expect_error(lambda: client.get_task(runs[0].task.id))  # 5xx HTML, retries spent
    expect_error(lambda: client.list_tasks(start_date="not a date"))  # validation error
    expect_error(lambda: client.list_tasks(limit=1000))  # refused locally
    fake.set_key_state(canary, "expired")
    expect_error(lambda: client.get_task(runs[0].task.id))  # 401
    jobs.refresh([runs[1]])
    recorded_errors = [jobs.last_error or ""]
    fake.set_key_state(canary, "revoked")
    expect_error(lambda: client.get_balance())  # 403
    with pytest.raises(ValueError) as bad_key:
        Client(canary + " x")
    raised.append(bad_key.value)
    assert len(raised) == 6

    assert any(r.name.startswith("httpx") for r in debug_logs.records), "logging was on"
    assert not _leaks([debug_logs.text], canary), "logs"
    assert not _leaks([r.getMessage() for r in debug_logs.records], canary), "log records"
    for exc in raised:
        assert not _leaks(_exception_texts(exc), canary), f"exception {type(exc).__name__}"
    for run in runs:
        recorded_errors += [run.error or "", run.advice or "", run.video_error or ""]
        assert not _leaks([run.model_dump_json(), repr(run)], canary), "run record"
    assert not _leaks(recorded_errors, canary), "messages shown to users"
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".mp4" for p in files) and any("sqlite" in p.name for p in files)
    for path in [*files, *tmp_path.rglob("*")]:
        assert not _leaks([str(path)], canary), "a path"
    for path in files:
        data = path.read_bytes()
        assert MARK.encode() not in data and canary.encode() not in data, path.name
    assert not _leaks([repr(client), repr(jobs), str(vars(jobs))], canary), "reprs"
    assert mask_key(canary) in repr(client)


def _element_texts(node: Any) -> Iterator[str]:
    """Every element's proto as text, depth first."""
    proto = getattr(node, "proto", None)
    if proto is not None:
        yield str(proto)
    for child in getattr(node, "children", {}).values():
        yield from _element_texts(child)


def _page_texts(at: AppTest) -> list[str]:
    texts = list(_element_texts(at._tree))
    texts.append(repr(at.query_params))
    return texts


@pytest.mark.parametrize("source", ["env", "sidebar"])
def test_the_app_with_a_live_key_shows_it_masked_and_nowhere_else(
    source: str,
    canary: str,
    debug_logs: pytest.LogCaptureFixture,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = ManualClock()
    timing = Timing(pending_s=1, queued_s=1, running_s=4)
    fake = FakeModelHunter(clock=clock, timing=timing, synthesize_videos=False)
    with fake, serve(fake) as base_url:
        if source == "env":
            monkeypatch.setenv("MODELHUNTER_KEY", canary)
        else:
            monkeypatch.delenv("MODELHUNTER_KEY", raising=False)
        monkeypatch.setenv("MODELHUNTER_BASE_URL", base_url)
        monkeypatch.setenv("MODELHUNTER_DATA_DIR", str(tmp_path / "data"))
        st.cache_data.clear()
        st.cache_resource.clear()
        use_demo_service(None)

        at = AppTest.from_file(str(APP), default_timeout=60)
        at.run()
        assert not at.exception, at.exception
        if source == "sidebar":
            at.text_input(key="sidebar_key_input").input(canary).run()
            assert not at.exception, at.exception
            assert at.text_input(key="sidebar_key_input").value == ""
        assert any(mask_key(canary) in c.value for c in at.sidebar.caption)
        assert any("Live key" in text for text in _element_texts(at.sidebar))
        pages = [_page_texts(at)]

        at.file_uploader(key="img|image|0|upload").set_value(
            ("frame.png", _png(), "image/png")
        ).run()
        at.button(key="submit").click().run()
        assert not at.exception, at.exception
        assert fake.task_count(canary) == 1
        pages.append(_page_texts(at))
        clock.advance(30)
        at.run()
        at.run()
        assert not at.exception, at.exception
        assert at.get("video"), "the finished video plays"
        pages.append(_page_texts(at))

        fake.set_key_state(canary, "revoked")
        clock.advance(5)
        at.switch_page("app_pages/gallery.py").run()
        assert not at.exception, at.exception
        pages.append(_page_texts(at))

    for texts in pages:
        assert texts and not _leaks(texts, canary), "the page shows the key"
    assert any(r.name.startswith("httpcore") for r in debug_logs.records), "logging was on"
    assert not _leaks([debug_logs.text], canary), "logs"
    stored = b"".join(p.read_bytes() for p in (tmp_path / "data").rglob("*") if p.is_file())
    assert stored and MARK.encode() not in stored
