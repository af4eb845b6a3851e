"""Where credentials and endpoint settings come from, and what a user is told when they are wrong."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_twilio_conversations.config import check_namespace, env_name, resolve

SECRET = "tok-SECRET-42"
GOOD = {"twilio:accountSid": "AC1", "twilio:authToken": SECRET}


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
    ({"twilio:accountSid": "AC1"}, "set twilio:authToken (or TWILIO_AUTH_TOKEN)"),
    ({"twilio:apiKey": "SK1"}, "an API key needs both parts: set twilio:apiSecret (or TWILIO_API_SECRET)"),
    ({"twilio:apiKey": "AB1", "twilio:apiSecret": SECRET}, "twilio:apiKey must be an API key SID starting with 'SK'"),
    ({"twilio:accountSid": "XX", "twilio:authToken": SECRET}, "twilio:accountSid must be an Account SID"),
    ({**GOOD, "twilio:baseUrl": "http://example.com"}, "plain http to a non-loopback host"),
    ({**GOOD, "twilio:maxRetries": "many"}, "twilio:maxRetries must be a number, got 'many'"),
    ({**GOOD, "twilio:readTimeout": "-1"}, "twilio:readTimeout must not be negative"),
    ({**GOOD, "twilio:edge": "dub lin"}, "twilio:edge 'dub lin' must contain only ASCII letters, digits and '-'"),
    ({**GOOD, "twilio:region": "de1"}, "set twilio:edge=frankfurt and unset twilio:region"),
    ({**GOOD, "twilio:edge": "ie1"}, "(from twilio:region + twilio:edge (or TWILIO_REGION + TWILIO_EDGE))"),
])
def test_problems_name_the_key_and_the_fix(config: dict[str, Any], words: str) -> None:
    problem = resolve(config, "twilio", {}).problem
    assert problem is not None and words in problem
    assert SECRET not in problem


def test_config_wins_over_environment_and_environment_fills_gaps() -> None:
    env = {"TWILIO_ACCOUNT_SID": "ACenv", "TWILIO_AUTH_TOKEN": "envtoken", "TWILIO_REGION": "ie1"}
    settings = resolve({"twilio:accountSid": "ACcfg"}, "twilio", env)
    assert settings.problem is None and settings.credentials is not None and settings.http is not None
    assert settings.credentials.username == "ACcfg" and settings.credentials.password == "envtoken"
    assert settings.http.base_url == "https://conversations.dublin.ie1.twilio.com"


def test_a_second_namespace_never_reads_the_first_ones_variables() -> None:
    env = {"TWILIO_ACCOUNT_SID": "ACus", "TWILIO_AUTH_TOKEN": "us-token"}
    assert resolve({}, "twilio-eu", env).credentials is None


def test_api_key_takes_precedence_and_numbers_are_parsed() -> None:
    config = {**GOOD, "twilio:apiKey": "SK1", "twilio:apiSecret": "s", "twilio:maxRetries": "2.0",
              "twilio:backoffFactor": "0.1"}
    settings = resolve(config, "twilio", {})
    assert settings.credentials is not None and settings.credentials.username == "SK1"
    assert settings.http is not None and settings.http.max_retries == 2 and settings.http.backoff_factor == 0.1


@pytest.mark.parametrize("namespace", ["", "two words", "-x", "tw:ilio"])
def test_bad_namespaces_are_refused(namespace: str) -> None:
    with pytest.raises(ValueError, match="config_namespace"):
        check_namespace(namespace)
