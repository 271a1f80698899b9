"""Where the fake lives (API, storage and CDN origins) and its signed URLs.

Signed URLs carry an expiry (unix seconds, fake-clock time) and an HMAC-SHA256 over the path
and that expiry, keyed by a random per-instance secret; the host is not signed, so the same
URL checks out in-process and behind a real server.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

import httpx

__all__ = [
    "Origins",
    "SIGNED_URL_TTL_S",
    "SignedUrls",
    "mount_path",
]

SIGNED_URL_TTL_S = 15 * 60  # upload and result URLs are valid 15 minutes (contract §4.7, §5)


@dataclass(frozen=True)
class Origins:
    """The three bases URLs in replies are built on (no trailing slash)."""

    api: str
    storage: str
    cdn: str

    @classmethod
    def of(cls, api: str, storage: str, cdn: str) -> Origins:
        return cls(api.rstrip("/"), storage.rstrip("/"), cdn.rstrip("/"))

    @classmethod
    def served_at(cls, origin: str) -> Origins:
        """The layout of the ASGI app: `/api/v1`, `/storage`, `/cdn` under one origin."""
        origin = origin.rstrip("/")
        return cls(f"{origin}/api/v1", f"{origin}/storage", f"{origin}/cdn")


def _port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


def mount_path(base: str, url: httpx.URL) -> str | None:
    """The path of `url` below `base` (`"/tasks"`), or None when `url` is not under `base`."""
    root = httpx.URL(base)
    if (url.scheme, url.host, _port(url)) != (root.scheme, root.host, _port(root)):
        return None
    prefix = root.path.rstrip("/")
    path = url.path
    if prefix and not (path == prefix or path.startswith(prefix + "/")):
        return None
    return path[len(prefix) :] or "/"


class SignedUrls:
    """Makes and checks signed URLs with query parameters `expiry_param` and `sig_param`."""

    def __init__(self, expiry_param: str, sig_param: str, secret: bytes | None = None) -> None:
        self.expiry_param = expiry_param
        self.sig_param = sig_param
        self._secret = secret or secrets.token_bytes(32)

    def _mac(self, path: str, expires: int) -> str:
        message = f"{path}\n{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def sign(self, base: str, path: str, expires: datetime) -> str:
        """`base + path` with expiry and signature appended; `path` starts with `/`."""
        stamp = int(expires.timestamp())
        query = urlencode({self.expiry_param: stamp, self.sig_param: self._mac(path, stamp)})
        return f"{base}{path}?{query}"

    def problem(self, path: str, query: dict[str, str], now: datetime) -> str | None:
        """None when the signature is good and unexpired; else `"signature"` or `"expired"`."""
        try:
            stamp = int(query.get(self.expiry_param, ""))
        except ValueError:
            return "signature"
        given = query.get(self.sig_param, "")
        if not hmac.compare_digest(given.encode(), self._mac(path, stamp).encode()):
            return "signature"
        if now.timestamp() > stamp:
            return "expired"
        return None
