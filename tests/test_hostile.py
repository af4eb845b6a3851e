"""Hostile answers (issue 11, A-C): odd Retry-After values, broken bodies, trickling servers, huge or deep
bodies, and answers echoing credentials. Each ends in a retry or a clear, truthful, secret-free error.

The emulator answers like Twilio; these faults need byte-level control, so a scripted socket server on
127.0.0.1 (below) plays the hostile side: one reply per connection, each from a script.
"""

from __future__ import annotations

import base64
import email.utils
import gzip
import json
import re
import socket
import struct
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Optional, Union
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pulumi_twilio_conversations.core.client import Credentials, HttpSettings, TwilioClient, TwilioError

from conftest import ACCOUNT, SID, TOKEN

CREDS = Credentials(ACCOUNT, TOKEN, hint="twilio:accountSid + twilio:authToken")
GOOD = json.dumps({"chat_service_sid": SID, "account_sid": ACCOUNT, "log_enabled": True}).encode()
MIB = 1 << 20


# --- a scripted hostile server ---------------------------------------------------------------------------

@dataclass
class Filler:
    """A large body produced while sending: ``prefix + fill * count + suffix``, never whole in memory."""

    prefix: bytes
    fill: bytes
    count: int
    suffix: bytes

    def __len__(self) -> int:
        return len(self.prefix) + len(self.fill) * self.count + len(self.suffix)

    def pieces(self) -> Iterator[bytes]:
        yield self.prefix
        left = self.count
        while left:
            n = min(left, 64 * 1024)
            yield self.fill * n
            left -= n
        yield self.suffix


@dataclass
class Reply:
    status: int = 200
    reason: str = "OK"
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    body: Union[bytes, Filler] = GOOD
    length: Optional[int] = None
    """Content-Length to claim; None: the body's; -1: none (the body ends when the connection does)."""
    chunked: bool = False
    chunk: int = 1024
    cut: Optional[int] = None
    """Send only this many bytes of the framed body, then end the connection."""
    rst: bool = False
    """End with a TCP reset instead of an orderly close."""
    trickle: float = 0.0
    """Seconds between single bytes of the body (and of the head, with ``trickle_head``)."""
    trickle_head: bool = False
    raw: Optional[bytes] = None
    """Send only these bytes (trickled if asked), whatever the request; e.g. the start of a TLS record."""
    hold: float = 0.0
    """Seconds to keep the connection open, silent, before ending it."""


Script = Union[Reply, Callable[["Seen"], Reply]]


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    time: float


class HostileServer:
    """Serves ``script[n]`` on the n-th connection (the last entry repeats) and closes the connection.

    A trickle gives up after ``trickle_for`` seconds, so that a client without a deadline fails a test in
    bounded time instead of hanging it.
    """

    def __init__(self, *script: Script, trickle_for: float = 6.0) -> None:
        self.script: list[Script] = list(script) or [Reply()]
        self.trickle_for = trickle_for
        self.seen: list[Seen] = []
        self.connections = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.05)
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reset(self, *script: Script) -> None:
        with self._lock:
            self.script, self.seen, self.connections = list(script), [], 0

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sock.close()

    def __enter__(self) -> HostileServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            with self._lock:
                entry = self.script[min(self.connections, len(self.script) - 1)]
                self.connections += 1
            threading.Thread(target=self._handle, args=(conn, entry), daemon=True).start()

    def _handle(self, conn: socket.socket, entry: Script) -> None:
        conn.settimeout(5)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            if isinstance(entry, Reply) and entry.raw is not None:
                conn.recv(65536)  # whatever the client sent first: a request, or a TLS ClientHello
                with self._lock:
                    self.seen.append(Seen("", "", {}, time.monotonic()))
                reply = entry
                self._send(conn, entry.raw, entry.trickle)
            else:
                seen = self._read_request(conn)
                if seen is None:
                    return
                with self._lock:
                    self.seen.append(seen)
                reply = entry if isinstance(entry, Reply) else entry(seen)
                head, body = self._render(reply)
                self._send(conn, head, reply.trickle if reply.trickle_head else 0.0)
                sent = 0
                for piece in body:
                    if reply.cut is not None:
                        piece = piece[: max(0, reply.cut - sent)]
                    if piece:
                        self._send(conn, piece, reply.trickle)
                        sent += len(piece)
                    if reply.cut is not None and sent >= reply.cut:
                        break
            if reply.hold:
                self._stop.wait(reply.hold)
            if reply.rst:
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the client went away: that is what several tests want
        finally:
            conn.close()

    def _send(self, conn: socket.socket, data: bytes, trickle: float) -> None:
        if not trickle:
            conn.sendall(data)
            return
        give_up = time.monotonic() + self.trickle_for
        for i in range(len(data)):
            if self._stop.is_set() or time.monotonic() > give_up:
                raise OSError("trickle over")
            conn.sendall(data[i:i + 1])
            time.sleep(trickle)

    @staticmethod
    def _read_request(conn: socket.socket) -> Optional[Seen]:
        data = b""
        while b"\r\n\r\n" not in data:
            more = conn.recv(65536)
            if not more:
                return None
            data += more
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length") or 0)
        while len(rest) < length:
            more = conn.recv(65536)
            if not more:
                break
            rest += more
        return Seen(method, path, headers, time.monotonic())

    @staticmethod
    def _render(reply: Reply) -> tuple[bytes, Iterator[bytes]]:
        body = reply.body
        pieces: Iterator[bytes] = body.pieces() if isinstance(body, Filler) else iter([body])
        lines = [f"HTTP/1.1 {reply.status} {reply.reason}"] + [f"{k}: {v}" for k, v in reply.headers.items()]
        if reply.chunked:
            lines.append("Transfer-Encoding: chunked")
            pieces = _chunked(pieces, reply.chunk)
        elif reply.length != -1:
            lines.append(f"Content-Length: {len(body) if reply.length is None else reply.length}")
        lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8"), pieces


def _chunked(pieces: Iterator[bytes], size: int) -> Iterator[bytes]:
    for piece in pieces:
        for i in range(0, len(piece), size):
            part = piece[i:i + size]
            yield b"%x\r\n%b\r\n" % (len(part), part)
    yield b"0\r\n\r\n"


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    with HostileServer() as server:
        yield server


@pytest.fixture(scope="module")
def shared_hostile() -> Iterator[HostileServer]:
    """One server for hypothesis examples (reset per example)."""
    with HostileServer() as server:
        yield server


def client(url: str, **overrides: Any) -> TwilioClient:
    base: dict[str, Any] = dict(base_url=url, max_retries=3, backoff_factor=0.01, backoff_max=0.05, backoff_jitter=0.0,
                                retry_after_max=1, connect_timeout=1.0, read_timeout=0.5)
    base.update(overrides)
    return TwilioClient(HttpSettings(**base))


def twilio_error(status: int, message: str = "Service unavailable", code: int = 20500, **extra: str) -> bytes:
    return json.dumps({"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                       "status": status, **extra}).encode()


def claimed_attempts(message: str) -> int:
    """The number of attempts an error message states."""
    found = re.search(r"(\d+) attempts|(the only|1) attempt\b", message)
    assert found, message
    return int(found.group(1)) if found.group(1) else 1


# --- A. Retry-After ----------------------------------------------------------------------------------------

HTTP_DATE_PAST = "Wed, 21 Oct 2015 07:28:00 GMT"

UNUSABLE_RETRY_AFTER = [
    "soon", "-1", "-0", "1.5", "0.5", "", "   ", "0x10", "1e3", "+5", "5 s", "5,6", "١", "∞", "NaN",
    "9" * 5000,  # int() refuses more than 4300 digits: urllib3 lets the ValueError escape
    "Wed, 32 Oct 2015 07:28:00 GMT", "Mon, 01 Jan 99999 00:00:00 GMT", "Wed, 21 Oct 2015 25:61:61 XYZ",
    "\x7f", "é", "\t",
]


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("value", UNUSABLE_RETRY_AFTER, ids=lambda v: repr(v)[:20])
def test_unusable_retry_after_is_retried_with_our_backoff(hostile: HostileServer, status: int, value: str) -> None:
    hostile.reset(Reply(status, headers={"Retry-After": value}, body=twilio_error(status)), Reply())
    started = time.monotonic()
    assert client(hostile.url).fetch(SID, CREDS)["chat_service_sid"] == SID
    assert len(hostile.seen) == 2
    assert time.monotonic() - started < 1.0  # the backoff (≤ 0.05 s), not some misread value


@pytest.mark.parametrize(("value", "least", "most"), [
    ("1", 0.9, 1.5),
    ("0", 0.0, 0.5),           # zero: urllib3 falls back to the backoff
    ("100000", 0.9, 1.5),      # capped at retry_after_max
    (" 1 ", 0.9, 1.5),
    (HTTP_DATE_PAST, 0.0, 0.5),
    ("future", 0.5, 1.5),      # an HTTP date a few seconds ahead: valid per RFC 9110, capped at retry_after_max
])
def test_usable_retry_after_is_honoured_up_to_its_cap(hostile: HostileServer, value: str, least: float,
                                                     most: float) -> None:
    if value == "future":
        value = email.utils.formatdate(time.time() + 5, usegmt=True)
    hostile.reset(Reply(503, headers={"Retry-After": value}, body=twilio_error(503)), Reply())
    client(hostile.url).fetch(SID, CREDS)
    first, second = hostile.seen
    assert least <= second.time - first.time <= most


def test_unusable_retry_after_every_time_ends_in_a_truthful_error(hostile: HostileServer) -> None:
    hostile.reset(Reply(503, headers={"Retry-After": "garbage"}, body=twilio_error(503)))
    with pytest.raises(TwilioError) as caught:
        client(hostile.url, max_retries=2).fetch(SID, CREDS)
    message = str(caught.value)
    assert caught.value.status == 503 and "HTTP 503, Twilio error 20500: Service unavailable" in message
    assert "3 attempts: HTTP 503 ×3; all 2 retries used" in message
    assert len(hostile.seen) == 3


_HEADER_TEXT = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
                       max_size=60)
_RETRY_AFTER = (_HEADER_TEXT | st.integers(-10**30, 10**30).map(str)
                | st.floats(allow_nan=True, allow_infinity=True).map(str)
                | st.integers(0, 253402300799).map(lambda t: email.utils.formatdate(t, usegmt=True)))


@settings(max_examples=60, deadline=None)
@given(value=_RETRY_AFTER, status=st.sampled_from([429, 503]))
def test_any_retry_after_leads_to_a_retry(shared_hostile: HostileServer, value: str, status: int) -> None:
    shared_hostile.reset(Reply(status, headers={"Retry-After": value}, body=twilio_error(status)), Reply())
    started = time.monotonic()
    client(shared_hostile.url, retry_after_max=0).fetch(SID, CREDS)
    assert len(shared_hostile.seen) == 2
    assert time.monotonic() - started < 2.0


@settings(max_examples=500, deadline=None)
@given(value=st.text() | _RETRY_AFTER)
def test_parsing_retry_after_never_raises_and_stays_within_the_cap(value: str) -> None:
    from pulumi_twilio_conversations.core.transport import TwilioRetry

    seconds = TwilioRetry(retry_after_max=7).parse_retry_after(value)
    assert 0 <= seconds <= 7


# --- A. a broken answer after the status line is retried ----------------------------------------------------

_CHUNKED_GOOD = b"".join(_chunked(iter([GOOD]), 16))
_GZ_GOOD = gzip.compress(GOOD)

BROKEN_ANSWERS: list[tuple[str, Reply]] = [
    ("length-short-then-close", Reply(length=1000, cut=10)),
    ("length-short-then-reset", Reply(length=1000, cut=10, rst=True)),
    ("headers-then-reset", Reply(length=500, cut=0, rst=True)),
    ("headers-then-close", Reply(length=500, cut=0)),
    ("chunked-cut-mid-chunk", Reply(chunked=True, chunk=16, cut=30)),
    ("chunked-cut-mid-size-line", Reply(chunked=True, chunk=16, cut=len(_CHUNKED_GOOD) - 8)),
    ("chunked-no-last-chunk", Reply(chunked=True, chunk=16, cut=len(_CHUNKED_GOOD) - 5)),
    ("chunked-cut-then-reset", Reply(chunked=True, chunk=16, cut=30, rst=True)),
    ("gzip-length-short", Reply(headers={"Content-Encoding": "gzip"}, body=_GZ_GOOD, cut=len(_GZ_GOOD) // 2)),
    ("error-body-cut", Reply(503, body=twilio_error(503), length=2000, cut=20)),
    ("401-body-cut", Reply(401, body=twilio_error(401, "Authenticate", 20003), length=2000, cut=20)),
    # before or within the status line: retried by urllib3 already; kept so the table covers the whole answer
    ("reset-before-answer", Reply(raw=b"", rst=True)),
    ("status-line-cut", Reply(raw=b"HTTP/1.1 200 O")),
    ("headers-cut", Reply(raw=b"HTTP/1.1 200 OK\r\nContent-Le", rst=True)),
]


@pytest.mark.parametrize(("name", "broken"), BROKEN_ANSWERS, ids=[n for n, _ in BROKEN_ANSWERS])
def test_a_broken_answer_is_retried_like_a_connection_error(hostile: HostileServer, name: str,
                                                             broken: Reply) -> None:
    hostile.reset(broken, Reply())
    assert client(hostile.url).fetch(SID, CREDS)["log_enabled"] is True
    assert len(hostile.seen) == 2


def test_a_body_cut_every_time_is_a_truthful_error(hostile: HostileServer) -> None:
    hostile.reset(Reply(length=1000, cut=10))
    with pytest.raises(TwilioError) as caught:
        client(hostile.url).update(SID, CREDS, {"LogEnabled": "true"})
    message = str(caught.value)
    assert caught.value.status == 200  # an answer arrived: say so
    assert "HTTP 200: the answer was cut off before its body was complete" in message
    assert "4 attempts: HTTP 200 cut off ×4; all 3 retries used" in message
    assert len(hostile.seen) == 4 and {s.method for s in hostile.seen} == {"POST"}


# --- A. messages say whether an answer arrived and how many attempts were made --------------------------------

def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


TRUTH: list[tuple[str, list[Script], dict[str, Any], list[str], list[str]]] = [
    # name, script, client settings, phrases the message must have, phrases it must not
    ("503-always", [Reply(503, body=twilio_error(503))], {"max_retries": 2},
     ["HTTP 503", "3 attempts: HTTP 503 ×3; all 2 retries used; try again later"], ["kept failing"]),
    ("503-retries-off", [Reply(503, body=twilio_error(503))], {"max_retries": 0},
     ["HTTP 503", "1 attempt: HTTP 503; retries are off"], ["after all retries", "kept failing"]),
    ("429-always", [Reply(429, body=twilio_error(429, "Too many requests", 20429))], {"max_retries": 1},
     ["HTTP 429", "2 attempts: HTTP 429 ×2; the one retry used"], []),
    ("503-then-401", [Reply(503, body=twilio_error(503)), Reply(401, body=twilio_error(401, "Authenticate", 20003))],
     {}, ["HTTP 401", "Check the credentials", "2 attempts: HTTP 503, then HTTP 401"], []),
    ("503-then-resets", [Reply(503, body=twilio_error(503)), Reply(raw=b"", rst=True)], {"max_retries": 2},
     ["connection failed", "3 attempts: HTTP 503, then connection failed ×2; all 2 retries used"], []),
    ("resets", [Reply(raw=b"", rst=True)], {"max_retries": 2},
     ["no response", "connection failed", "no answer to any of 3 attempts; all 2 retries used"], []),
    ("tls-to-plain-http", [Reply(raw=b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")],
     {"tls": True}, ["TLS handshake failed", "no answer to the only attempt; this kind of failure is not retried"],
     ["retries used"]),
    ("401-once", [Reply(401, body=twilio_error(401, "Authenticate", 20003))], {},
     ["HTTP 401", "Check the credentials"], ["attempt", "retr"]),
    # no framing and no body: complete for an error status (a cut head only matters for a success)
    ("401-empty-until-close", [Reply(401, reason="Unauthorized", body=b"", length=-1)], {},
     ["HTTP 401: Unauthorized", "Check the credentials"], ["attempt", "retr", "cut off"]),
]


@pytest.mark.parametrize(("name", "script", "options", "has", "lacks"), TRUTH, ids=[t[0] for t in TRUTH])
def test_messages_say_what_arrived_and_how_many_attempts(hostile: HostileServer, name: str, script: list[Script],
                                                         options: dict[str, Any], has: list[str],
                                                         lacks: list[str]) -> None:
    hostile.reset(*script)
    options = dict(options)
    url = hostile.url.replace("http:", "https:") if options.pop("tls", False) else hostile.url
    with pytest.raises(TwilioError) as caught:
        client(url, **options).fetch(SID, CREDS)
    message = str(caught.value)
    for phrase in has:
        assert phrase in message
    for phrase in lacks:
        assert phrase not in message
    if "attempt" in message:
        assert claimed_attempts(message) == hostile.connections


def test_an_unreachable_host_says_no_answer_and_how_many_attempts() -> None:
    with pytest.raises(TwilioError) as caught:
        client(f"http://127.0.0.1:{_unused_port()}", max_retries=2).fetch(SID, CREDS)
    assert caught.value.status is None
    assert "connection refused (127.0.0.1:" in str(caught.value)
    assert "no answer to the only attempt; a refused connection to a loopback address is not retried" in str(
        caught.value)


# --- A. one call has a wall-clock deadline ---------------------------------------------------------------

# Each byte arrives well within the read timeout, so only a deadline ends these calls.
SLOW = dict(connect_timeout=0.3, read_timeout=0.3, max_retries=1, backoff_factor=0.01, backoff_max=0.05,
            backoff_jitter=0.0, retry_after_max=0)
_PADDED = {"Content-Type": "application/json", "X-Padding": "p" * 400}

TRICKLES: list[tuple[str, Reply, bool, bool]] = [
    # name, reply, over TLS, ended by the deadline (rather than by a timeout)
    ("body", Reply(body=GOOD + b" " * 2000, trickle=0.02), False, True),
    ("status-line-and-headers", Reply(headers=_PADDED, trickle=0.02, trickle_head=True), False, True),
    ("chunked-body", Reply(body=GOOD + b" " * 2000, chunked=True, chunk=1, trickle=0.02), False, True),
    ("gzip-body", Reply(headers={"Content-Encoding": "gzip"}, body=gzip.compress(GOOD + b" " * 3000, 0),
                        trickle=0.02), False, True),
    ("error-body", Reply(503, body=twilio_error(503) + b" " * 2000, trickle=0.02), False, True),
    # controls, bounded before the deadline existed: a TLS handshake (a record header claiming 16 kB, then
    # its bytes one at a time) is one timed operation in CPython; silence is a read timeout
    ("tls-handshake", Reply(raw=b"\x16\x03\x03\x40\x00" + b"\x02" * 4000, trickle=0.02), True, False),
    ("silence-after-headers", Reply(length=100, cut=0, hold=6.0), False, False),
]


@pytest.mark.parametrize(("name", "reply", "tls", "by_deadline"), TRICKLES, ids=[t[0] for t in TRICKLES])
def test_a_trickling_server_cannot_hold_a_call_past_its_worst_case(name: str, reply: Reply, tls: bool,
                                                                   by_deadline: bool) -> None:
    with HostileServer(reply) as server:
        url = server.url.replace("http:", "https:") if tls else server.url
        c = client(url, **SLOW)
        bound = c.settings.worst_case_seconds()  # 2 × 0.6 + 0.05 = 1.25 s
        started = time.monotonic()
        with pytest.raises(TwilioError) as caught:
            c.fetch(SID, CREDS)
        took = time.monotonic() - started
    assert took <= bound + 0.25, f"{name}: {took:.2f} s against a bound of {bound:.2f} s"
    assert SID in str(caught.value)
    if by_deadline:
        assert "deadline of 1.25 s passed during attempt" in str(caught.value)
    else:
        assert "timed out" in str(caught.value)


def test_the_deadline_can_be_set_and_stops_waits_that_would_pass_it(hostile: HostileServer) -> None:
    hostile.reset(Reply(429, headers={"Retry-After": "5"}, body=twilio_error(429, "Too many requests", 20429)))
    c = client(hostile.url, retry_after_max=30, call_deadline=0.5)
    started = time.monotonic()
    with pytest.raises(TwilioError) as caught:
        c.fetch(SID, CREDS)
    assert time.monotonic() - started < 0.5
    assert len(hostile.seen) == 1
    assert caught.value.status == 429
    assert "1 attempt: HTTP 429; a retry after 5 s would pass the call's deadline of 0.5 s" in str(caught.value)


def test_the_call_deadline_set_in_stack_config_ends_a_trickling_answer(hostile: HostileServer) -> None:
    """twilio:callDeadline, read as the provider reads config, bounds a call whose every byte comes in time."""
    from pulumi_twilio_conversations.core.config import resolve

    hostile.reset(Reply(body=GOOD + b" " * 5000, trickle=0.02))
    settings = resolve({"twilio:accountSid": ACCOUNT, "twilio:authToken": TOKEN, "twilio:baseUrl": hostile.url,
                        "twilio:callDeadline": "1"}, "twilio", {})
    credentials, http = settings.usable()
    started = time.monotonic()
    with pytest.raises(TwilioError) as caught:
        TwilioClient(http).fetch(SID, credentials)
    # The read timeout (30 s) restarts with every byte: only the deadline ends this call.
    assert time.monotonic() - started < 1.5
    assert "the call's deadline of 1 s passed during attempt 1" in str(caught.value)


def test_a_base_url_requests_refuses_fails_the_call_as_a_twilio_error_and_leaves_no_guard() -> None:
    """``https://*.example.com`` passes the config check but not requests' URL preparation: the call fails
    like any transport error, naming the host, and the call's deadline guard is finished, not left set."""
    from pulumi_twilio_conversations.core import transport
    from pulumi_twilio_conversations.core.endpoint import check_base_url

    c = client(check_base_url("https://*.example.com"), max_retries=0)
    with pytest.raises(TwilioError) as caught:
        c.fetch(SID, CREDS)
    assert "InvalidURL (*.example.com:443); no answer to the only attempt; this kind of failure is not retried" in str(
        caught.value)
    assert transport._CURRENT.get() is None


def test_after_a_deadline_the_connection_pool_still_works(hostile: HostileServer) -> None:
    hostile.reset(Reply(body=GOOD + b" " * 2000, trickle=0.02), Reply())
    c = client(hostile.url, call_deadline=0.3)
    with pytest.raises(TwilioError, match="deadline"):
        c.fetch(SID, CREDS)
    assert c.fetch(SID, CREDS)["chat_service_sid"] == SID


# --- B. bodies are capped after decompression -----------------------------------------------------------------

_BOMB_JSON = b'{"chat_service_sid": "' + SID.encode() + b'", "x": "' + b"a" * (30 * MIB) + b'"}'
_GZIP_BOMB = gzip.compress(_BOMB_JSON, 9)
_DEFLATE_BOMB = zlib.compress(_BOMB_JSON, 9)
del _BOMB_JSON
_FIELD_30MB = Filler(b'{"chat_service_sid": "' + SID.encode() + b'", "x": "', b"a", 30 * MIB, b'"}')

OVERSIZED: list[tuple[str, Reply]] = [
    ("gzip-bomb", Reply(headers={"Content-Encoding": "gzip"}, body=_GZIP_BOMB)),
    ("gzip-bomb-chunked", Reply(headers={"Content-Encoding": "gzip"}, body=_GZIP_BOMB, chunked=True, chunk=8192)),
    ("deflate-bomb", Reply(headers={"Content-Encoding": "deflate"}, body=_DEFLATE_BOMB)),
    ("gzip-twice", Reply(headers={"Content-Encoding": "gzip, gzip"}, body=gzip.compress(_GZIP_BOMB))),
    ("30MB-field", Reply(body=_FIELD_30MB)),
    ("30MB-field-chunked", Reply(body=_FIELD_30MB, chunked=True, chunk=65536)),
    ("30MB-field-until-close", Reply(body=_FIELD_30MB, length=-1)),
    ("30MB-error-body", Reply(400, body=Filler(b'{"message": "', b"m", 30 * MIB, b'"}'))),
]


@pytest.mark.parametrize(("name", "reply"), OVERSIZED, ids=[n for n, _ in OVERSIZED])
def test_an_oversized_body_is_a_clear_error(hostile: HostileServer, name: str, reply: Reply) -> None:
    hostile.reset(reply)
    with pytest.raises(TwilioError) as caught:
        client(hostile.url, read_timeout=5.0).fetch(SID, CREDS)
    message = str(caught.value)
    assert f"could not read notification settings of service {SID}" in message
    assert "larger than 1048576 bytes (after decompression)" in message
    assert "not retried" in message and len(hostile.seen) == 1
    assert len(message) < 1000


def test_a_gzip_bomb_never_reaches_memory_whole(hostile: HostileServer) -> None:
    hostile.reset(Reply(headers={"Content-Encoding": "gzip"}, body=_GZIP_BOMB))
    c = client(hostile.url, read_timeout=5.0)
    tracemalloc.start()
    try:
        with pytest.raises(TwilioError):
            c.fetch(SID, CREDS)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * MIB, f"peak {peak / MIB:.1f} MiB"


@pytest.mark.parametrize(("size", "ok"), [(MIB - 100, True), (MIB + 100, False)])
def test_the_cap_is_on_the_decompressed_size(hostile: HostileServer, size: int, ok: bool) -> None:
    prefix = b'{"chat_service_sid": "' + SID.encode() + b'", "x": "'
    body = prefix + b"a" * (size - len(prefix) - 2) + b'"}'
    hostile.reset(Reply(headers={"Content-Encoding": "gzip"}, body=gzip.compress(body)))
    c = client(hostile.url, read_timeout=5.0)
    if ok:
        assert len(c.fetch(SID, CREDS)["x"]) == size - len(prefix) - 2
    else:
        with pytest.raises(TwilioError, match="larger than"):
            c.fetch(SID, CREDS)


def test_the_cap_is_a_setting(hostile: HostileServer) -> None:
    hostile.reset(Reply(body=GOOD + b" " * 2000))
    with pytest.raises(TwilioError, match="larger than 1000 bytes"):
        client(hostile.url, max_body_bytes=1000).fetch(SID, CREDS)


# --- B. JSON nesting is bounded ----------------------------------------------------------------------------

def _nested(depth: int, inner: str = "1", kind: str = "[") -> str:
    opener, closer = ("[", "]") if kind == "[" else ('{"a": ', "}")
    return opener * depth + inner + closer * depth


DEEP: list[tuple[str, int, str]] = [
    ("array-100k", 200, _nested(100_000)),
    ("object-50k", 200, _nested(50_000, kind="{")),
    ("array-in-field", 200, f'{{"chat_service_sid": "{SID}", "new_message": {_nested(40)}}}'),
    ("object-in-field", 200, f'{{"chat_service_sid": "{SID}", "new_message": {_nested(40, kind="{")}}}'),
    ("array-in-error", 400, _nested(100_000)),
    ("object-in-error", 503, f'{{"code": 20500, "message": {_nested(100_000, kind="{")}}}'),
]


@pytest.mark.parametrize(("name", "status", "body"), DEEP, ids=[d[0] for d in DEEP])
def test_deep_json_is_a_clear_error_naming_service_and_operation(hostile: HostileServer, name: str, status: int,
                                                                 body: str) -> None:
    hostile.reset(Reply(status, body=body.encode()))
    with pytest.raises(TwilioError) as caught:
        client(hostile.url, max_retries=0).update(SID, CREDS, {"LogEnabled": "true"}, operation="create")
    message = str(caught.value)
    assert f"could not create notification settings of service {SID}: HTTP {status}" in message
    if status == 200:
        assert "nested more than 32 levels deep" in message


def test_twilio_shaped_nesting_is_fine(hostile: HostileServer) -> None:
    body = {"chat_service_sid": SID, "new_message": {"enabled": True, "with_media": {"enabled": False}},
            "deep_but_allowed": json.loads(_nested(28))}
    hostile.reset(Reply(body=json.dumps(body).encode()))
    assert client(hostile.url).fetch(SID, CREDS)["new_message"]["with_media"] == {"enabled": False}


@st.composite
def _nesting(draw: st.DrawFn) -> str:
    text = json.dumps(draw(st.sampled_from([1, "s", None, [], {}])))
    for _ in range(draw(st.integers(0, 3000))):
        text = draw(st.sampled_from(["[{}]", '{{"k": {}}}', '{{"chat_service_sid": "x", "k": {}}}'])).format(text)
    return text


@settings(max_examples=40, deadline=None)
@given(body=_nesting(), status=st.sampled_from([200, 400, 503]))
def test_any_nesting_gives_an_object_or_a_twilio_error(shared_hostile: HostileServer, body: str, status: int) -> None:
    shared_hostile.reset(Reply(status, body=body.encode()))
    try:
        result = client(shared_hostile.url, max_retries=0).fetch(SID, CREDS)
    except TwilioError as err:
        assert SID in str(err) and err.status == status
    else:
        assert status == 200 and isinstance(result, dict)


# --- C. secrets: scrub(text, secrets) ------------------------------------------------------------------

def lower_hex(text: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), text)


SCRUB_TABLE: list[tuple[str, list[str], str]] = [
    ("nothing here", ["tok-12345678"], "nothing here"),
    ("token tok-12345678 leaked", ["tok-12345678"], "token [redacted] leaked"),
    ("a=tok%2F1234%2B5678", ["tok/1234+5678"], "a=[redacted]"),
    ("a=tok%2f1234%2b5678", ["tok/1234+5678"], "a=[redacted]"),
    ("a=tok/1234+5678&b", ["tok/1234+5678"], "a=[redacted]&b"),
    ("q=tok+1234+5678", ["tok 1234 5678"], "q=[redacted]"),
    ("prefix tok-1234", ["tok-12345678"], "prefix [redacted]"),  # truncated echo, 8 characters of it
    ("tok-123", ["tok-12345678"], "tok-123"),  # 7 characters: too few to tell
    ("xx abc yy", ["abc"], "xx [redacted] yy"),  # a short secret is matched whole
    ("two tok-12345678tok-12345678", ["tok-12345678"], "two [redacted]"),
    ("", ["tok-12345678"], ""),
    ("no secrets given", [], "no secrets given"),
    ("empty secret", [""], "empty secret"),
]


@pytest.mark.parametrize(("text", "secrets", "expected"), SCRUB_TABLE)
def test_scrub_table(text: str, secrets: list[str], expected: str) -> None:
    from pulumi_twilio_conversations.core.scrub import scrub

    assert scrub(text, secrets) == expected


def test_credential_secrets_cover_the_basic_header() -> None:
    from pulumi_twilio_conversations.core.scrub import credential_secrets, scrub

    secrets = credential_secrets(ACCOUNT, TOKEN)
    header = "Basic " + base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
    assert scrub(f"got {header}!", secrets) == "got Basic [redacted]!"


_SECRET_TEXT = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=8, max_size=40)
_NOISE = st.text(max_size=60)


@example(secret="[redacte", before="", after="", encode=str)  # a secret inside the marker: found by hypothesis
@settings(max_examples=300, deadline=None)
@given(secret=_SECRET_TEXT, before=_NOISE, after=_NOISE,
       encode=st.sampled_from([str, lambda s: quote(s, safe=""), quote, quote_plus,
                               lambda s: lower_hex(quote(s, safe="")),
                               lambda s: base64.b64encode(f"{ACCOUNT}:{s}".encode()).decode()]))
def test_scrub_removes_every_form_of_a_secret(secret: str, before: str, after: str,
                                              encode: Callable[[str], str]) -> None:
    from pulumi_twilio_conversations.core.scrub import MARKERS, credential_secrets, scrub

    out = scrub(before + encode(secret) + after, credential_secrets(ACCOUNT, secret))
    assert secret not in out and encode(secret) not in out
    assert any(marker in out for marker in MARKERS if marker)


@settings(max_examples=200, deadline=None)
@given(text=_NOISE, secret=_SECRET_TEXT)
def test_scrub_leaves_text_without_the_secret_alone(text: str, secret: str) -> None:
    from pulumi_twilio_conversations.core.scrub import scrub

    assert scrub(text, []) == text
    if not set(text) & set(secret + "%"):
        assert scrub(text, [secret]) == text


# --- C. secrets never reach an error, whatever an answer echoes ------------------------------------------

SECRET = "s3cr3t/+=&?# tok-RECOGNIZABLE%41"  # every character class a URL encoder treats differently
SECRET_CREDS = Credentials(ACCOUNT, SECRET, hint="twilio:accountSid + twilio:authToken")
BASIC = base64.b64encode(f"{ACCOUNT}:{SECRET}".encode()).decode()
LEAKS = [SECRET, BASIC, quote(SECRET, safe=""), quote(SECRET), quote_plus(SECRET), quote(BASIC, safe=""),
         lower_hex(quote(SECRET, safe="")), SECRET[:16], SECRET[-16:], BASIC[-20:]]


def _echo(status: int, **where: str) -> Callable[[Seen], Reply]:
    """A proxy that puts what it received into the named places of its answer."""
    def reply(seen: Seen) -> Reply:
        auth = seen.headers["authorization"]
        token = base64.b64decode(auth.split()[1]).decode().split(":", 1)[1]
        fill = {k: v.format(auth=auth, basic=auth.split()[1], token=token, qtoken=quote(token, safe=""),
                            ptoken=quote_plus(token), lqtoken=lower_hex(quote(token, safe="")),
                            qbasic=quote(auth.split()[1], safe="")) for k, v in where.items()}
        headers = {"Content-Type": fill.pop("content_type", "application/json")}
        if "location" in fill:
            headers["Location"] = fill.pop("location")
        body = fill.pop("raw_body", None)
        return Reply(status, reason=fill.pop("reason", "Echo"), headers=headers,
                     body=body.encode() if body is not None else json.dumps({"code": 20003, **fill}).encode())
    return reply


ECHOES: list[tuple[str, Callable[[Seen], Reply]]] = [
    ("message-authorization", _echo(401, message="Authenticate; you sent Authorization: {auth}")),
    ("message-token", _echo(401, message="token {token} is wrong")),
    ("message-truncated-token", lambda _: Reply(401, body=json.dumps({"message": "tok " + SECRET[:16]}).encode())),
    ("message-ansi", _echo(401, message="\x1b[31m{token}\x1b[0m\x07")),
    ("more-info-quoted", _echo(400, message="bad", more_info="https://proxy.example/?t={qtoken}")),
    ("more-info-plus", _echo(400, message="bad", more_info="https://proxy.example/?t={ptoken}")),
    ("more-info-lower-hex", _echo(400, message="bad", more_info="https://proxy.example/?t={lqtoken}")),
    ("more-info-basic", _echo(400, message="bad", more_info="https://proxy.example/?auth={qbasic}")),
    ("location", _echo(302, raw_body="", location="https://AC:{qtoken}@evil.example/?a=Basic%20{qbasic}")),
    ("content-type", _echo(200, raw_body="<html>", content_type="text/html; x={basic}; y={token}")),
    ("reason-phrase", _echo(502, raw_body="nope", reason="Bad {token}")),
    ("message-basic-only", _echo(403, message="{basic}")),
]


@pytest.mark.parametrize(("name", "echo"), ECHOES, ids=[n for n, _ in ECHOES])
def test_an_answer_echoing_credentials_never_puts_them_in_an_error(hostile: HostileServer, name: str,
                                                                   echo: Callable[[Seen], Reply]) -> None:
    hostile.reset(echo)
    with pytest.raises(TwilioError) as caught:
        client(hostile.url, max_retries=0).fetch(SID, SECRET_CREDS)
    err = caught.value
    texts = [str(err), repr(err), err.twilio_message, err.more_info or "", str(err.args)]
    for text in texts:
        for leak in LEAKS:
            assert leak not in text, (leak, text)
        assert "\x1b" not in text and "\x07" not in text
    assert "[redacted]" in str(err)
    assert SID in str(err)


# --- C. a push credential's secrets never reach an error, whatever an answer echoes -------------------------
# The credential calls send the certificate, private key, API key or server key in the form: a proxy or a
# broken gateway may quote any of them back, whole or one PEM line of it, in any part of its answer.

def _pem_line(pem: str, n: int = 2) -> str:
    """The n-th base64 line of a PEM body: 64 characters that belong to that certificate or key alone."""
    return [line for line in pem.splitlines() if line and not line.startswith("-----")][n]


def _push_leaks(secret: str) -> list[str]:
    """The secret and its pieces as an echo would carry them: whole, one PEM line, URL- and JSON-encoded."""
    pieces = [secret, _pem_line(secret)] if "-----BEGIN" in secret else [secret, secret[:20], secret[-20:]]
    return [form for piece in pieces
            for form in (piece, quote(piece, safe=""), quote_plus(piece), json.dumps(piece)[1:-1])]


def _echoing_push(status: int, secret: str, place: str) -> Reply:
    """An answer quoting ``secret`` (or one PEM line of it, for headers) in ``place``."""
    line = _pem_line(secret) if "-----BEGIN" in secret else secret
    if place == "message":
        body = {"code": 20001, "message": f"bad value {secret}", "status": status}
        return Reply(status, body=json.dumps(body).encode())
    if place == "more_info":
        return Reply(status, body=json.dumps({"code": 20001, "message": "bad", "status": status,
                                              "more_info": f"https://proxy.example/?v={quote_plus(secret)}"}).encode())
    if place == "reason":
        return Reply(status, reason=f"Bad {line}", body=b"nope", headers={"Content-Type": "text/plain"})
    if place == "location":
        return Reply(302, headers={"Location": f"https://evil.example/?v={quote(line, safe='')}"}, body=b"")
    assert place == "content_type"
    return Reply(200, headers={"Content-Type": f"text/html; v={line}"}, body=b"<html>")


PUSH_CALLS: list[tuple[str, dict[str, Any], str]] = [
    ("create", {"type": "fcm", "secret": "AAAAexample:APA91b-SERVER-KEY-4MxP5egoKMwt2KZFBa"}, "secret"),
    ("update", {"type": "gcm", "api_key": "AIzaSy-GCM-API-KEY-0123456789abcdefghij"}, "api_key"),
    ("read", {"type": "apn"}, "certificate"),
    ("delete", {"type": "apn"}, "private_key"),
]


@pytest.mark.parametrize("place", ["message", "more_info", "reason", "location", "content_type"])
@pytest.mark.parametrize(("operation", "values", "field_name"), PUSH_CALLS, ids=[c[0] for c in PUSH_CALLS])
def test_an_answer_echoing_a_push_credentials_secret_never_puts_it_in_an_error(
        hostile: HostileServer, operation: str, values: dict[str, Any], field_name: str, place: str) -> None:
    from pem import APN

    from pulumi_twilio_conversations.core.credential import CREDENTIAL, with_secrets

    inputs, problems = CREDENTIAL.validate({**values, **(APN if values["type"] == "apn" else {})})
    assert problems == []
    secret = inputs[field_name]
    sid = "CR" + "c" * 32
    state = with_secrets({"sid": sid, "type": values["type"]}, inputs)  # what a refresh or a destroy holds
    hostile.reset(_echoing_push(400, secret, place))
    calls: dict[str, Callable[[TwilioClient], Any]] = {
        "create": lambda c: CREDENTIAL.create(c, CREDS, inputs),
        "update": lambda c: CREDENTIAL.update(c, CREDS, sid, state, inputs, [field_name]),
        "read": lambda c: CREDENTIAL.read(c, CREDS, sid, state, lambda *k: k[0]),
        "delete": lambda c: CREDENTIAL.delete(c, CREDS, sid, state, lambda *k: k[0]),
    }
    with pytest.raises(TwilioError) as caught:
        calls[operation](client(hostile.url, max_retries=0))
    err = caught.value
    assert hostile.seen, "the call reached the server"
    for text in (str(err), repr(err), err.twilio_message, err.more_info or "", str(err.args)):
        for leak in _push_leaks(secret):
            assert leak not in text, (leak, text)
    assert "[redacted]" in str(err)
