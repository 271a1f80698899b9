"""The fake's endpoint table: (host, method, path pattern) → handler, and the replies for
requests that match no endpoint (API: the error envelope; storage/CDN: XML)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from fake_modelhunter import api_files, api_tasks
from fake_modelhunter.replies import Reply, error_reply, storage_error
from fake_modelhunter.state import Incoming, Mount

__all__ = ["ROUTES", "Route", "find_route", "not_routed"]


@dataclass(frozen=True)
class Route:
    mount: Mount
    method: str
    pattern: re.Pattern[str]
    handler: Callable[..., Reply]
    auth: bool = True


_ID = r"(?P<{}>[A-Za-z0-9_.\-]+)"
ROUTES: tuple[Route, ...] = (
    Route("api", "POST", re.compile(r"/kling/image-to-video"), api_tasks.submit),
    Route("api", "GET", re.compile(r"/tasks"), api_tasks.list_tasks),
    Route("api", "GET", re.compile(r"/tasks/" + _ID.format("task_id")), api_tasks.get_task),
    Route(
        "api",
        "POST",
        re.compile(r"/tasks/" + _ID.format("task_id") + "/cancel"),
        api_tasks.cancel_task,
    ),
    Route("api", "GET", re.compile(r"/balance"), api_tasks.balance),
    Route("api", "POST", re.compile(r"/files/upload-url"), api_files.upload_url),
    Route(
        "api",
        "POST",
        re.compile(r"/files/" + _ID.format("file_id") + "/complete"),
        api_files.complete_upload,
    ),
    Route(
        "storage",
        "PUT",
        re.compile(r"/uploads/" + _ID.format("file_id")),
        api_files.put_upload,
        auth=False,
    ),
    Route(
        "cdn",
        "GET",
        re.compile(r"/results/(?P<task_id>[A-Za-z0-9_\-]+)\.mp4"),
        api_files.cdn_result,
        auth=False,
    ),
    Route("cdn", "GET", re.compile(r"/files/" + _ID.format("name")), api_files.cdn_file, False),
)


def find_route(incoming: Incoming) -> tuple[Route, dict[str, str]] | Reply:
    """The route and its path parameters, or the 404/405 reply when none matches."""
    path = incoming.path.rstrip("/") or "/"
    candidates = [
        (route, match)
        for route in ROUTES
        if route.mount == incoming.mount and (match := route.pattern.fullmatch(path))
    ]
    for route, match in candidates:
        if route.method == incoming.method:
            return route, match.groupdict()
    return not_routed(incoming, ", ".join(sorted({r.method for r, _ in candidates})))


def not_routed(incoming: Incoming, allowed: str) -> Reply:
    where = f"{incoming.method} {incoming.log_path}"
    if allowed and incoming.mount == "api":
        return error_reply(
            405, "METHOD_NOT_ALLOWED", f"{where} is not allowed", headers={"Allow": allowed}
        )
    if allowed:
        reply = storage_error(405, "MethodNotAllowed", f"{where} is not allowed")
        return Reply(reply.status, reply.body, {**reply.headers, "Allow": allowed})
    if incoming.mount == "api":
        return error_reply(404, "NOT_FOUND", f"No endpoint {where}")
    return storage_error(404, "NoSuchKey", "The specified key does not exist.")
