"""Copy as code: each snippet, run by its own language, sends the bytes `Client.submit` sends."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import httpx
import pytest

from fake_modelhunter import FakeModelHunter
from modelhunter.client import Client
from modelhunter.requests import parse_request
from playground.code_snippets import KEY_ENV, LocalImage, snippets, token_for
from playground.draft import PENDING_UPLOAD

KEY = "river_test_" + "s" * 32
BODY = {
    "model": "kling-v3",
    "input": {
        "image": "https://images.example.com/cat.jpg",
        "prompt": 'it\'s a "quoted" café — naïve ${HOME} `x` \\ ok',
        "duration": 5,
    },
    "metadata": {"client_ref": "run_00aa"},
}


def _sent_by_client(fake: FakeModelHunter) -> bytes:
    seen: list[bytes] = []

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/kling/image-to-video"):
            seen.append(request.content)
        return fake.handle(request)

    with Client(KEY, base_url=fake.base_url, transport=httpx.MockTransport(handle)) as client:
        client.submit(parse_request(BODY))
    return seen[0]


def test_every_snippet_carries_the_exact_bytes_and_never_the_key(
    fake_modelhunter: FakeModelHunter,
) -> None:
    sent = _sent_by_client(fake_modelhunter)
    code = snippets(parse_request(BODY), "https://api.modelhunter.ai/api/v1")
    assert code.body == sent
    for text in (code.curl, code.python, code.javascript):
        assert KEY not in text and KEY_ENV in text

    curl_body = "\n".join(line for line in code.curl.splitlines() if line.startswith("BODY="))
    shell = subprocess.run(
        ["bash", "-c", curl_body + '\nprintf %s "$BODY"'], capture_output=True, check=True
    )
    assert shell.stdout == sent
    js_body = next(line for line in code.javascript.splitlines() if line.startswith("let body"))
    node = subprocess.run(
        ["node", "-e", js_body + "\nprocess.stdout.write(body)"], capture_output=True, check=True
    )
    assert node.stdout == sent
    scope: dict[str, object] = {}
    exec(next(line for line in code.python.splitlines() if line.startswith("BODY =")), scope)
    assert str(scope["BODY"]).encode("utf-8") == sent


class _Httpx:
    """Stands in for the `httpx` module inside the snippet: the same calls, to the fake."""

    def __init__(self, fake: FakeModelHunter) -> None:
        self.client = httpx.Client(transport=httpx.MockTransport(fake.handle))
        self.submits: list[bytes] = []

    def post(self, url: str, **kw: object) -> httpx.Response:
        kw.pop("timeout", None)
        response = self.client.post(url, **kw)  # type: ignore[arg-type]
        if url.endswith("/kling/image-to-video"):
            self.submits.append(response.request.content)
        return response

    def put(self, url: str, **kw: object) -> httpx.Response:
        return self.client.put(url, **kw)  # type: ignore[arg-type]


def test_a_local_image_is_uploaded_in_three_steps_before_the_submit(
    fake_modelhunter: FakeModelHunter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.app.conftest import photo

    data = photo(200, 150)
    (tmp_path / "me.png").write_bytes(data)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(KEY_ENV, KEY)
    placeholder = f"{PENDING_UPLOAD}{'b' * 64}/me.png"
    request = parse_request({**BODY, "input": {**BODY["input"], "image": placeholder}})
    image = LocalImage("image", "me.png", "image/png", len(data), placeholder)
    code = snippets(request, fake_modelhunter.base_url, [image])
    assert placeholder not in code.curl + code.python + code.javascript
    assert token_for("image") in code.curl and "upload-url" in code.curl
    assert code.curl.index("upload-url") < code.curl.index("/kling/image-to-video")

    shim = _Httpx(fake_modelhunter)
    exec(
        code.python.replace("import httpx\n", ""),
        {"httpx": shim, "os": os, "print": lambda *a: None},
    )
    (sent,) = shim.submits
    body = json.loads(sent)
    assert body["input"]["image"].startswith("http") and "pending" not in body["input"]["image"]
    expected = code.body.replace(token_for("image").encode(), body["input"]["image"].encode())
    assert sent == expected
    assert fake_modelhunter.task_count() == 1
