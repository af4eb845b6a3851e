"""One call to Twilio over ``requests``: attempts under urllib3's ``Retry``, a wall-clock deadline, a size cap.

Imported on the first call (it imports ``requests`` and ``urllib3``); ``client`` is the public face.

Why a loop here instead of the adapter's own retries: ``requests`` reads bodies after urllib3's
``urlopen`` has returned (it always asks for ``preload_content=False``), so a body cut off after the
status line surfaces after urllib3's ``Retry`` is done with the request; and a deadline needs each
attempt's timeouts to shrink as the call goes on. The adapter therefore makes single attempts, and
:func:`exchange` drives one :class:`TwilioRetry` across them: urllib3 decides what is retried
(``is_retry``, ``increment``), counts one budget, and computes the backoff and ``Retry-After`` wait.

The deadline: read timeouts restart with every byte, so a server trickling its answer (status line,
headers or body) could hold a call for hours. A shared watchdog thread shuts down the socket of any
call still running at its deadline, which ends the blocking read at once. Before there is a socket,
each attempt's timeouts are cut to the time left; only DNS resolution, and a connect tried on each of
a host's addresses in turn, can run past the deadline.
"""

from __future__ import annotations

import contextvars
import heapq
import itertools
import math
import os
import socket
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http.client import HTTPException
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    HTTPError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from .endpoint import is_loopback

if TYPE_CHECKING:
    from .client import HttpSettings

READ_CHUNK = 64 * 1024

# The adapter's own policy: one attempt, no redirects, statuses returned as they are.
SINGLE_ATTEMPT = Retry(total=0, read=False, redirect=False, raise_on_redirect=False, raise_on_status=False,
                       respect_retry_after_header=False)


class TwilioRetry(Retry):
    """urllib3's ``Retry``, except that an unusable ``Retry-After`` falls back to the backoff.

    urllib3 raises ``InvalidHeader`` for anything but a non-negative integer or an HTTP date, which
    would end the call on the first 429 or 503 carrying garbage, ``-1``, ``1.5`` or an empty value.
    A usable value (seconds or an HTTP date) is honoured up to ``retry_after_max``.
    """

    def parse_retry_after(self, retry_after: str) -> float:
        try:
            seconds = super().parse_retry_after(retry_after)
        except Exception:  # a server's header must never end the call: InvalidHeader, int/date overflow...
            return 0.0  # falsy: sleep_for_retry and wait_before_retry fall back to the backoff
        if not math.isfinite(seconds):
            return 0.0
        return min(max(seconds, 0.0), float(self.retry_after_max))

    def wait_before_retry(self, response: Optional[BaseHTTPResponse]) -> float:
        """What ``sleep(response)`` would sleep, without sleeping: a usable Retry-After, else the backoff."""
        if response is not None and self.respect_retry_after_header:
            after = self.get_retry_after(response)
            if after:
                return after
        return self.get_backoff_time()


# --- the deadline ---------------------------------------------------------------------------------------

class Guard:
    """The deadline of one call, and the socket it is using; shut down when the deadline passes.

    The socket is held as a duplicate file descriptor: shutting that down ends a blocked read on the
    original (also during a TLS handshake, whose socket object urllib3 only gets afterwards), and it
    is closed, under the lock, once the attempt is over, so a connection back in the pool is never hit.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._sock: Optional[socket.socket] = None
        self._fired = False
        self._done = False

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    @property
    def passed(self) -> bool:
        return self._fired or time.monotonic() >= self.deadline

    @property
    def fired(self) -> bool:
        """The socket was shut down: whatever was read since may be incomplete."""
        return self._fired

    def watch(self, sock: socket.socket) -> None:
        try:
            dup = socket.socket(fileno=os.dup(sock.fileno()))
        except (OSError, ValueError):
            return
        with self._lock:
            old, self._sock = self._sock, dup
            if self._fired:
                _shutdown(dup)
        _close(old)

    def unwatch(self) -> None:
        with self._lock:
            old, self._sock = self._sock, None
        _close(old)

    def fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self._fired = True
            if self._sock is not None:
                _shutdown(self._sock)

    @property
    def done(self) -> bool:
        return self._done

    def finish(self) -> None:
        with self._lock:
            self._done = True
            old, self._sock = self._sock, None
        _close(old)


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _close(sock: Optional[socket.socket]) -> None:
    if sock is not None:
        sock.close()


class _Watchdog:
    """One daemon thread for all calls: fires each guard at its deadline."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Guard]] = []
        self._seq = itertools.count()
        self._thread: Optional[threading.Thread] = None

    def add(self, guard: Guard) -> None:
        with self._cond:
            seq = next(self._seq)
            if seq % 256 == 255:  # drop finished calls now and then, or a busy process piles them up
                self._heap = [entry for entry in self._heap if not entry[2].done]
                heapq.heapify(self._heap)
            heapq.heappush(self._heap, (guard.deadline, seq, guard))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="twilio-call-deadlines", daemon=True)
                self._thread.start()
            elif self._heap[0][2] is guard:
                self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap:
                    self._cond.wait()
                deadline, _, guard = self._heap[0]
                delay = deadline - time.monotonic()
                if delay > 0:
                    self._cond.wait(delay)
                    continue
                heapq.heappop(self._heap)
            guard.fire()


WATCHDOG = _Watchdog()
_CURRENT: contextvars.ContextVar[Optional[Guard]] = contextvars.ContextVar("twilio_call_guard", default=None)


def _watch(sock: Optional[socket.socket]) -> None:
    guard = _CURRENT.get()
    if guard is not None and sock is not None:
        guard.watch(sock)


class _GuardedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _watch(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self.sock)  # a kept-alive connection: _new_conn is not called again
        super().request(*args, **kwargs)


class _GuardedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _watch(sock)  # before the TLS handshake
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self.sock)
        super().request(*args, **kwargs)


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose connections register their socket with the running call's guard."""

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}


# --- one call ----------------------------------------------------------------------------------------------

class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the answer's body is larger than {limit} bytes (after decompression); reading stopped there")


@dataclass(frozen=True)
class Outcome:
    """What one attempt got, in a few words: ``HTTP 503``, ``HTTP 200 cut off``, ``connection refused``."""

    tag: str
    answered: bool


@dataclass(frozen=True)
class Answer:
    """The last attempt's answer: status, headers and the whole (capped, decompressed) body."""

    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes
    outcomes: tuple[Outcome, ...]
    stop: str
    """Why there was no further attempt though the status is retryable; "" when the status is final."""


class CallFailed(Exception):
    """No usable answer: the last attempt failed in transport, was cut off, or was too large."""

    def __init__(self, reason: str, status: Optional[int], outcomes: tuple[Outcome, ...], stop: str,
                 detail: str = "", sent: bool = True) -> None:
        self.reason = reason
        self.sent = sent
        """Whether the request may have reached the server and been processed: False only when every
        attempt failed to connect or was answered 429 (which Twilio does not process)."""
        self.status = status
        self.outcomes = outcomes
        self.stop = stop
        self.detail = detail
        """What the reason tells about the server, e.g. that nothing listens on a refused port."""
        super().__init__(reason)

    def describe(self, where: str) -> str:
        """``connection refused (127.0.0.1:8787): nothing is listening on that port; ...`` (where: host:port)."""
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.reason} ({where}){detail}; {summarize(self.outcomes)}; {self.stop}"


# --- a refused connection ---------------------------------------------------------------------------------
# A refusal is the peer's TCP answering the connection request with a reset: the host is up, and
# nothing accepted a connection on that port. Whether that can change within a call's retries:
# - On a loopback address, on Linux: never, short of a server being started meanwhile. The answer comes
#   from this machine's own kernel, with nothing in between, and it refuses only a port where no socket
#   listens: a listener whose backlog is full has the connection request dropped, not refused (the
#   client resends it; TcpExt ListenOverflows counts these). So the retries only delayed the error by
#   about 16 s (5 retries with the default backoff) for a wrong port or a stopped emulator; a server that
#   is still starting is the caller's to wait for, as examples/lib.sh waits for the emulator's port.
# - On Windows, Winsock refuses a connection when the listener's backlog is full ("listen function",
#   learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-listen), and BSD stacks may reset
#   on an overflow too: there a refusal can be a busy server, and it is retried.
# - On any other host: a load balancer or a host restarting can refuse for a moment, and a firewall's
#   rejection looks the same from here: retried like any connection error.
LOOPBACK_REFUSAL_STOP = ("a refused connection to a loopback address is not retried: start the server, or "
                         "correct the port in the base URL")
_PLATFORM = sys.platform


def is_refusal(err: BaseException) -> bool:
    """The attempt's connection was refused (ECONNREFUSED): no answer, and nothing accepted on the port."""
    cause = _cause(err)
    return isinstance(cause, NewConnectionError) and isinstance(cause.__cause__, ConnectionRefusedError)


def refusal_is_final(host: str, platform: str) -> bool:
    """A refused connection to ``host`` is reported at once rather than retried (see above)."""
    return is_loopback(host) and platform.startswith("linux")


def refusal_detail(host: str, platform: str) -> str:
    """What a refusal by ``host`` says about what listens there."""
    if refusal_is_final(host, platform):
        return "nothing is listening on that port"
    if is_loopback(host):
        return "nothing is listening on that port, or its backlog of connections is full"
    return "nothing accepts connections on that port there, or a firewall rejects them"


def summarize(outcomes: tuple[Outcome, ...]) -> str:
    """``no answer to any of 4 attempts`` or ``3 attempts: HTTP 503 ×2, then connection failed``."""
    n = len(outcomes)
    if not any(o.answered for o in outcomes):
        return "no answer to the only attempt" if n == 1 else f"no answer to any of {n} attempts"
    runs: list[tuple[str, int]] = []
    for o in outcomes:
        if runs and runs[-1][0] == o.tag:
            runs[-1] = (o.tag, runs[-1][1] + 1)
        else:
            runs.append((o.tag, 1))
    text = ", then ".join(tag if count == 1 else f"{tag} ×{count}" for tag, count in runs)
    return f"1 attempt: {text}" if n == 1 else f"{n} attempts: {text}"


def _seconds(value: float) -> str:
    return f"{round(value, 2):g} s"


def _cause(err: BaseException) -> BaseException:
    """The urllib3 exception inside a ``requests`` one (which wraps it, sometimes in MaxRetryError)."""
    cause = err
    if isinstance(err, requests.RequestException) and err.args and isinstance(err.args[0], BaseException):
        cause = err.args[0]
    if isinstance(cause, MaxRetryError) and cause.reason is not None:
        cause = cause.reason
    return cause


def reason_for(err: BaseException, answered: bool) -> tuple[str, str]:
    """(a short tag for the attempt list, the sentence for the error) describing a failed attempt."""
    cause = _cause(err)
    if isinstance(err, BodyTooLarge):
        return "too large", str(err)
    if isinstance(cause, DecodeError):
        return "undecodable", "the answer's body could not be decompressed (bad Content-Encoding data)"
    if answered:
        if isinstance(cause, ReadTimeoutError):
            return "timed out in the body", "timed out while reading the answer's body"
        return "cut off", "the answer was cut off before its body was complete"
    if isinstance(err, requests.exceptions.SSLError) or isinstance(cause, SSLError):
        return ("TLS handshake failed",
                "TLS handshake failed (is the server's certificate trusted and issued for this host?)")
    if isinstance(err, requests.Timeout) or (
        isinstance(cause, (ConnectTimeoutError, ReadTimeoutError)) and not isinstance(cause, NewConnectionError)
    ):
        return "timed out", "timed out"
    if is_refusal(err):
        return "connection refused", "connection refused"
    if isinstance(err, requests.ConnectionError):
        return "connection failed", "connection failed"
    return type(cause).__name__, type(cause).__name__


def _retry_cause(err: BaseException, answered: bool) -> Exception:
    """The error to count against the Retry budget. A broken body (also a TLS one) is a read error."""
    cause = _cause(err)
    if answered and isinstance(cause, (SSLError, HTTPException, OSError)):
        return ProtocolError("the answer was cut off", cause)
    return cause if isinstance(cause, Exception) else ProtocolError(repr(cause))


def _read_body(raw: BaseHTTPResponse, status: int, limit: int, guard: Guard) -> bytes:
    """The decompressed body, read in chunks; never holds much more than ``limit`` bytes.

    Raises ProtocolError, like a connection reset, for an answer that may be incomplete: one read
    while the deadline shut its socket down, or a success without framing (no Content-Length, not
    chunked) and without a body, which is what ``http.client`` makes of a head cut off before its
    blank line. An error status needs no body: its reason phrase speaks for it.
    """
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = raw.read(min(READ_CHUNK, limit + 1), decode_content=True)
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    if guard.fired:
        raise ProtocolError("the call's deadline passed while the answer was read")
    if not chunks and 200 <= status < 300 and status != 204 and raw.length_remaining is None and not raw.chunked:
        raise ProtocolError("an answer without framing and without a body: its head may have been cut off")
    return b"".join(chunks)


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    form: Optional[dict[str, str]]
    auth: tuple[str, str]


def exchange(session: requests.Session, policy: TwilioRetry, call: Call, settings: HttpSettings) -> Answer:
    """Make attempts until an answer is final, the Retry budget is spent, or the deadline comes.

    Returns the last answer (its body read whole, within ``settings.max_body_bytes``); raises
    :class:`CallFailed` when there is no usable answer.
    """
    guard = Guard(settings.deadline_seconds())
    WATCHDOG.add(guard)
    token = _CURRENT.set(guard)
    n = settings.max_retries
    retries_used = {0: "retries are off (max_retries 0)", 1: "the one retry used"}.get(n, f"all {n} retries used")
    outcomes: list[Outcome] = []
    sent = False  # see CallFailed.sent
    retry = policy
    # The session's adapter directly, with a request prepared once for every attempt: Session.request
    # would merge environment settings, cookies and hooks on each call, and this client uses none of
    # them (trust_env off, cookies refused, redirects not followed). That merging cost more CPU than
    # the rest of a call's HTTP work (BENCHMARKS.md, per-operation cost). Prepared in the first
    # attempt, so that a URL requests refuses fails that attempt like any other transport error.
    prepared: Optional[requests.PreparedRequest] = None
    adapter: Optional[requests.adapters.BaseAdapter] = None
    try:
        while True:
            remaining = guard.remaining()
            if remaining <= 0:  # only after a wait that ended just at the deadline
                raise CallFailed("timed out", None, tuple(outcomes),
                                 f"the call's deadline of {_seconds(guard.seconds)} passed", sent=sent)
            response: Optional[requests.Response] = None
            try:
                if prepared is None or adapter is None:
                    prepared = requests.Request(call.method, call.url, headers=session.headers, data=call.form,
                                                auth=call.auth).prepare()
                    adapter = session.get_adapter(call.url)
                response = adapter.send(
                    prepared, stream=True, verify=True, cert=None, proxies=None,
                    timeout=(min(settings.connect_timeout, remaining), min(settings.read_timeout, remaining)),
                )
                raw = response.raw
                status = response.status_code
                if retry.is_retry(call.method, status, bool(raw.headers.get("Retry-After"))):
                    stop, wait = "", 0.0
                    try:
                        following = retry.increment(call.method, call.url, response=raw)
                    except MaxRetryError:
                        stop = retries_used
                    else:
                        wait = following.wait_before_retry(raw)
                        if wait >= guard.remaining():
                            stop = (f"a retry after {_seconds(wait)} would pass the call's deadline of "
                                    f"{_seconds(guard.seconds)}")
                    if stop:  # this answer is the last: read it (a broken body is handled below)
                        body = _read_body(raw, status, settings.max_body_bytes, guard)
                        outcomes.append(Outcome(f"HTTP {status}", True))
                        return Answer(status, raw.reason or "", raw.headers, body, tuple(outcomes), stop)
                    retry = following
                    sent = sent or status != 429
                    outcomes.append(Outcome(f"HTTP {status}", True))
                    response.close()
                    response = None
                    guard.unwatch()
                    time.sleep(wait)
                    continue
                body = _read_body(raw, status, settings.max_body_bytes, guard)
                outcomes.append(Outcome(f"HTTP {status}", True))
                return Answer(status, raw.reason or "", raw.headers, body, tuple(outcomes), "")
            except (requests.RequestException, HTTPError, HTTPException, OSError, BodyTooLarge) as err:
                answered = response is not None
                status_seen = response.status_code if response is not None else None
                # urllib3 counts these as connection errors (Retry._is_connection_error): no request went out.
                sent = sent or answered or not isinstance(_cause(err), ConnectTimeoutError)
                tag, reason = reason_for(err, answered)
                if answered:
                    tag = f"HTTP {status_seen} {tag}"
                if guard.passed:
                    tag = f"HTTP {status_seen} unfinished" if answered else "unanswered"
                    outcomes.append(Outcome(tag + " at the deadline", answered))
                    raise CallFailed(
                        "timed out while reading the answer's body" if answered else "timed out",
                        status_seen, tuple(outcomes),
                        f"the call's deadline of {_seconds(guard.seconds)} passed during attempt {len(outcomes)}",
                        sent=sent,
                    ) from None
                outcomes.append(Outcome(tag, answered))
                refused = not answered and is_refusal(err)
                host = urlsplit(call.url).hostname or ""
                detail = refusal_detail(host, _PLATFORM) if refused else ""
                if refused and refusal_is_final(host, _PLATFORM):
                    raise CallFailed(reason, None, tuple(outcomes), LOOPBACK_REFUSAL_STOP, detail, sent) from None
                if isinstance(err, BodyTooLarge) or isinstance(_cause(err), DecodeError):
                    raise CallFailed(reason, status_seen, tuple(outcomes), "such an answer is not retried",
                                     sent=sent) from None
                try:
                    retry = retry.increment(call.method, call.url, error=_retry_cause(err, answered))
                except MaxRetryError as exhausted:
                    counted = isinstance(exhausted.reason, (ConnectTimeoutError, ReadTimeoutError, ProtocolError))
                    stop = retries_used if counted else "this kind of failure is not retried"
                    raise CallFailed(reason, status_seen, tuple(outcomes), stop, detail, sent) from None
                except Exception:  # Retry re-raises an error it will not count (e.g. read=False)
                    raise CallFailed(reason, status_seen, tuple(outcomes),
                                     "this kind of failure is not retried", detail, sent) from None
                wait = retry.wait_before_retry(None)
                if wait >= guard.remaining():
                    raise CallFailed(reason, status_seen, tuple(outcomes),
                                     f"a retry after {_seconds(wait)} would pass the call's deadline of "
                                     f"{_seconds(guard.seconds)}", detail, sent) from None
                if response is not None:
                    response.close()
                    response = None
                guard.unwatch()
                time.sleep(wait)
            finally:
                if response is not None:
                    response.close()
                guard.unwatch()
    finally:
        _CURRENT.reset(token)
        guard.finish()
