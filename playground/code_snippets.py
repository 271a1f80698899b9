"""Copy as code: cURL, Python (httpx) and JavaScript (fetch) that send exactly what the app sends.

The body is `modelhunter.wire.submit_body(request)`, the same function `Client.submit` posts,
written into each language as a literal that decodes to the same bytes. The key is never in a
snippet: it is read from the `MODELHUNTER_KEY` environment variable. A local image not uploaded
yet stands in the body as a placeholder token (`__IMAGE_URL__`), and the three upload steps
that produce its URL come first (the token is replaced by the URL before the submit).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from modelhunter.requests import KlingV3Request, KlingV26Request, parse_request
from modelhunter.wire import submit_body
from playground.draft import PENDING_UPLOAD

__all__ = ["KEY_ENV", "LocalImage", "Snippets", "as_sent", "snippets", "token_for"]

KEY_ENV = "MODELHUNTER_KEY"
SUBMIT_PATH = "/kling/image-to-video"


@dataclass(frozen=True)
class LocalImage:
    """A local file of the form: the body field it fills, and what the upload must declare."""

    field: str
    name: str
    content_type: str
    size_bytes: int
    placeholder: str  # the stand-in URL the body carries until it is uploaded


@dataclass(frozen=True)
class Snippets:
    curl: str
    python: str
    javascript: str
    body: bytes  # what is sent (with the placeholder tokens when images are uploaded first)


def token_for(field: str) -> str:
    """The placeholder a local image's URL has in a snippet's body."""
    return f"__{field.upper()}_URL__"


def _body_text(body: bytes, images: list[LocalImage]) -> str:
    text = body.decode("utf-8")
    for image in images:
        text = text.replace(image.placeholder, token_for(image.field))
    return text


def _sh(text: str) -> str:
    """A single-quoted shell word."""
    return "'" + text.replace("'", "'\\''") + "'"


def _curl(base: str, text: str, images: list[LocalImage]) -> str:
    auth = f'-H "Authorization: Bearer ${KEY_ENV}"'
    lines = [
        f"# export {KEY_ENV}=...   (your key; never paste it into the command itself)",
        f"API={_sh(base)}",
    ]
    for n, image in enumerate(images, start=1):
        var = token_for(image.field).strip("_")
        ticket = json.dumps(
            {
                "filename": image.name,
                "contentType": image.content_type,
                "sizeBytes": image.size_bytes,
            },
            ensure_ascii=False,
        )
        lines += [
            f"# {image.field}: upload {image.name} in three steps (needs jq)",
            f'TICKET{n}=$(curl -s -X POST "$API/files/upload-url" {auth} '
            f"-H 'Content-Type: application/json' --data-binary {_sh(ticket)})",
            f'curl -s -X PUT "$(echo "$TICKET{n}" | jq -r .data.upload_url)" '
            f"-H {_sh('Content-Type: ' + image.content_type)} --data-binary @{_sh(image.name)}",
            f'{var}=$(curl -s -X POST "$API/files/$(echo "$TICKET{n}" | jq -r .data.file_id)'
            f'/complete" {auth} | jq -r .data.url)',
        ]
    lines.append(f"BODY={_sh(text)}")
    for image in images:
        token = token_for(image.field)
        lines.append(f'BODY="${{BODY//{token}/${token.strip("_")}}}"')
    lines.append(
        f'curl -X POST "$API{SUBMIT_PATH}" {auth} '
        "-H 'Content-Type: application/json' --data-binary \"$BODY\""
    )
    return "\n".join(lines)


def _python(base: str, text: str, images: list[LocalImage]) -> str:
    lines = [
        "import os",
        "",
        "import httpx",
        "",
        f"API = {base!r}",
        f'AUTH = {{"Authorization": "Bearer " + os.environ["{KEY_ENV}"]}}',
        f"BODY = {text!r}",
    ]
    for image in images:
        ticket = {
            "filename": image.name,
            "contentType": image.content_type,
            "sizeBytes": image.size_bytes,
        }
        lines += [
            "",
            f"# {image.field}: upload {image.name} in three steps",
            f'ticket = httpx.post(API + "/files/upload-url", headers=AUTH, json={ticket!r})'
            '.json()["data"]',
            f'with open({image.name!r}, "rb") as f:',
            f'    httpx.put(ticket["upload_url"], content=f.read(), '
            f'headers={{"Content-Type": {image.content_type!r}}}).raise_for_status()',
            'done = httpx.post(API + "/files/" + ticket["file_id"] + "/complete", headers=AUTH)',
            f'BODY = BODY.replace({token_for(image.field)!r}, done.json()["data"]["url"])',
        ]
    lines += [
        "",
        f'reply = httpx.post(API + "{SUBMIT_PATH}", content=BODY.encode("utf-8"),',
        '                   headers={**AUTH, "Content-Type": "application/json"}, timeout=60)',
        "print(reply.status_code, reply.json())",
    ]
    return "\n".join(lines)


def _js(base: str, text: str, images: list[LocalImage]) -> str:
    lines = [
        "// Node 18+ (fetch built in); run as an ES module (.mjs)",
        f"const API = {json.dumps(base)};",
        f'const AUTH = {{ Authorization: "Bearer " + process.env.{KEY_ENV} }};',
        f"let body = {json.dumps(text, ensure_ascii=False)};",
    ]
    if images:
        lines.insert(1, 'import { readFile } from "node:fs/promises";')
    for image in images:
        ticket = json.dumps(
            {
                "filename": image.name,
                "contentType": image.content_type,
                "sizeBytes": image.size_bytes,
            }
        )
        lines += [
            f"// {image.field}: upload {image.name} in three steps",
            "{",
            '  const t = await (await fetch(API + "/files/upload-url", { method: "POST", '
            'headers: { ...AUTH, "Content-Type": "application/json" }, '
            f"body: {json.dumps(ticket)} "
            "})).json();",
            '  await fetch(t.data.upload_url, { method: "PUT", '
            f'headers: {{ "Content-Type": {json.dumps(image.content_type)} }}, '
            f"body: await readFile({json.dumps(image.name)}) }});",
            '  const done = await (await fetch(API + "/files/" + t.data.file_id + "/complete", '
            '{ method: "POST", headers: AUTH })).json();',
            f"  body = body.replace({json.dumps(token_for(image.field))}, done.data.url);",
            "}",
        ]
    lines += [
        f'const reply = await fetch(API + "{SUBMIT_PATH}", {{',
        '  method: "POST",',
        '  headers: { ...AUTH, "Content-Type": "application/json" },',
        "  body,",
        "});",
        "console.log(reply.status, await reply.json());",
    ]
    return "\n".join(lines)


def snippets(
    request: KlingV3Request | KlingV26Request,
    base_url: str,
    images: list[LocalImage] | None = None,
) -> Snippets:
    """The three snippets for `request` (local `images` uploaded first)."""
    images = [i for i in images or [] if i.placeholder.startswith(PENDING_UPLOAD)]
    body = submit_body(request)
    text = _body_text(body, images)
    base = base_url.rstrip("/")
    return Snippets(
        curl=_curl(base, text, images),
        python=_python(base, text, images),
        javascript=_js(base, text, images),
        body=text.encode("utf-8"),
    )


def as_sent(
    request: KlingV3Request | KlingV26Request, client_ref: str
) -> KlingV3Request | KlingV26Request:
    """The request as `Jobs.submit` sends it: its wire body with our `client_ref` added."""
    body = request.wire()
    body["metadata"] = {**(body.get("metadata") or {}), "client_ref": client_ref}
    return parse_request(body)
