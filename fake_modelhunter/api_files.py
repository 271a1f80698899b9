"""Handlers of the file flow (§5) and of the storage and CDN hosts.

Storage PUTs and result downloads are authorised by their signed URL only (never by the
bearer key) and answer errors in object-storage XML. Uploaded files are public on the CDN.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from fake_modelhunter.files import FileRecord, image_problem, parse_upload_request
from fake_modelhunter.replies import Reply, ServiceError, iso, ok, storage_error
from fake_modelhunter.state import Incoming, State, json_body
from fake_modelhunter.urls import SIGNED_URL_TTL_S

__all__ = [
    "cdn_file",
    "cdn_result",
    "complete_upload",
    "put_upload",
    "upload_url",
]

_SIGNATURE_REFUSALS = {
    "expired": ("AccessDenied", "Request has expired"),
    "signature": (
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided",
    ),
}


def _refused(problem: str) -> Reply:
    return storage_error(403, *_SIGNATURE_REFUSALS[problem])


def upload_url(state: State, request: Incoming, key: str) -> Reply:
    """`POST /files/upload-url` → a presigned PUT address valid 15 minutes."""
    filename, content_type, size = parse_upload_request(json_body(request.body))
    with state.lock:
        now = state.now()
        record = FileRecord(
            id=state.new_id("file"),
            owner=key,
            filename=filename,
            content_type=content_type,
            size_bytes=size,
            created_at=now,
        )
        state.files[record.id] = record
    expires = now + timedelta(seconds=SIGNED_URL_TTL_S)
    url = state.uploads.sign(request.origins.storage, f"/uploads/{record.id}", expires)
    return ok({"upload_url": url, "file_id": record.id, "expires_at": iso(expires)})


def put_upload(state: State, request: Incoming, file_id: str) -> Reply:
    """`PUT <upload_url>`: store the bytes if signature, type and size check out."""
    problem = state.uploads.problem(f"/uploads/{file_id}", request.query, state.now())
    if problem is not None:
        return _refused(problem)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    with state.lock:
        record = state.files.get(file_id)
        if record is None:
            return storage_error(404, "NoSuchUpload", "The upload does not exist")
        if record.completed:
            return storage_error(409, "InvalidObjectState", "The upload is already complete")
        if content_type != record.content_type:
            return storage_error(
                400,
                "InvalidArgument",
                f"Content-Type must be {record.content_type} as declared, not "
                f"{content_type or 'missing'}",
            )
        if len(request.body) != record.size_bytes:
            return storage_error(
                400,
                "IncompleteBody",
                f"The body has {len(request.body)} bytes but {record.size_bytes} were declared",
            )
        record.data = request.body
    etag = hashlib.md5(request.body, usedforsecurity=False).hexdigest()
    return Reply(200, b"", {"ETag": f'"{etag}"'})


def complete_upload(state: State, request: Incoming, key: str, file_id: str) -> Reply:
    """`POST /files/{id}/complete` → the file with its CDN `url`; images are checked."""
    with state.lock:
        record = state.files.get(file_id)
        if record is None or record.owner != key:
            raise ServiceError(404, "NOT_FOUND", "File not found", details={"field": "file_id"})
        data = record.data
    if data is None:
        raise ServiceError(
            400,
            "INVALID_PARAMETER",
            "The file has not been uploaded yet: PUT its bytes to the upload_url first",
        )
    if record.is_image and not record.completed:
        problem = image_problem(data)
        if problem is not None and problem.startswith("Images can be at most"):
            raise ServiceError(422, "FILE_TOO_LARGE", problem)
        if problem is not None:
            raise ServiceError(400, "INVALID_PARAMETER", problem, details={"field": "file"})
    with state.lock:
        record.completed = True
        return ok(record.to_json(request.origins.cdn))


def cdn_file(state: State, request: Incoming, name: str) -> Reply:
    """`GET /cdn/files/{id}.{ext}`: a completed upload, public."""
    with state.lock:
        record = state.files.get(name.split(".")[0])
        if record is None or not record.completed or record.data is None:
            return storage_error(404, "NoSuchKey", "The specified key does not exist.")
        return Reply(200, record.data, {"Content-Type": record.content_type})


def cdn_result(state: State, request: Incoming, task_id: str) -> Reply:
    """`GET /cdn/results/{id}.mp4?expires=…&signature=…`: the task's video."""
    problem = state.results.problem(f"/results/{task_id}.mp4", request.query, state.now())
    if problem is not None:
        return _refused(problem)
    with state.lock:
        record = state.tasks.get(task_id)
        done = record is not None and record.phase(state.now()).status == "succeeded"
    try:
        if not done:
            raise KeyError(task_id)
        video = state.videos.video(task_id)
    except KeyError:
        return storage_error(404, "NoSuchKey", "The specified key does not exist.")
    return Reply(200, video, {"Content-Type": "video/mp4"})
