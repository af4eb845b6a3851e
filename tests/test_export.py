"""Adopting existing settings: the export command prints a program that reproduces them exactly."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from pulumi_twilio_conversations.core import models, validation, wire
from pulumi_twilio_conversations.emulator import Emulator
from pulumi_twilio_conversations.export import ExportError, render_snippet, snippet_for

from conftest import ACCOUNT, SID, TOKEN, run_export
from harness import Stack

LIVE_FORM = {
    "LogEnabled": "true",
    "NewMessage.Enabled": "true",
    "NewMessage.Template": "It's ${PARTICIPANT}: \"${MESSAGE}\"\nbye",
    "NewMessage.WithMedia.Template": "${MEDIA_COUNT} files",
    "RemovedFromConversation.Sound": "bye",
}


def declared(snippet: str) -> dict[str, Any]:
    """Run the snippet with a stand-in ServiceNotifications that records its arguments."""
    captured: dict[str, Any] = {}

    def fake(name: str, **kwargs: Any) -> None:
        captured.update(kwargs, name=name)

    namespace: dict[str, Any] = {}
    exec(snippet.split("\n\n", 1)[1], {"ServiceNotifications": fake, **{
        n: getattr(models, n) for n in ("NewMessage", "WithMedia", "AddedToConversation", "RemovedFromConversation")
    }}, namespace)
    return captured


def test_snippet_of_defaults_is_minimal() -> None:
    snippet = render_snippet({"chat_service_sid": SID, **wire.default_settings()}, "push")
    assert snippet == (
        "from pulumi_twilio_conversations import ServiceNotifications\n\n"
        f'ServiceNotifications(\n    "push",\n    chat_service_sid="{SID}",\n)\n'
    )


def test_export_round_trips_to_identical_settings(emulator: Emulator) -> None:
    emulator.edit(SID, LIVE_FORM)
    result = run_export(emulator, SID, "--name", "support-push")
    assert result.returncode == 0, result.stderr
    snippet = result.stdout
    assert "from pulumi_twilio_conversations import NewMessage, RemovedFromConversation, ServiceNotifications, " \
           "WithMedia" in snippet
    compile(snippet, "<export>", "exec")
    args = declared(snippet)
    assert args.pop("name") == "support-push"
    inputs, problems = validation.validate_settings(args)
    assert problems == []
    live = wire.from_api(requests.get(emulator.api_url(SID), auth=(ACCOUNT, TOKEN), timeout=5).json())
    assert wire.changed_paths(live, inputs) == []


def test_pasted_export_then_up_changes_nothing(emulator: Emulator, stack: Stack) -> None:
    emulator.edit(SID, LIVE_FORM)
    before = emulator.settings(SID)
    args = declared(run_export(emulator, SID).stdout)
    name = args.pop("name")
    stack.up({name: args})
    assert emulator.settings(SID) == before
    assert stack.preview({name: args}).changes == {}


def test_export_errors_are_clear(emulator: Emulator) -> None:
    result = run_export(emulator, "IS" + "9" * 32)
    assert result.returncode == 1 and "HTTP 404, Twilio error 20404" in result.stderr
    result = run_export(emulator, "not-a-sid")
    assert result.returncode == 2 and "is not a Conversations Service SID" in result.stderr
    env_less = subprocess.run([sys.executable, "-m", "pulumi_twilio_conversations", "export", SID],
                              env={"PATH": os.environ["PATH"]}, capture_output=True, text=True, timeout=60, check=False)
    assert env_less.returncode != 0 and "TWILIO_ACCOUNT_SID" in env_less.stderr


def export_with(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The export command run with only these variables (and PATH) in its environment."""
    return subprocess.run([sys.executable, "-m", "pulumi_twilio_conversations", "export", *args],
                          env={"PATH": os.environ["PATH"], **env}, capture_output=True, text=True, timeout=60,
                          check=False)


@pytest.mark.parametrize(("env", "args", "words"), [
    ({}, (), "error: no Twilio credentials: set TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN, or an API key with "
             "TWILIO_API_KEY + TWILIO_API_SECRET\n"),
    ({"TWILIO_ACCOUNT_SID": ACCOUNT}, (), "set TWILIO_AUTH_TOKEN, or an API key"),
    ({"TWILIO_ACCOUNT_SID": "AC123", "TWILIO_AUTH_TOKEN": TOKEN}, (),
     "TWILIO_ACCOUNT_SID must be an Account SID"),
    ({"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_REGION": "dublin"}, (),
     "TWILIO_REGION 'dublin' is an edge (a city), not a region: set TWILIO_EDGE=dublin and TWILIO_REGION=ie1"),
    ({"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN,
      "TWILIO_CONVERSATIONS_BASE_URL": "https://conversations.twilio.com/v1"}, (),
     "drop it, set 'https://conversations.twilio.com' (TWILIO_CONVERSATIONS_BASE_URL)"),
    ({"TWILIO_ACCOUNT_SID": ACCOUNT}, ("--config-namespace", "twilio-eu"),
     "set TWILIO_EU_ACCOUNT_SID + TWILIO_EU_AUTH_TOKEN, or an API key with TWILIO_EU_API_KEY + TWILIO_EU_API_SECRET"),
])
def test_export_names_the_environment_variables_it_reads_never_a_config_key(env: dict[str, str],
                                                                            args: tuple[str, ...], words: str) -> None:
    result = export_with(env, *args, SID)
    assert result.returncode == 1 and words in result.stderr, result.stderr
    assert "pulumi config" not in result.stderr and "twilio:" not in result.stderr and TOKEN not in result.stderr


def test_export_with_wrong_credentials_names_the_variables_they_came_from(emulator: Emulator) -> None:
    result = export_with({"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": "wrong-token",
                          "TWILIO_CONVERSATIONS_BASE_URL": emulator.url}, SID)
    assert result.returncode == 1 and "HTTP 401, Twilio error 20003" in result.stderr
    assert "TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN" in result.stderr
    assert "twilio:" not in result.stderr and "wrong-token" not in result.stderr


def live_bodies() -> st.SearchStrategy[dict[str, Any]]:
    """Any settings Twilio (the lenient emulator) would hold: flags, and texts of any characters."""
    text = st.one_of(st.none(), st.just(""), st.text(max_size=40),
                     st.text(alphabet="${}_ AMESGPRTICN", max_size=40), st.text(min_size=1020, max_size=1030))

    def build(values: list[Any]) -> dict[str, Any]:
        body: dict[str, Any] = {"account_sid": ACCOUNT, "chat_service_sid": SID, "url": "https://x/y"}
        for field, value in zip(wire.WIRE_FIELDS, values, strict=True):
            wire.set_path(body, field.path, value)
        return body

    return st.tuples(*[st.booleans() if f.kind is bool else text for f in wire.WIRE_FIELDS]).map(
        lambda values: build(list(values)))


@settings(max_examples=300, deadline=None)
@given(live_bodies())
def test_export_either_round_trips_or_names_the_value_it_cannot(body: dict[str, Any]) -> None:
    try:
        snippet = snippet_for(body, SID, "push")
    except ExportError as err:
        assert any(path in str(err) for path in wire.SETTING_PATHS), err
        return
    args = declared(snippet)
    args.pop("name")
    inputs, problems = validation.validate_settings(args)
    assert problems == []
    assert wire.changed_paths(wire.from_api(body), inputs) == []


@pytest.mark.parametrize(("body", "words"), [
    ("[1, 2]", "the response was not a JSON object"),
    ('{"new_message": "garbage"}', "'new_message' should be an object"),
    ('{"new_message": {"template": "bell\\u0007"}}', "new_message.template: contains the control character"),
])
def test_export_of_a_malformed_or_unusable_answer_is_one_error_line(emulator: Emulator, body: str,
                                                                     words: str) -> None:
    emulator.inject(body=body, count=-1)
    result = run_export(emulator, SID)
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], result.stderr
