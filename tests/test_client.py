"""The HTTP client against the emulator: endpoints, retries, faults and error messages."""

from __future__ import annotations

import time
from typing import Any

import pytest

from pulumi_twilio_conversations.core import transport
from pulumi_twilio_conversations.core.client import (
    USER_AGENT,
    Credentials,
    HttpSettings,
    TwilioClient,
    TwilioError,
    host_port,
)
from pulumi_twilio_conversations.core.endpoint import check_base_url
from pulumi_twilio_conversations.emulator import Emulator

from conftest import ACCOUNT, SID, TOKEN

CREDS = Credentials(ACCOUNT, TOKEN, hint="twilio:accountSid + twilio:authToken")


def fast(emu: Emulator, **overrides: float) -> TwilioClient:
    settings = dict(base_url=emu.url, max_retries=3, backoff_factor=0.01, backoff_max=0.05, backoff_jitter=0.0,
                    retry_after_max=1, connect_timeout=1.0, read_timeout=0.5)
    settings.update(overrides)
    return TwilioClient(HttpSettings(**settings))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://conversations.twilio.com", True),
        ("http://127.0.0.1:8787", True),
        ("http://localhost:8787/", True),
        ("http://[::1]:8787", True),
        ("http://10.0.0.5:8787", False),
        ("http://conversations.twilio.com", False),
        ("ftp://x", False),
        ("https://user:pw@host", False),
        ("not a url", False),
    ],
)
def test_base_url_rules(url: str, ok: bool) -> None:
    if ok:
        assert not check_base_url(url).endswith("/")
    else:
        with pytest.raises(ValueError):
            check_base_url(url)


def test_fetch_sends_auth_user_agent_and_accept(emulator: Emulator) -> None:
    body = fast(emulator).fetch(SID, CREDS)
    assert body["chat_service_sid"] == SID
    (request,) = emulator.api_requests()
    assert request.username == ACCOUNT
    assert request.headers["User-Agent"] == USER_AGENT and USER_AGENT.startswith("pulumi-twilio-conversations/")
    assert request.headers["Accept"] == "application/json"
    assert "Authorization" not in request.headers  # the emulator never records it


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_transient_failures_then_success_take_n_plus_one_requests(emulator: Emulator, status: int) -> None:
    emulator.inject(status=status, count=2)
    fast(emulator).update(SID, CREDS, {"LogEnabled": "true"})
    assert len(emulator.api_requests()) == 3
    assert emulator.settings(SID)["log_enabled"] is True


def test_retry_after_is_honoured(emulator: Emulator) -> None:
    emulator.inject(status=429, retry_after=1, count=1)
    fast(emulator).fetch(SID, CREDS)
    first, second = emulator.api_requests()
    assert second.time - first.time >= 0.9


def test_connection_reset_is_retried(emulator: Emulator) -> None:
    emulator.inject(reset=True, count=1)
    fast(emulator).fetch(SID, CREDS)
    assert len(emulator.api_requests()) == 2


def test_slow_answer_times_out_and_is_retried(emulator: Emulator) -> None:
    emulator.inject(delay=1.0, count=1)
    fast(emulator).update(SID, CREDS, {"LogEnabled": "true"})
    assert len(emulator.api_requests()) == 2


def test_persistent_failure_gives_one_clear_error(emulator: Emulator) -> None:
    emulator.inject(status=503, count=-1)
    client = fast(emulator)
    started = time.monotonic()
    with pytest.raises(TwilioError) as caught:
        client.update(SID, CREDS, {"LogEnabled": "true"}, operation="create")
    assert time.monotonic() - started <= client.settings.worst_case_seconds()  # the documented bound holds
    message = str(caught.value)
    assert f"could not create notification settings of service {SID}" in message
    assert "HTTP 503, Twilio error 20500: Injected fault" in message
    assert caught.value.status == 503 and caught.value.code == 20500
    assert len(emulator.api_requests()) == 4  # 1 + max_retries


def _closed_port() -> int:
    """A loopback port nothing listens on (an emulator that has stopped, as after a restart elsewhere)."""
    with Emulator() as emu:
        return int(emu.url.rsplit(":", 1)[1])


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every connection the client tries to open, in order: attempts counted, not timed."""
    import urllib3.util.connection

    tried: list[tuple[str, int]] = []
    real = urllib3.util.connection.create_connection

    def counting(address: tuple[str, int], *args: Any, **kwargs: Any) -> Any:
        tried.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", counting)
    return tried


def test_a_closed_loopback_port_is_refused_at_once_naming_the_port(connects: list[tuple[str, int]]) -> None:
    port = _closed_port()
    client = TwilioClient(HttpSettings(base_url=f"http://127.0.0.1:{port}"))  # the production retries
    with pytest.raises(TwilioError) as caught:
        client.fetch(SID, CREDS)
    message = str(caught.value)
    assert caught.value.status is None and SID in message
    assert f"no response: connection refused (127.0.0.1:{port}): nothing is listening on that port" in message
    assert "no answer to the only attempt; a refused connection to a loopback address is not retried" in message
    assert connects == [("127.0.0.1", port)]


def test_where_a_refusal_can_pass_it_is_retried(monkeypatch: pytest.MonkeyPatch,
                                                connects: list[tuple[str, int]]) -> None:
    monkeypatch.setattr(transport, "_PLATFORM", "win32")  # Winsock refuses when a backlog is full
    port = _closed_port()
    client = TwilioClient(HttpSettings(base_url=f"http://127.0.0.1:{port}", max_retries=2, backoff_factor=0.01,
                                       backoff_jitter=0.0))
    with pytest.raises(TwilioError) as caught:
        client.fetch(SID, CREDS)
    assert (f"connection refused (127.0.0.1:{port}): nothing is listening on that port, or its backlog of "
            "connections is full; no answer to any of 3 attempts; all 2 retries used") in str(caught.value)
    assert len(connects) == 3


@pytest.mark.parametrize(("host", "platform", "final"), [
    ("127.0.0.1", "linux", True),
    ("127.8.9.10", "linux", True),
    ("::1", "linux", True),
    ("localhost", "linux", True),
    ("127.0.0.1", "win32", False),   # a full backlog is refused too
    ("127.0.0.1", "darwin", False),
    ("conversations.twilio.com", "linux", False),  # a balancer or a restart can refuse for a moment
    ("10.0.0.5", "linux", False),
])
def test_which_refusals_are_final(host: str, platform: str, final: bool) -> None:
    assert transport.refusal_is_final(host, platform) is final


@pytest.mark.parametrize(("url", "where"), [
    ("https://conversations.twilio.com", "conversations.twilio.com:443"),
    ("http://127.0.0.1:8787", "127.0.0.1:8787"),
    ("http://[::1]:8787", "[::1]:8787"),
    ("http://localhost", "localhost:80"),
])
def test_errors_name_the_host_and_port_called(url: str, where: str) -> None:
    assert host_port(url) == where


def test_non_json_success_is_a_clear_error(emulator: Emulator) -> None:
    emulator.inject(body="<html>gateway</html>", count=1)
    with pytest.raises(TwilioError, match="not a JSON object"):
        fast(emulator).fetch(SID, CREDS)


def test_bad_credentials_hint_names_keys_never_the_token(emulator: Emulator) -> None:
    wrong = Credentials(ACCOUNT, "nope-" + TOKEN, hint=CREDS.hint)
    with pytest.raises(TwilioError) as caught:
        fast(emulator).fetch(SID, wrong)
    assert caught.value.code == 20003
    assert "Check the credentials: twilio:accountSid + twilio:authToken" in str(caught.value)
    assert TOKEN not in str(caught.value) and TOKEN not in repr(wrong)
    assert len(emulator.api_requests()) == 1  # a 401 is not retried


def test_one_session_reused_across_calls(emulator: Emulator) -> None:
    client = fast(emulator)
    for _ in range(5):
        client.fetch(SID, CREDS)
    assert client.sessions_created == 1


@pytest.mark.parametrize("sid", ["../../Accounts", "IS" + "0" * 32 + "/x", "IS0?a=b", ""])
def test_only_service_sids_reach_the_url(emulator: Emulator, sid: str) -> None:
    with pytest.raises(TwilioError, match="nothing was sent"):
        fast(emulator).fetch(sid, CREDS)
    assert emulator.api_requests() == []
