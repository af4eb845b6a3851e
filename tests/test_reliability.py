"""Reliability and security promises: bad input, faults, malformed answers, secrets, transport, concurrency."""

from __future__ import annotations

import base64
import logging
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from pulumi_twilio_conversations.core.client import Credentials, HttpSettings, TwilioClient, TwilioError
from pulumi_twilio_conversations.core.validation import validate_settings
from pulumi_twilio_conversations.core.wire import WIRE_FIELDS, changed_paths, from_api, set_path, to_form
from pulumi_twilio_conversations.emulator import Emulator, default_settings_raw

from conftest import ACCOUNT, OTHER_SID, SID, TOKEN, stack_config
from harness import CheckFailed, ProviderError, ProviderServer, Resource, Stack, serialized_provider, urn

GOOD = {"chat_service_sid": SID}
BASIC = base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()

# (inputs, the field the failure must name) — every one must fail check with no request sent.
BAD_INPUTS: list[tuple[dict[str, Any], str]] = [
    # service SIDs: prefixes, lengths, alphabets, types
    ({"chat_service_sid": "CH" + "0" * 32}, "chat_service_sid"),
    ({"chat_service_sid": "AC" + "0" * 32}, "chat_service_sid"),
    ({"chat_service_sid": "is" + "0" * 32}, "chat_service_sid"),
    ({"chat_service_sid": "IS" + "0" * 31}, "chat_service_sid"),
    ({"chat_service_sid": "IS" + "0" * 33}, "chat_service_sid"),
    ({"chat_service_sid": ""}, "chat_service_sid"),
    ({"chat_service_sid": "IS" + "z" * 32}, "chat_service_sid"),
    ({"chat_service_sid": "IS" + "０" * 32}, "chat_service_sid"),  # fullwidth digits (non-ASCII)
    ({"chat_service_sid": " IS" + "0" * 32}, "chat_service_sid"),
    ({"chat_service_sid": "IS" + "0" * 32 + "\n"}, "chat_service_sid"),
    ({"chat_service_sid": "IS" + "0" * 10_000}, "chat_service_sid"),
    ({"chat_service_sid": 42}, "chat_service_sid"),
    ({"chat_service_sid": ["IS" + "0" * 32]}, "chat_service_sid"),
    ({"chat_service_sid": {}}, "chat_service_sid"),
    ({}, "chat_service_sid"),
    # wrong types
    ({**GOOD, "log_enabled": "true"}, "log_enabled"),
    ({**GOOD, "log_enabled": 1}, "log_enabled"),
    ({**GOOD, "log_enabled": []}, "log_enabled"),
    ({**GOOD, "log_enabled": {}}, "log_enabled"),
    ({**GOOD, "new_message": {"enabled": "false"}}, "new_message.enabled"),
    ({**GOOD, "new_message": {"badge_count_enabled": 0}}, "new_message.badge_count_enabled"),
    ({**GOOD, "new_message": {"with_media": {"enabled": "yes"}}}, "new_message.with_media.enabled"),
    ({**GOOD, "added_to_conversation": {"enabled": None, "sound": 3}}, "added_to_conversation.sound"),
    # nested objects where strings belong, and the reverse
    ({**GOOD, "new_message": {"template": {"text": "hi"}}}, "new_message.template"),
    ({**GOOD, "new_message": {"sound": ["ring"]}}, "new_message.sound"),
    ({**GOOD, "removed_from_conversation": {"template": True}}, "removed_from_conversation.template"),
    ({**GOOD, "new_message": "enabled"}, "new_message"),
    ({**GOOD, "new_message": {"with_media": "yes"}}, "new_message.with_media"),
    ({**GOOD, "added_to_conversation": ["enabled"]}, "added_to_conversation"),
    # unknown keys at every level
    ({**GOOD, "new_mesage": {"enabled": True}}, "new_mesage"),
    ({**GOOD, "LogEnabled": True}, "LogEnabled"),
    ({**GOOD, "new_message": {"Enabled": True}}, "new_message.Enabled"),
    ({**GOOD, "new_message": {"with_media": {"sound": "x"}}}, "new_message.with_media.sound"),
    ({**GOOD, "added_to_conversation": {"badge_count_enabled": True}}, "added_to_conversation.badge_count_enabled"),
    ({**GOOD, "removed_from_conversation": {"with_media": {}}}, "removed_from_conversation.with_media"),
    # malformed placeholders
    ({**GOOD, "new_message": {"template": "${MESSAGE"}}, "new_message.template"),
    ({**GOOD, "new_message": {"template": "$MESSAGE}"}}, "new_message.template"),
    ({**GOOD, "new_message": {"template": "${}"}}, "new_message.template"),
    ({**GOOD, "new_message": {"with_media": {"template": "${MEDIA_COUNT files"}}}, "new_message.with_media.template"),
    ({**GOOD, "added_to_conversation": {"template": "join $CONVERSATION now"}}, "added_to_conversation.template"),
    ({**GOOD, "removed_from_conversation": {"template": "left {CONVERSATION}"}}, "removed_from_conversation.template"),
    # huge strings and control characters
    ({**GOOD, "new_message": {"template": "x" * 5000}}, "new_message.template"),
    ({**GOOD, "added_to_conversation": {"sound": "s" * 2000}}, "added_to_conversation.sound"),
    ({**GOOD, "new_message": {"template": "bell\x07"}}, "new_message.template"),
    ({**GOOD, "new_message": {"sound": "\x1b[31mred"}}, "new_message.sound"),
    ({**GOOD, "removed_from_conversation": {"sound": "nul\x00"}}, "removed_from_conversation.sound"),
]


@pytest.fixture(scope="module")
def shared() -> Iterator[tuple[Emulator, ProviderServer]]:
    with Emulator(accounts={ACCOUNT: TOKEN}, services=[SID, OTHER_SID]) as emu:
        with ProviderServer(stack_config(emu)) as server:
            yield emu, server


def test_the_bad_input_table_is_big_enough() -> None:
    assert len(BAD_INPUTS) >= 40


@pytest.mark.parametrize(("inputs", "field"), BAD_INPUTS, ids=[f"{i}-{f}" for i, (_, f) in enumerate(BAD_INPUTS)])
def test_bad_input_fails_check_naming_the_field_and_sends_nothing(
    shared: tuple[Emulator, ProviderServer], inputs: dict[str, Any], field: str
) -> None:
    emu, server = shared
    emu.clear_requests()
    props = {**inputs, "__provider": serialized_provider()}
    with pytest.raises(CheckFailed) as caught:
        server.check(urn("bad"), {}, props)
    assert field in [f for f, _ in caught.value.failures], caught.value.failures
    for _, reason in caught.value.failures:
        assert len(reason) < 400  # a huge input is not echoed back whole
    assert emu.api_requests() == []


# --- faults --------------------------------------------------------------------------------------------

SAMPLE = {"chat_service_sid": SID, "new_message": {"enabled": True, "template": "${MESSAGE}"}}


def test_failed_update_leaves_outputs_and_the_change_stays_pending(stack: Stack, emulator: Emulator) -> None:
    stack.up({"push": SAMPLE})
    before = stack.outputs("push")
    emulator.inject(status=503, count=-1, methods=["POST"])
    changed = {"push": {**SAMPLE, "log_enabled": True}}
    with pytest.raises(ProviderError) as caught:
        stack.up(changed)
    assert "could not update notification settings of service" in str(caught.value)
    assert "HTTP 503, Twilio error 20500" in str(caught.value)
    assert stack.outputs("push") == before
    assert emulator.settings(SID)["log_enabled"] is False
    emulator.state.faults.clear()
    assert stack.preview(changed).changes == {"push": "update"}
    stack.up(changed)
    assert emulator.settings(SID)["log_enabled"] is True


@pytest.mark.parametrize("fault", [
    {"status": 429, "retry_after": 0}, {"status": 429}, {"status": 500}, {"status": 502}, {"status": 503},
    {"status": 504}, {"reset": True}, {"delay": 3.0},
])
def test_transient_faults_during_up_end_in_success(stack: Stack, emulator: Emulator, fault: dict[str, Any]) -> None:
    emulator.inject(count=2, **fault)
    stack.up({"push": SAMPLE})
    assert len(emulator.api_requests()) == 3
    assert emulator.settings(SID)["new_message"]["enabled"] is True


@pytest.mark.parametrize(("body", "words"), [
    ("<html>Bad gateway</html>", "not a JSON object"),
    ("[1, 2]", "not a JSON object"),
    ('{"log_enabled": "yes"}', "unexpected response: 'log_enabled' should be a bool"),
])
def test_malformed_answers_are_clear_errors(stack: Stack, emulator: Emulator, body: str, words: str) -> None:
    stack.up({"push": SAMPLE})
    emulator.inject(body=body, count=1, methods=["GET"])
    with pytest.raises(ProviderError) as caught:
        stack.refresh()
    assert words in str(caught.value) and f"could not read notification settings of service {SID}" in str(caught.value)


@pytest.mark.parametrize("body", ["{}", '{"log_enabled": null, "new_message": null, "added_to_conversation": null}'])
def test_missing_fields_and_nulls_read_as_defaults(stack: Stack, emulator: Emulator, body: str) -> None:
    stack.up({"push": SAMPLE})
    emulator.inject(body=body, count=1, methods=["GET"])
    stack.refresh()
    outs = stack.outputs("push")
    assert outs["new_message"]["enabled"] is False and outs["new_message"]["template"] == ""
    assert outs["chat_service_sid"] == SID
    assert stack.preview({"push": SAMPLE}).changes == {"push": "update"}  # the next up repairs it


# --- transport -----------------------------------------------------------------------------------------

def test_redirects_are_not_followed(emulator: Emulator) -> None:
    with Emulator(accounts={ACCOUNT: TOKEN}, services=[SID]) as elsewhere:
        emulator.inject(status=302, body="", headers={"Location": f"{elsewhere.url}/v1/Services/{SID}/Configuration/"
                                                                   "Notifications"}, count=1)
        client = TwilioClient(HttpSettings(base_url=emulator.url, max_retries=0))
        with pytest.raises(TwilioError, match="redirects are not followed"):
            client.fetch(SID, Credentials(ACCOUNT, TOKEN))
        assert elsewhere.api_requests() == []


def test_tls_certificates_are_verified(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    with Emulator(accounts={ACCOUNT: TOKEN}, services=[SID], tls=(str(cert), str(key))) as emu:
        client = TwilioClient(HttpSettings(base_url=emu.url, max_retries=0))
        with pytest.raises(TwilioError, match="TLS handshake failed"):
            client.fetch(SID, Credentials(ACCOUNT, TOKEN))
        # the same server is fine once its certificate is trusted: the failure above was verification
        assert requests.get(emu.api_url(SID), auth=(ACCOUNT, TOKEN), verify=str(cert), timeout=5).ok


def test_plain_http_to_a_remote_host_is_refused_at_preview(emulator: Emulator) -> None:
    config = stack_config(emulator, **{"twilio:baseUrl": "http://conversations.example.com"})
    with ProviderServer(config) as server:
        with pytest.raises(CheckFailed, match="plain http to a non-loopback host"):
            Stack(server).preview({"push": SAMPLE})


# --- secrets -------------------------------------------------------------------------------------------

def test_the_token_never_appears_anywhere(emulator: Emulator, caplog: pytest.LogCaptureFixture,
                                          capfd: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = [serialized_provider(), base64.b64decode(serialized_provider()).decode("latin-1")]
    with ProviderServer(stack_config(emulator)) as server:
        stack = Stack(server)
        stack.up({"push": SAMPLE})
        emulator.edit(SID, {"LogEnabled": "true"})
        stack.refresh()
        stack.up({"push": {**SAMPLE, "chat_service_sid": OTHER_SID}})
        for fault in ({"status": 503, "count": -1}, {"reset": True, "count": -1}, {"status": 429, "count": -1},
                      {"body": "not json", "count": -1}):
            emulator.inject(**fault)
            with pytest.raises(ProviderError) as caught:
                stack.refresh()
            seen.append(str(caught.value))
            emulator.state.faults.clear()
        with pytest.raises(CheckFailed) as failed:
            stack.preview({"push": {"chat_service_sid": TOKEN}})  # a token pasted in the wrong place
        seen.append(str(failed.value))
        seen.extend(repr(entry) for entry in stack.state.values())
        stack.destroy()
    seen.append(server.stderr)
    bad = stack_config(emulator)
    bad["twilio:authToken"] = TOKEN + "-wrong"
    with ProviderServer(bad) as server:
        with pytest.raises(ProviderError) as caught:
            Stack(server).up({"push": SAMPLE})
        seen.append(str(caught.value))
    seen.append(server.stderr)
    seen.extend(record.getMessage() for record in caplog.records)
    out, err = capfd.readouterr()
    seen.extend([out, err])
    seen.extend(repr(r) for r in emulator.api_requests())
    text = "\n".join(seen)
    assert TOKEN not in text
    assert BASIC not in text
    assert "could not" in text  # the errors were captured
    assert failed.value.failures


# --- properties ------------------------------------------------------------------------------------------

_TEXT = st.text(alphabet=st.sampled_from("abc XYZ019.,!?-_'\"éü🎉"), max_size=40) | st.sampled_from(
    ["", "${CONVERSATION}", "${PARTICIPANT}: ${MESSAGE}", "${MEDIA_COUNT} files: ${MEDIA}"])


@st.composite
def settings_strategy(draw: st.DrawFn) -> dict[str, Any]:
    tree: dict[str, Any] = {"chat_service_sid": SID}
    for f in WIRE_FIELDS:
        if draw(st.booleans()):  # leave some settings out: omitted means default
            set_path(tree, f.path, draw(st.booleans()) if f.kind is bool else draw(_TEXT))
    return tree


def apply_form_like_twilio(form: dict[str, str]) -> dict[str, Any]:
    body = default_settings_raw()
    for f in WIRE_FIELDS:
        if f.form in form:
            raw = form[f.form]
            set_path(body, f.path, raw == "true" if f.kind is bool else (raw or None))
    return body


@settings(max_examples=200, deadline=None)
@given(settings_strategy())
def test_wire_mapping_round_trips(values: dict[str, Any]) -> None:
    inputs, problems = validate_settings(values)
    assert problems == []
    outputs = from_api({**apply_form_like_twilio(to_form(inputs)), "chat_service_sid": SID})
    assert changed_paths(outputs, inputs) == []
    for f in WIRE_FIELDS:
        assert to_form(outputs, only=[f.path]) == to_form(inputs, only=[f.path])


@settings(max_examples=200, deadline=None)
@given(settings_strategy(), settings_strategy())
def test_diff_is_empty_for_equal_settings_and_sends_exactly_the_difference(
    a: dict[str, Any], b: dict[str, Any]
) -> None:
    left, _ = validate_settings(a)
    right, _ = validate_settings(b)
    assert changed_paths(left, left) == []
    changed = changed_paths(left, right)
    patched = apply_form_like_twilio({**to_form(left), **to_form(right, only=changed)})
    assert changed_paths(from_api(patched), right) == []


# --- concurrency -------------------------------------------------------------------------------------------

def test_fifty_resources_in_parallel_two_accounts_no_crosstalk() -> None:
    acct_a, acct_b = "AC" + "a" * 32, "AC" + "b" * 32
    sids = [f"IS{n:032x}" for n in range(1, 51)]
    with Emulator(accounts={acct_a: "tok-a", acct_b: "tok-b"}) as emu:
        for n, sid in enumerate(sids):
            emu.state.add_service(sid, acct_a if n % 2 == 0 else acct_b)
        config = {"twilio:accountSid": acct_a, "twilio:authToken": "tok-a", "twilio:baseUrl": emu.url,
                  "twilio-b:accountSid": acct_b, "twilio-b:authToken": "tok-b", "twilio-b:baseUrl": emu.url}
        with ProviderServer(config) as server:
            def create(n: int) -> tuple[str, dict[str, Any]]:
                res = Resource({"chat_service_sid": sids[n], "new_message": {"template": f"service {n}"}},
                               namespace="twilio" if n % 2 == 0 else "twilio-b")
                inputs = server.check(urn(f"r{n}"), {}, res.inputs())
                return server.create(urn(f"r{n}"), inputs)

            with ThreadPoolExecutor(max_workers=16) as pool:
                results = list(pool.map(create, range(50)))
        for n, (id_, outs) in enumerate(results):
            assert id_ == sids[n]
            assert outs["new_message"]["template"] == f"service {n}"
            assert outs["account_sid"] == (acct_a if n % 2 == 0 else acct_b)
            assert emu.settings(sids[n])["new_message"]["template"] == f"service {n}"
        log = emu.api_requests()
        assert len(log) == 50
        for request in log:
            n = sids.index(request.path.split("/")[3])
            assert request.username == (acct_a if n % 2 == 0 else acct_b)
        # one session per account, its connections kept alive and reused: far fewer connections than calls
        assert len({r.client_port for r in log}) <= 2 * 4 < len(log)


def test_provider_module_is_importable_by_the_plugin_python() -> None:
    result = subprocess.run([sys.executable, "-c", "import dill, base64, sys; "
                             f"p = dill.loads(base64.b64decode('{serialized_provider()}')); print(type(p).__module__)"],
                            capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "pulumi_twilio_conversations.provider"
