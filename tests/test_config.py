"""Where credentials and endpoint settings come from, and what a user is told when they are wrong."""

from __future__ import annotations

import math
from typing import Any, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pulumi_twilio_conversations.core.config import (
    check_namespace,
    env_name,
    near_miss,
    resolve,
    snake_key,
    unknown_key_problems,
)
from pulumi_twilio_conversations.emulator import Emulator

from conftest import SID, stack_config
from frontends import FrontEnd, both, only
from harness import CheckFailed

SECRET = "tok-SECRET-42"
AC1 = "AC" + "1" * 32
SK1 = "SK" + "1" * 32
GOOD = {"twilio:accountSid": AC1, "twilio:authToken": SECRET}


@pytest.mark.parametrize(("namespace", "key", "variable"), [
    ("twilio", "accountSid", "TWILIO_ACCOUNT_SID"),
    ("twilio", "baseUrl", "TWILIO_CONVERSATIONS_BASE_URL"),
    ("twilio-eu", "authToken", "TWILIO_EU_AUTH_TOKEN"),
    ("acme.twilio", "apiSecret", "ACME_TWILIO_API_SECRET"),
])
def test_environment_variable_names(namespace: str, key: str, variable: str) -> None:
    assert env_name(namespace, key) == variable


@pytest.mark.parametrize(("config", "words"), [
    ({}, "no Twilio credentials: set twilio:accountSid + twilio:authToken (or TWILIO_ACCOUNT_SID + "
         "TWILIO_AUTH_TOKEN)"),
    ({"twilio:accountSid": AC1}, "set twilio:authToken (or TWILIO_AUTH_TOKEN)"),
    ({"twilio:apiKey": SK1}, "an API key needs both parts: set twilio:apiSecret (or TWILIO_API_SECRET)"),
    ({"twilio:apiKey": "AB1", "twilio:apiSecret": SECRET},
     "twilio:apiKey (or TWILIO_API_KEY) must be an API key SID: 'SK' followed by 32 hex characters"),
    ({"twilio:accountSid": "XX", "twilio:authToken": SECRET},
     "twilio:accountSid (or TWILIO_ACCOUNT_SID) must be an Account SID: 'AC' followed by 32 hex"),
    ({"twilio:accountSid": AC1[:-1], "twilio:authToken": SECRET}, "must be an Account SID"),
    ({**GOOD, "twilio:baseUrl": "http://example.com"}, "plain http to a non-loopback host"),
    ({**GOOD, "twilio:maxRetries": "many"}, "twilio:maxRetries (or TWILIO_MAX_RETRIES) must be a number, got 'many'"),
    ({**GOOD, "twilio:readTimeout": "-1"}, "twilio:readTimeout (or TWILIO_READ_TIMEOUT) must be greater than 0"),
    ({**GOOD, "twilio:readTimeout": "0"}, "twilio:readTimeout (or TWILIO_READ_TIMEOUT) must be greater than 0"),
    ({**GOOD, "twilio:connectTimeout": "inf"}, "twilio:connectTimeout (or TWILIO_CONNECT_TIMEOUT) must be a finite"),
    ({**GOOD, "twilio:backoffFactor": "nan"}, "twilio:backoffFactor (or TWILIO_BACKOFF_FACTOR) must be a finite"),
    ({**GOOD, "twilio:maxRetries": "2.5"}, "twilio:maxRetries (or TWILIO_MAX_RETRIES) must be a whole number"),
    ({**GOOD, "twilio:maxRetries": "1e9"}, "must be at least 0 and at most 20, got '1e9'"),
    ({**GOOD, "twilio:retryAfterMax": "-1"}, "twilio:retryAfterMax (or TWILIO_RETRY_AFTER_MAX) must be at least 0"),
    ({**GOOD, "twilio:backoffMax": "1e308"}, "must be at least 0 and at most 600"),
    ({**GOOD, "twilio:callDeadline": "0.5"}, "twilio:callDeadline (or TWILIO_CALL_DEADLINE) must be at least 1 and "
                                             "at most 86400, got '0.5'"),
    ({**GOOD, "twilio:callDeadline": "never"}, "twilio:callDeadline (or TWILIO_CALL_DEADLINE) must be a number"),
    ({**GOOD, "twilio:baseUrl": "http://127.0.0.1:99999"}, "has a port that is not a number from 1 to 65535"),
    ({**GOOD, "twilio:baseUrl": "http://127.0.0.1:0"}, "must look like https://host[:port]"),
    ({**GOOD, "twilio:baseUrl": "https://exa mple.com"}, "contains characters a URL cannot hold"),
    ({**GOOD, "twilio:baseUrl": "https://twilio.example?x=1"}, "must not carry a query or a fragment"),
    ({**GOOD, "twilio:edge": "dub lin"}, "twilio:edge 'dub lin' must contain only ASCII letters, digits and '-'"),
    ({**GOOD, "twilio:region": "de1"}, "set twilio:edge=frankfurt and unset twilio:region"),
    ({**GOOD, "twilio:edge": "ie1"}, "(from twilio:region + twilio:edge (or TWILIO_REGION + TWILIO_EDGE))"),
])
def test_problems_name_the_key_and_the_fix(config: dict[str, Any], words: str) -> None:
    problem = resolve(config, "twilio", {}).problem
    assert problem is not None and words in problem
    assert SECRET not in problem


def test_config_wins_over_environment_and_environment_fills_gaps() -> None:
    env = {"TWILIO_ACCOUNT_SID": "AC" + "e" * 32, "TWILIO_AUTH_TOKEN": "envtoken", "TWILIO_REGION": "ie1"}
    settings = resolve({"twilio:accountSid": AC1}, "twilio", env)
    assert settings.problem is None and settings.credentials is not None and settings.http is not None
    assert settings.credentials.username == AC1 and settings.credentials.password == "envtoken"
    assert settings.http.base_url == "https://conversations.dublin.ie1.twilio.com"


def test_a_second_namespace_never_reads_the_first_ones_variables() -> None:
    env = {"TWILIO_ACCOUNT_SID": AC1, "TWILIO_AUTH_TOKEN": "us-token"}
    assert resolve({}, "twilio-eu", env).credentials is None


def test_api_key_takes_precedence_and_numbers_are_parsed() -> None:
    config = {**GOOD, "twilio:apiKey": SK1, "twilio:apiSecret": "s", "twilio:maxRetries": "2.0",
              "twilio:backoffFactor": "0.1"}
    settings = resolve(config, "twilio", {})
    assert settings.credentials is not None and settings.credentials.username == SK1
    assert settings.http is not None and settings.http.max_retries == 2 and settings.http.backoff_factor == 0.1


@pytest.mark.parametrize("namespace", ["", "two words", "-x", "tw:ilio"])
def test_bad_namespaces_are_refused(namespace: str) -> None:
    with pytest.raises(ValueError, match="config_namespace"):
        check_namespace(namespace)


@pytest.mark.parametrize("key", ["accountSid", "authToken", "apiSecret"])
@pytest.mark.parametrize("spoiled", [
    "zero\u200bwidth", "non\u00a0breaking", "caf\u00e9", "inner space", "\u200bedge", "tab\tinside", "\u202eRTL"])
def test_odd_characters_in_credentials_are_named_without_showing_the_value(key: str, spoiled: str) -> None:
    config = {**GOOD, "twilio:apiKey": SK1, "twilio:apiSecret": SECRET} if key == "apiSecret" else dict(GOOD)
    config[f"twilio:{key}"] = spoiled
    problem = resolve(config, "twilio", {}).problem
    assert problem is not None and f"twilio:{key} (or " in problem and "re-type or re-copy it" in problem
    assert spoiled not in problem and str(len(spoiled)) not in problem


@pytest.mark.parametrize("padding", [" ", "\n", "\t", " \r\n", "\u00a0", "\u3000"])
def test_whitespace_around_credentials_is_removed(padding: str) -> None:
    settings = resolve({"twilio:accountSid": padding + AC1 + padding, "twilio:authToken": SECRET + padding},
                       "twilio", {})
    assert settings.problem is None and settings.credentials is not None
    assert (settings.credentials.username, settings.credentials.password) == (AC1, SECRET)


@pytest.mark.parametrize("url", ["https://user:pa55@twilio.example", "ftp://u:pa55@host", "pa55@host",
                                 "http://:pa55@127.0.0.1:1"])
def test_a_base_url_with_credentials_is_refused_without_echoing_it(url: str) -> None:
    problem = resolve({**GOOD, "twilio:baseUrl": url}, "twilio", {}).problem
    assert problem is not None and "must not carry credentials" in problem and "pa55" not in problem


@given(st.one_of(st.text(max_size=30), st.floats().map(str), st.integers().map(str)))
def test_any_number_setting_gives_settings_or_a_problem_never_an_exception(raw: str) -> None:
    for key in ("connectTimeout", "readTimeout", "maxRetries", "backoffFactor", "backoffMax", "retryAfterMax",
                "callDeadline"):
        settings = resolve({**GOOD, f"twilio:{key}": raw}, "twilio", {})
        if settings.problem is None:
            assert settings.http is not None
            value = getattr(settings.http, snake_key(key))
            if value is None:  # a blank value is no value: the default (callDeadline's is None, the worst case)
                assert not raw.strip()
                continue
            assert math.isfinite(value) and value >= 0
        else:
            assert f"twilio:{key}" in settings.problem


@pytest.mark.parametrize(("config", "env", "deadline"), [
    (GOOD, {}, 362.5),  # the default: the longest the retries and timeouts allow
    ({**GOOD, "twilio:callDeadline": "20"}, {}, 20.0),
    (GOOD, {"TWILIO_CALL_DEADLINE": "45.5"}, 45.5),
    ({**GOOD, "twilio:maxRetries": "0", "twilio:readTimeout": "10"}, {}, 15.0),
])
def test_the_call_deadline_comes_from_config_or_the_environment_else_the_worst_case(
        config: dict[str, Any], env: dict[str, str], deadline: float) -> None:
    settings = resolve(config, "twilio", env)
    assert settings.problem is None and settings.http is not None
    assert settings.http.deadline_seconds() == deadline


def test_call_deadline_can_be_set_to_any_default_the_other_settings_give() -> None:
    """The largest timeouts and retries the config accepts give a default deadline callDeadline could hold."""
    from pulumi_twilio_conversations.core.config import _NUMBERS

    largest = {f"twilio:{key}": str(high) for key, (_, _, high) in _NUMBERS.items() if key != "callDeadline"}
    settings = resolve({**GOOD, **largest}, "twilio", {})
    assert settings.problem is None and settings.http is not None
    assert settings.http.deadline_seconds() <= _NUMBERS["callDeadline"][2]
    pinned = resolve({**GOOD, **largest, "twilio:callDeadline": str(settings.http.deadline_seconds())}, "twilio", {})
    assert pinned.problem is None


# --- keys set in the namespace that the provider does not read ------------------------------------------

@pytest.mark.parametrize(("key", "meant"), [
    # Case and separators: the same word.
    ("accountSID", "accountSid"), ("AccountSid", "accountSid"), ("account_sid", "accountSid"),
    ("authtoken", "authToken"), ("baseURL", "baseUrl"), ("api-key", "apiKey"), ("readTimeOut", "readTimeout"),
    # An environment variable's name written as a key.
    ("TWILIO_AUTH_TOKEN", "authToken"), ("AUTH_TOKEN", "authToken"), ("CONVERSATIONS_BASE_URL", "baseUrl"),
    # A letter missing, doubled or swapped.
    ("acountSid", "accountSid"), ("readTimout", "readTimeout"), ("baseUri", "baseUrl"), ("edg", "edge"),
    ("regoin", "region"), ("apiSecrett", "apiSecret"), ("callDeadLine", "callDeadline"),
    # Ours, another provider's in the shared `twilio` namespace, or like none of ours: nothing to suggest.
    ("accountSid", None), ("callDeadline", None),
    ("username", None), ("password", None), ("subaccountSid", None),
    ("token", None), ("timeout", None), ("accountName", None), ("serviceSid", None), ("note", None),
])
def test_the_key_a_near_miss_probably_meant(key: str, meant: Optional[str]) -> None:
    assert near_miss(key) == meant


def test_a_near_miss_names_the_key_set_the_key_meant_and_the_fix() -> None:
    assert unknown_key_problems(["authTOKEN"], "twilio") == [
        "twilio:authTOKEN is not a setting of this provider, so its value is not used: did you mean "
        "twilio:authToken? Rename it: `pulumi config rm twilio:authTOKEN`, then "
        "`pulumi config set --secret twilio:authToken <value>`"]


@pytest.mark.parametrize(("keys", "strict", "flagged"), [
    (["accountSid", "authToken"], False, []),
    (["accountSID", "note", "username"], False, ["accountSID"]),  # a shared namespace: unrelated keys stay
    (["accountSID", "note", "username"], True, ["accountSID", "note", "username"]),  # the package's own
])
def test_only_a_namespace_of_our_own_refuses_unrelated_keys(keys: list[str], strict: bool,
                                                           flagged: list[str]) -> None:
    problems = unknown_key_problems(keys, "twilio", strict=strict)
    assert [p.split(" ", 1)[0] for p in problems] == [f"twilio:{k}" for k in flagged]


def test_an_explicit_providers_argument_is_named_as_one() -> None:
    (problem,) = unknown_key_problems(["accountSID"], "twilio", provider="eu")
    assert problem.startswith("provider 'eu': argument 'accountSID' is not a setting of this provider")
    assert problem.endswith("did you mean 'accountSid'? Rename the argument")
    assert "pulumi config" not in problem


def test_a_near_miss_is_a_check_problem_but_not_a_reason_to_refuse_refresh_or_destroy() -> None:
    settings = resolve({**GOOD, "twilio:baseURL": "http://127.0.0.1:1"}, "twilio", {})
    assert settings.failure is not None and "did you mean twilio:baseUrl?" in settings.failure
    assert settings.usable()  # the settings it does read are complete


def test_a_key_name_is_escaped_in_the_message() -> None:
    (problem,) = unknown_key_problems(["account\x1b[31mSid"], "twilio", strict=True)
    assert "\x1b" not in problem and "\\x1b" in problem


@both
@pytest.mark.parametrize(("typed", "meant", "set_with"), [
    ("accountSID", "accountSid", "pulumi config set"),
    ("authTOKEN", "authToken", "pulumi config set --secret"),
])
def test_a_misspelt_key_fails_the_preview_naming_the_key_it_meant_without_its_value(
    emulator: Emulator, front_end: FrontEnd, typed: str, meant: str, set_with: str
) -> None:
    # What a user types: the right value under a key spelt another way, the variable unset.
    config = stack_config(emulator)
    config[f"twilio:{typed}"] = config.pop(f"twilio:{meant}")
    with pytest.raises(CheckFailed) as caught, front_end.server(config) as server:
        front_end.stack(server).preview({"push": {"chat_service_sid": SID}})
    message = str(caught.value)
    assert f"{front_end.key(typed)} is not a setting of this provider" in message
    assert f"did you mean {front_end.key(meant)}?" in message
    assert f"`pulumi config rm {front_end.key(typed)}`" in message
    assert f"`{set_with} {front_end.key(meant)} <value>`" in message
    assert emulator.auth[0] not in message and emulator.auth[1] not in message
    assert emulator.api_requests() == []


@only("dynamic", why="only the dynamic resource's namespace is shared; the plugin's is its package's own")
def test_another_providers_keys_in_the_shared_namespace_are_left_alone(emulator: Emulator,
                                                                       front_end: FrontEnd) -> None:
    # lbrlabs/pulumi-twilio reads twilio:username and twilio:password; a project named `twilio` keeps
    # its own config here too.
    config = stack_config(emulator, **{"twilio:username": "AC...", "twilio:password": "x", "twilio:note": "hi",
                                       "other:accountSID": "x"})
    with front_end.server(config) as server:
        assert front_end.stack(server).up({"push": {"chat_service_sid": SID}}).changes == {"push": "create"}


@only("native", why="the plugin's namespace is its package's own, so any key there is meant for it")
def test_the_plugin_refuses_any_key_it_does_not_read_but_the_engines_version(emulator: Emulator,
                                                                             front_end: FrontEnd) -> None:
    config = stack_config(emulator, **{"twilio:note": "hi"})
    with pytest.raises(CheckFailed) as caught, front_end.server(config):
        pass
    (_, reason), = caught.value.failures
    assert reason.startswith("Twilio provider settings: twilio-conversations:note is not a setting of this provider")
    assert "remove it with `pulumi config rm twilio-conversations:note`" in reason
    # The engine adds the plugin's version to every provider's inputs (registry.go versionKey).
    with front_end.server(stack_config(emulator, **{"twilio:version": "0.3.0"})) as server:
        assert front_end.stack(server).up({"push": {"chat_service_sid": SID}}).changes == {"push": "create"}


@only("native", why="explicit provider resources with arguments are the plugin's; the dynamic resource has none")
def test_an_explicit_providers_misspelt_argument_is_named_as_an_argument(emulator: Emulator,
                                                                         front_end: FrontEnd) -> None:
    from google.protobuf import struct_pb2
    from pulumi.runtime.proto import provider_pb2

    from native_harness import NativePlugin

    with NativePlugin(configure=False) as plugin:
        news = struct_pb2.Struct()
        news.update({"accountSID": emulator.auth[0], "authToken": emulator.auth[1], "baseUrl": emulator.url})
        answer = plugin._rpc("CheckConfig", provider_pb2.CheckRequest(
            urn="urn:pulumi:test::native::pulumi:providers:twilio-conversations::eu", news=news))
    (failure,) = answer.failures
    assert "provider 'eu': argument 'accountSID' is not a setting of this provider" in failure.reason
    assert "did you mean 'accountSid'? Rename the argument" in failure.reason
    assert emulator.auth[1] not in failure.reason
