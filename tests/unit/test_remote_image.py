"""Server-side image URL fetching: SSRF refusals, pinning, caps — all offline, no sleeping."""

from __future__ import annotations

import ipaddress
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from playground import remote_image
from playground.remote_image import PRIVATE_MESSAGE, RemoteImageError, fetch_image

PUBLIC_IP = "93.184.216.34"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def resolver_for(table: dict[str, list[str]]) -> Callable[..., list[tuple[Any, ...]]]:
    """A getaddrinfo stand-in; records every look-up in `.calls`."""
    calls: list[str] = []

    def resolve(host: str, port: int, *_: Any, **__: Any) -> list[tuple[Any, ...]]:
        calls.append(host)
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (
                socket.AF_INET6 if ":" in ip else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (ip, port),
            )
            for ip in table[host]
        ]

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


PUBLIC = resolver_for({"img.example.com": [PUBLIC_IP], "cdn.example.net": ["151.101.1.1"]})


class Recorder:
    """A MockTransport handler that answers from a script and records requests."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


def image(content: bytes = PNG, ctype: str = "image/png", **headers: str) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": ctype, **headers}, content=content)


def refused(url: str, *, resolver: Callable[..., Any] = PUBLIC, **kwargs: Any) -> str:
    """Fetch expecting a refusal *before* any connection; the message."""
    never = Recorder()
    with pytest.raises(RemoteImageError) as exc:
        fetch_image(url, transport=never.transport, resolver=resolver, **kwargs)
    assert never.requests == []
    return exc.value.message


def assert_plain(message: str) -> None:
    assert message[0].isupper() and message.endswith("."), message
    for jargon in ("Exception", "Traceback", "httpx", "errno", "gaierror", "RemoteImage"):
        assert jargon not in message, message


# --- refused before connecting ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "phrase"),
    [
        ("file:///etc/passwd", "Only http:// and https://"),
        ("ftp://img.example.com/a.png", "(ftp:// is not)"),
        ("gopher://img.example.com/", "Only http://"),
        ("img.example.com/a.png", "Only http://"),
        ("http://user:secret@img.example.com/a.png", "user name or password"),
        ("http://[::1", "not a valid web address"),
        ("http://1.2.3.4.5/", "not a valid IP address"),
        ("http://0339.1.1/", "not a valid IP address"),  # 9 is not an octal digit
        ("http://0177.0.0.1/", "not a valid web address"),  # httpx refuses 4-part octal
    ],
)
def test_refuses_bad_urls(url: str, phrase: str) -> None:
    message = refused(url)
    assert phrase in message
    assert_plain(message)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/a.png",
        "http://localhost/a.png",
        "http://LOCALHOST./a.png",
        "http://app.localhost/a.png",
        "http://10.0.0.1/a.png",
        "http://172.16.5.4/",
        "http://192.168.0.1/",
        "http://100.64.0.1/",  # shared address space (carrier NAT)
        "http://0.0.0.0/",
        "http://0/",
        "http://169.254.169.254/latest/meta-data/",
        "http://224.0.0.1/",
        "http://255.255.255.255/",
        "http://240.0.0.1/",
        "http://2130706433/",  # 127.0.0.1 as one decimal number
        "http://0x7f000001/",  # ... as hex
        "http://0x7f.1/",
        "http://0177.0.1/",  # ... octal
        "http://127.1/",
        "http://[::1]/",
        "http://[::]/",
        "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
        "http://[::ffff:a9fe:a9fe]/",  # mapped 169.254.169.254
        "http://[fe80::1%25eth0]/",
        "http://[fc00::1]/",
        "http://[ff02::1]/",
        "http://[2002:7f00:1::]/",  # 6to4 wrapping 127.0.0.1
        "http://[64:ff9b::a00:1]/",  # NAT64 wrapping 10.0.0.1
        "https://127.0.0.1:8443/a.png",
    ],
)
def test_refuses_non_public_addresses(url: str) -> None:
    assert refused(url) == PRIVATE_MESSAGE


@pytest.mark.parametrize(
    "addresses",
    [["192.168.1.5"], ["::1"], [PUBLIC_IP, "10.1.2.3"], ["::ffff:192.168.1.5"]],
    ids=["private", "loopback-v6", "one-of-many", "mapped"],
)
def test_refuses_names_resolving_to_private_addresses(addresses: list[str]) -> None:
    sneaky = resolver_for({"images.public-looking.com": addresses})
    assert refused("https://images.public-looking.com/cat.png", resolver=sneaky) == PRIVATE_MESSAGE


def test_unknown_host_is_plain_and_not_blocking() -> None:
    never = Recorder()
    with pytest.raises(RemoteImageError) as exc:
        fetch_image("http://no-such-host.example/a.png", transport=never.transport, resolver=PUBLIC)
    assert "could not be found" in exc.value.message and not exc.value.blocking
    assert_plain(exc.value.message)


def test_refusals_are_blocking() -> None:
    never = Recorder()
    with pytest.raises(RemoteImageError) as exc:
        fetch_image("http://10.0.0.1/a.png", transport=never.transport, resolver=PUBLIC)
    assert exc.value.blocking


@given(st.sampled_from(["10.0.0.0/8", "127.0.0.0/8", "192.168.0.0/16", "169.254.0.0/16"]))
def test_private_ranges_refused_in_decimal_form(network: str) -> None:
    net = ipaddress.IPv4Network(network)
    for ip in (net.network_address, net.broadcast_address, net.network_address + 257):
        assert refused(f"http://{int(ip)}/") == PRIVATE_MESSAGE


# --- pinned success ---------------------------------------------------------------------------


def test_success_connects_to_the_vetted_ip_with_the_original_name() -> None:
    server = Recorder(image())
    data = fetch_image(
        "https://img.example.com/cats/1.png?size=big",
        transport=server.transport,
        resolver=PUBLIC,
    )
    assert data == PNG
    (request,) = server.requests
    assert request.url.host == PUBLIC_IP  # pinned: DNS can't be asked again and differ
    assert request.url.raw_path == b"/cats/1.png?size=big"
    assert request.headers["host"] == "img.example.com"
    assert request.extensions["sni_hostname"] == "img.example.com"  # TLS checks the name
    assert "authorization" not in request.headers and "cookie" not in request.headers


def test_resolves_once_per_hop_so_rebinding_cannot_swap_the_address() -> None:
    answers = iter([[PUBLIC_IP], ["127.0.0.1"]])
    calls: list[str] = []

    def rebinding(host: str, port: int, *_: Any) -> list[tuple[Any, ...]]:
        calls.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)) for ip in next(answers)]

    server = Recorder(image())
    fetch_image("http://img.example.com/a.png", transport=server.transport, resolver=rebinding)
    assert calls == ["img.example.com"]
    assert server.requests[0].url.host == PUBLIC_IP


def test_public_ip_literal_and_unlabelled_content_are_accepted() -> None:
    server = Recorder(image(ctype="application/octet-stream"))
    assert fetch_image("http://8.8.8.8/a.png", transport=server.transport, resolver=PUBLIC) == PNG
    assert server.requests[0].headers["host"] == "8.8.8.8"


# --- redirects ----------------------------------------------------------------------------------


def redirect(location: str, status: int = 302, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers={"location": location, **headers})


def test_redirect_to_a_private_host_is_refused_before_following() -> None:
    server = Recorder(redirect("http://10.0.0.5/secret.png"))
    with pytest.raises(RemoteImageError) as exc:
        fetch_image("http://img.example.com/a.png", transport=server.transport, resolver=PUBLIC)
    assert exc.value.message == PRIVATE_MESSAGE
    assert len(server.requests) == 1


def test_redirect_to_a_name_resolving_private_is_refused() -> None:
    resolver = resolver_for({"img.example.com": [PUBLIC_IP], "internal.corp": ["172.20.0.9"]})
    server = Recorder(redirect("https://internal.corp/x.png"))
    with pytest.raises(RemoteImageError, match="private network"):
        fetch_image("http://img.example.com/a.png", transport=server.transport, resolver=resolver)
    assert len(server.requests) == 1


def test_redirect_to_other_scheme_is_refused() -> None:
    server = Recorder(redirect("file:///etc/passwd"))
    with pytest.raises(RemoteImageError, match="Only http"):
        fetch_image("http://img.example.com/a.png", transport=server.transport, resolver=PUBLIC)


def test_public_redirects_are_vetted_and_followed_without_cookies() -> None:
    server = Recorder(
        redirect("https://cdn.example.net/b.png", 301, **{"set-cookie": "session=abc"}),
        redirect("/c.png", 307),
        image(),
    )
    data = fetch_image("http://img.example.com/a.png", transport=server.transport, resolver=PUBLIC)
    assert data == PNG
    hosts = [(r.url.host, r.headers["host"], r.url.path) for r in server.requests]
    assert hosts == [
        (PUBLIC_IP, "img.example.com", "/a.png"),
        ("151.101.1.1", "cdn.example.net", "/b.png"),
        ("151.101.1.1", "cdn.example.net", "/c.png"),
    ]
    assert all("cookie" not in r.headers for r in server.requests)


def test_more_than_three_redirects_are_refused() -> None:
    server = Recorder(*(redirect(f"/hop{i}") for i in range(5)))
    with pytest.raises(RemoteImageError, match="redirects more than 3 times"):
        fetch_image("http://img.example.com/a.png", transport=server.transport, resolver=PUBLIC)
    assert len(server.requests) == 4


# --- answers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "phrase", "blocking"),
    [
        (httpx.Response(404), "The URL answered 404 Not Found; check the address.", True),
        (httpx.Response(500), "The URL answered 500 Internal Server Error; the server", True),
        (image(b"<html></html>", "text/html; charset=utf-8"), "web page (text/html)", True),
        (image(b"{}", "application/json"), "application/json content, not an image", True),
        (redirect(""), "redirects, but not to any address", True),
        (redirect("http://[::1"), "redirects to an address that is not valid", True),
        (redirect("//:99999/"), "This URL has no host name", True),
        (httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED]"), "certificate is not valid", True),
        # could not check (e.g. offline): the API fetches the URL itself, so not blocking
        (httpx.ReadTimeout("slow"), "The server did not answer within 10 s", False),
        (httpx.ConnectTimeout("slow"), "The server did not answer within 10 s", False),
        (httpx.ConnectError("refused"), "Could not connect to img.example.com", False),
        (httpx.RemoteProtocolError("eh"), "broken or cut off", False),
    ],
)
def test_failures_are_plain(
    answer: httpx.Response | Exception, phrase: str, blocking: bool
) -> None:
    server = Recorder(answer)
    with pytest.raises(RemoteImageError) as exc:
        fetch_image("https://img.example.com/a.png", transport=server.transport, resolver=PUBLIC)
    assert phrase in exc.value.message
    assert str(exc.value) == exc.value.message
    assert exc.value.blocking is blocking
    assert_plain(exc.value.message)


class CountingStream(httpx.SyncByteStream):
    """An endless-looking body that counts how much was pulled from it."""

    def __init__(self, chunk: int, chunks: int) -> None:
        self.chunk, self.chunks, self.pulled, self.closed = chunk, chunks, 0, False

    def __iter__(self) -> Iterator[bytes]:
        for _ in range(self.chunks):
            self.pulled += 1
            yield b"\0" * self.chunk

    def close(self) -> None:
        self.closed = True


def test_body_over_the_cap_stops_reading() -> None:
    body = CountingStream(chunk=1_000_000, chunks=200)
    server = Recorder(httpx.Response(200, headers={"content-type": "image/jpeg"}, stream=body))
    with pytest.raises(RemoteImageError, match=r"^The image is larger than 3 MB\.$"):
        fetch_image(
            "http://img.example.com/a.jpg",
            max_bytes=3_000_000,
            transport=server.transport,
            resolver=PUBLIC,
        )
    assert body.pulled == 4  # the 4th MB crossed the cap; 196 were never read
    assert body.closed


def test_declared_length_over_the_cap_is_refused_unread() -> None:
    body = CountingStream(chunk=1024, chunks=10)
    answer = httpx.Response(
        200,
        headers={"content-type": "image/png", "content-length": str(60 * 1024 * 1024)},
        stream=body,
    )
    server = Recorder(answer)
    with pytest.raises(RemoteImageError, match="larger than 50 MB"):
        fetch_image("http://img.example.com/a.png", transport=server.transport, resolver=PUBLIC)
    assert body.pulled == 0


def test_overall_deadline_covers_a_slow_drip() -> None:
    now = [0.0]

    def clock() -> float:
        now[0] += 1.0  # every look at the clock costs a second of "server time"
        return now[0]

    body = CountingStream(chunk=10, chunks=1000)
    server = Recorder(httpx.Response(200, headers={"content-type": "image/png"}, stream=body))
    with pytest.raises(RemoteImageError, match="did not answer within 10 s"):
        fetch_image(
            "http://img.example.com/a.png", transport=server.transport, resolver=PUBLIC, clock=clock
        )
    assert body.pulled < 10


def test_per_request_timeout_is_what_is_left_of_the_budget() -> None:
    server = Recorder(image())
    fetch_image(
        "http://img.example.com/a.png",
        timeout_s=4.0,
        transport=server.transport,
        resolver=PUBLIC,
        clock=lambda: 100.0,
    )
    assert server.requests[0].extensions["timeout"]["read"] == pytest.approx(4.0)


def test_no_streamlit_import() -> None:
    assert sorted(remote_image.__all__) == remote_image.__all__
    assert set(remote_image.__all__) == {
        "DEFAULT_MAX_BYTES",
        "DEFAULT_TIMEOUT_S",
        "MAX_REDIRECTS",
        "RemoteImageError",
        "fetch_image",
    }
    code = "import sys, playground.remote_image; assert 'streamlit' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])
