"""Fetch a user-given image URL on the server, for a preview, without becoming an SSRF proxy.

Guards, in order, for the URL and again for every redirect target (at most 3, followed by
hand, never by httpx):

1. only `http`/`https`, no user name or password in the URL;
2. the host is resolved *before* connecting, and every address it resolves to must be public:
   private, loopback, link-local, multicast, reserved, unspecified and shared (CGNAT) ranges
   are refused, in IPv4 and IPv6, including IPv4 carried inside IPv6 (mapped, 6to4, Teredo,
   NAT64) and IPv4 written as one number, hex or octal (`2130706433`, `0x7f.1`), which is how
   browsers and `getaddrinfo` read them; `localhost` is refused by name;
3. the connection goes to the vetted address (pinned: the request URL carries the IP, while
   the `Host` header and the TLS SNI/certificate check use the original name), so a DNS
   answer that changes between check and connect (rebinding) cannot redirect us;
4. the body is streamed and reading stops at `max_bytes`; one deadline covers DNS, connect,
   redirects and the whole body (a slow drip cannot stretch it past one read timeout).

Nothing identifying is sent: no Authorization, no cookies (there is no cookie jar: requests
go straight to the transport), no proxy or `.netrc` from the environment.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import httpx

from modelhunter.images import MAX_BYTES, format_size

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT_S",
    "MAX_REDIRECTS",
    "RemoteImageError",
    "fetch_image",
]

DEFAULT_MAX_BYTES = MAX_BYTES  # the API's image limit: a bigger image is refused anyway
DEFAULT_TIMEOUT_S = 10.0
MAX_REDIRECTS = 3
USER_AGENT = "kling-playground/0.1 (image preview)"
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Servers that don't label their files; the bytes are checked by `inspect_image` afterwards.
_UNLABELLED_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NUMBER = re.compile(r"0x[0-9a-f]*|[0-9]+")
PRIVATE_MESSAGE = "This address points to a private network; use a public image URL."

Resolver = Callable[..., list[tuple[Any, ...]]]


class RemoteImageError(Exception):
    """A refused or failed image URL; `message` is plain words for the user.

    `blocking` is False when we merely could not check the image (no answer in time, no
    connection, name not found — e.g. offline): the API fetches the URL itself, so a UI may
    let such a URL through unchecked. Refusals (unsafe address, HTTP error, not an image,
    too large) are blocking.
    """

    def __init__(self, message: str, *, blocking: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.blocking = blocking


def fetch_image(
    url: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    transport: httpx.BaseTransport | None = None,
    resolver: Resolver = socket.getaddrinfo,
    clock: Callable[[], float] = time.monotonic,
) -> bytes:
    """Download the image at a public `url`, refusing anything that is not safe to fetch.

    `resolver` has the signature of `socket.getaddrinfo`; `transport` and `clock` exist so
    tests run without network or sleeping. The bytes are not checked as an image here: pass
    them to `modelhunter.images.inspect_image`.

    Raises:
        RemoteImageError: refused scheme or address, too many redirects, HTTP error status,
            non-image content type, body over `max_bytes`, timeout or connection failure.
    """
    deadline = clock() + timeout_s
    timed_out = f"The server did not answer within {timeout_s:g} s; try again or use another URL."

    def remaining() -> float:
        left = deadline - clock()
        if left <= 0:
            raise RemoteImageError(timed_out, blocking=False)
        return left

    owned = transport is None
    sender = transport if transport is not None else httpx.HTTPTransport(retries=0)
    current = _parse(url)
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            ip = _vetted_address(current, resolver, remaining)
            response = sender.handle_request(_pinned_request(current, ip, remaining()))
            try:
                if response.status_code in _REDIRECT_STATUSES:
                    location = response.headers.get("location", "")
                    if not location:
                        raise RemoteImageError("The URL redirects, but not to any address.")
                    try:
                        target = str(current.join(location))
                    except httpx.InvalidURL as exc:
                        raise RemoteImageError(
                            "The URL redirects to an address that is not valid."
                        ) from exc
                    current = _parse(target)
                    continue
                _check_answer(response, max_bytes)
                return _read_capped(response, max_bytes, remaining)
            finally:
                response.close()
        raise RemoteImageError(
            f"The URL redirects more than {MAX_REDIRECTS} times; use the image's final address."
        )
    except httpx.TimeoutException as exc:
        raise RemoteImageError(timed_out, blocking=False) from exc
    except httpx.ConnectError as exc:
        host = current.host
        if "certificate" in str(exc).lower():
            raise RemoteImageError(
                f"The secure connection to {host} failed (its certificate is not valid)."
            ) from exc
        raise RemoteImageError(
            f"Could not connect to {host}; check the URL or try again later.", blocking=False
        ) from exc
    except httpx.TransportError as exc:
        raise RemoteImageError(
            "The server's answer was broken or cut off; try again or use another URL.",
            blocking=False,
        ) from exc
    finally:
        if owned:
            sender.close()


def _parse(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url.strip())
    except httpx.InvalidURL as exc:
        raise RemoteImageError("This is not a valid web address; check the URL.") from exc
    if parsed.scheme not in ("http", "https"):
        shown = f" ({parsed.scheme}:// is not)" if parsed.scheme else ""
        raise RemoteImageError(f"Only http:// and https:// image URLs can be used{shown}.")
    if parsed.userinfo:
        raise RemoteImageError(
            "URLs with a user name or password are not supported; use a public image URL."
        )
    if not parsed.raw_host:
        raise RemoteImageError("This URL has no host name; check the URL.")
    return parsed


def _vetted_address(url: httpx.URL, resolver: Resolver, remaining: Callable[[], float]) -> str:
    """The address to connect to; every address of the host must be public."""
    host = url.raw_host.decode("ascii").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        raise RemoteImageError(PRIVATE_MESSAGE)
    literal = _literal_ip(host)
    if literal is not None:
        _require_public(literal)
        return str(literal)
    port = url.port or (443 if url.scheme == "https" else 80)
    pool = ThreadPoolExecutor(max_workers=1)  # getaddrinfo has no timeout of its own
    try:
        infos = pool.submit(resolver, host, port, 0, socket.SOCK_STREAM).result(remaining())
    except FutureTimeout as exc:
        raise RemoteImageError(
            "The server did not answer in time (its name could not be looked up).",
            blocking=False,
        ) from exc
    except OSError as exc:  # socket.gaierror and friends
        raise RemoteImageError(
            f"The host {host} could not be found; check the URL.", blocking=False
        ) from exc
    finally:
        pool.shutdown(wait=False)
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise RemoteImageError(
            f"The host {host} could not be found; check the URL.", blocking=False
        )
    for address in addresses:
        _require_public(address)
    return str(addresses[0])


def _literal_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP a host *is* when written as one (any form getaddrinfo accepts), else None."""
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.split("%")[0])
        except ValueError as exc:
            raise RemoteImageError("This is not a valid IP address; check the URL.") from exc
    labels = host.split(".")
    if not _NUMBER.fullmatch(labels[-1]):
        return None  # a name (a host whose last label is a number is an IPv4 address)
    invalid = RemoteImageError("This is not a valid IP address; check the URL.")
    values: list[int] = []
    for label in labels:
        if not _NUMBER.fullmatch(label):
            raise invalid
        try:
            if label.startswith("0x"):
                values.append(int(label[2:] or "0", 16))
            else:  # a leading zero means octal, as in inet_aton
                values.append(int(label, 8 if len(label) > 1 and label[0] == "0" else 10))
        except ValueError as exc:
            raise invalid from exc
    last_max = 256 ** (5 - len(values))
    if len(values) > 4 or any(v > 255 for v in values[:-1]) or values[-1] >= last_max:
        raise invalid
    number = values[-1]
    for i, value in enumerate(values[:-1]):
        number += value << (8 * (3 - i))
    return ipaddress.IPv4Address(number)


def _require_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    candidates: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
        if ip in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        candidates += [e for e in embedded if e is not None]
    for address in candidates:
        if (
            not address.is_global
            or address.is_private
            or address.is_loopback
            or address.is_link_local
            or address.is_multicast
            or address.is_reserved
            or address.is_unspecified
        ):
            raise RemoteImageError(PRIVATE_MESSAGE)


def _pinned_request(url: httpx.URL, ip: str, timeout_s: float) -> httpx.Request:
    """A GET to `ip` that still names the original host (Host header, TLS SNI and cert)."""
    extensions: dict[str, Any] = {"timeout": httpx.Timeout(timeout_s).as_dict()}
    if url.scheme == "https":
        extensions["sni_hostname"] = url.raw_host.decode("ascii")
    headers = {
        "Host": url.netloc.decode("ascii"),
        "User-Agent": USER_AGENT,
        "Accept": "image/png,image/jpeg,image/webp,image/*;q=0.8",
        "Accept-Encoding": "identity",
    }
    return httpx.Request("GET", url.copy_with(host=ip), headers=headers, extensions=extensions)


def _check_answer(response: httpx.Response, max_bytes: int) -> None:
    status = response.status_code
    if not 200 <= status < 300:
        reason = httpx.codes.get_reason_phrase(status) or "an error"
        advice = (
            "the server has a problem, try again later" if status >= 500 else "check the address"
        )
        raise RemoteImageError(f"The URL answered {status} {reason}; {advice}.")
    ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "text/html":
        raise RemoteImageError(
            "The URL leads to a web page (text/html), not an image. Use the picture's own "
            "address (right-click the image and copy the image address)."
        )
    if not ctype.startswith("image/") and ctype not in _UNLABELLED_TYPES:
        raise RemoteImageError(
            f"The URL returned {ctype} content, not an image. Use a direct link to a PNG, "
            "JPEG or WebP file."
        )
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise RemoteImageError(f"The image is larger than {format_size(max_bytes)}.")


def _read_capped(response: httpx.Response, max_bytes: int, remaining: Callable[[], float]) -> bytes:
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise RemoteImageError(f"The image is larger than {format_size(max_bytes)}.")
        remaining()  # raises once the overall deadline has passed
    return bytes(body)
