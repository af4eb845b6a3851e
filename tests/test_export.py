"""Adopting an existing service: the export command prints a program that adopts it and reproduces its
settings exactly, so that the first `pulumi up` after pasting it changes nothing."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from types import SimpleNamespace
from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

import pulumi_twilio_conversations as package
from pulumi_twilio_conversations.core import models, validation, wire
from pulumi_twilio_conversations.emulator import Emulator
from pulumi_twilio_conversations.export import ExportError, ServiceDeclaration, render_snippet, snippet_for

from conftest import ACCOUNT, SID, TOKEN, run_export
from harness import EngineError, Ref, Resource, Stack

LIVE_FORM = {
    "LogEnabled": "true",
    "NewMessage.Enabled": "true",
    "NewMessage.Template": "It's ${PARTICIPANT}: \"${MESSAGE}\"\nbye",
    "NewMessage.WithMedia.Template": "${MEDIA_COUNT} files",
    "RemovedFromConversation.Sound": "bye",
}


def declared(snippet: str) -> dict[str, Any]:
    """The arguments of the snippet's ServiceNotifications, with its resource name as ``name``."""
    [(name, settings)] = [(n, r) for n, r in program_of(snippet).items() if r.kind == "ServiceNotifications"]
    return {**settings.props, "name": name}


def program_of(snippet: str) -> dict[str, Resource]:
    """The printed program as the harness replays it: each declaration, its arguments bound to the real
    class's signature (an argument the class does not take fails here), an Output of another resource as a
    Ref, and the ``protect`` option the dynamic Service sets while deletion_protection is not false
    (dynamic/resources.py Service)."""
    program: dict[str, Resource] = {}

    def stand_in(kind: str) -> Any:
        def declare(resource_name: str, **kwargs: Any) -> SimpleNamespace:
            inspect.signature(getattr(package, kind)).bind(resource_name, **kwargs)
            namespace = kwargs.pop("config_namespace", "twilio")
            protect = kind == "Service" and kwargs.get("deletion_protection") is not False
            program[resource_name] = Resource(kwargs, namespace=namespace, kind=kind, protect=protect)
            return SimpleNamespace(sid=Ref(resource_name, "sid"))
        return declare

    imports, body = snippet.split("\n\n", 1)
    names = imports.removeprefix("from pulumi_twilio_conversations import ").split(", ")
    exec(body, {n: stand_in(n) if n in ("Service", "ServiceNotifications") else getattr(models, n) for n in names})
    return program


def test_snippet_of_defaults_is_minimal() -> None:
    snippet = render_snippet({"chat_service_sid": SID, **wire.default_settings()}, "push")
    assert snippet == (
        "from pulumi_twilio_conversations import ServiceNotifications\n\n"
        f'ServiceNotifications(\n    "push",\n    chat_service_sid="{SID}",\n)\n'
    )


def test_snippet_of_a_service_adopts_it_and_takes_its_sid() -> None:
    service = ServiceDeclaration("support", 'Support "EU"')
    snippet = render_snippet({"chat_service_sid": SID, **wire.default_settings()}, "push", "twilio-eu", service)
    assert snippet == (
        "from pulumi_twilio_conversations import Service, ServiceNotifications\n\n"
        "# adopt_sid: the first `pulumi up` reads the existing service and changes nothing. Deletion protection\n"
        "# is on: a destroy or a new friendly_name is refused until deletion_protection=False is applied.\n"
        f'service = Service(\n    "support",\n    friendly_name="Support \\"EU\\"",\n    adopt_sid="{SID}",\n'
        '    config_namespace="twilio-eu",\n)\n\n'
        'ServiceNotifications(\n    "push",\n    chat_service_sid=service.sid,\n    config_namespace="twilio-eu",\n)\n'
    )


def test_export_round_trips_to_identical_settings(emulator: Emulator) -> None:
    emulator.edit(SID, LIVE_FORM)
    result = run_export(emulator, SID, "--name", "support-push")
    assert result.returncode == 0, result.stderr
    snippet = result.stdout
    assert "from pulumi_twilio_conversations import NewMessage, RemovedFromConversation, Service, " \
           "ServiceNotifications, WithMedia" in snippet
    compile(snippet, "<export>", "exec")
    args = declared(snippet)
    assert args.pop("name") == "support-push"
    assert args.pop("chat_service_sid") == Ref(f"service-{SID[-6:]}", "sid")
    inputs, problems = validation.validate_settings({**args, "chat_service_sid": SID})
    assert problems == []
    live = wire.from_api(requests.get(emulator.api_url(SID), auth=(ACCOUNT, TOKEN), timeout=5).json())
    assert wire.changed_paths(live, inputs) == []


LIVE_NAME = "Support (prod) \u2014 \u201cEU\u201d \\ 'quoted'"
"""A service's name as typed in the console: dashes, curly quotes, a backslash."""


def test_pasted_export_then_up_adopts_the_service_and_changes_nothing(emulator: Emulator, stack: Stack) -> None:
    """The whole program, as printed: the Service adopts the live service under its name (one GET, no
    service created), the settings take its sid and are sent as they are (a ServiceNotifications' create is
    one POST of every setting); nothing changes on Twilio, and the next preview shows no change."""
    emulator.state.add_service(SID, ACCOUNT, LIVE_NAME)
    emulator.edit(SID, LIVE_FORM)
    before = emulator.settings(SID)
    result = run_export(emulator, SID, "--name", "support-push", "--service-name", "support")
    assert result.returncode == 0, result.stderr
    program = program_of(result.stdout)
    assert program["support"].kind == "Service" and program["support"].protect
    assert program["support"].props == {"friendly_name": LIVE_NAME, "adopt_sid": SID}
    assert program["support-push"].props["chat_service_sid"] == Ref("support", "sid")
    emulator.clear_requests()
    stack.up(program)
    assert [(r.method, r.path) for r in emulator.api_requests()] == [
        ("GET", f"/v1/Services/{SID}"), ("POST", f"/v1/Services/{SID}/Configuration/Notifications")]
    assert emulator.settings(SID) == before
    assert [(r.sid, r.friendly_name) for r in emulator.service_records() if r.sid == SID] == [(SID, LIVE_NAME)]
    assert stack.state["support"].id == SID and stack.state["support-push"].id == SID
    assert stack.preview(program).changes == {}


def test_a_pasted_export_protects_the_adopted_service_from_a_destroy(emulator: Emulator, stack: Stack) -> None:
    emulator.edit(SID, LIVE_FORM)
    before = emulator.settings(SID)
    program = program_of(run_export(emulator, SID).stdout)
    stack.up(program)
    emulator.clear_requests()
    with pytest.raises(EngineError, match="cannot be deleted\nbecause it is protected"):
        stack.destroy()
    assert emulator.api_requests() == [] and emulator.settings(SID) == before
    assert SID in [r.sid for r in emulator.service_records()]


def test_settings_only_exports_the_settings_of_a_service_the_stack_does_not_own(emulator: Emulator,
                                                                                stack: Stack) -> None:
    emulator.edit(SID, LIVE_FORM)
    before = emulator.settings(SID)
    emulator.clear_requests()
    snippet = run_export(emulator, SID, "--settings-only").stdout
    assert "Service(" not in snippet.replace("ServiceNotifications(", "") and f'chat_service_sid="{SID}"' in snippet
    assert [r.path for r in emulator.api_requests()] == [f"/v1/Services/{SID}/Configuration/Notifications"]
    args = declared(snippet)
    name = args.pop("name")
    stack.up({name: args})
    assert emulator.settings(SID) == before
    assert stack.preview({name: args}).changes == {}


def test_export_errors_are_clear(emulator: Emulator) -> None:
    missing = "IS" + "9" * 32
    result = run_export(emulator, missing)
    assert result.returncode == 1 and "HTTP 404, Twilio error 20404" in result.stderr
    assert f"Service {missing} does not exist in account {ACCOUNT}" in result.stderr
    result = run_export(emulator, missing, "--settings-only")
    assert result.returncode == 1 and "HTTP 404, Twilio error 20404" in result.stderr
    result = run_export(emulator, "not-a-sid")
    assert result.returncode == 2 and "is not a Conversations Service SID" in result.stderr
    result = run_export(emulator, SID, "--settings-only", "--service-name", "support")
    assert result.returncode == 2 and "--service-name names the Service, which --settings-only leaves out" \
        in result.stderr
    env_less = subprocess.run([sys.executable, "-m", "pulumi_twilio_conversations", "export", SID],
                              env={"PATH": os.environ["PATH"]}, capture_output=True, text=True, timeout=60, check=False)
    assert env_less.returncode != 0 and "TWILIO_ACCOUNT_SID" in env_less.stderr


def test_a_live_name_the_provider_rejects_is_named_with_the_way_out(emulator: Emulator) -> None:
    """Twilio cannot rename a service, so the message points at --settings-only, not at the console."""
    emulator.state.add_service(SID, ACCOUNT, "bell\u0007")
    result = run_export(emulator, SID)
    assert result.returncode == 1 and result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"error: a Service adopting {SID} under its live name would fail at preview: "
                           "friendly_name: contains the control character")
    assert line.endswith("export its settings alone with --settings-only")


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


SETTINGS_PATH = f"/v1/Services/{SID}/Configuration/Notifications"


@pytest.mark.parametrize(("path", "body", "words"), [
    (SETTINGS_PATH, "[1, 2]", "the response was not a JSON object"),
    (SETTINGS_PATH, '{"new_message": "garbage"}', "'new_message' should be an object"),
    (SETTINGS_PATH, '{"new_message": {"template": "bell\\u0007"}}',
     "new_message.template: contains the control character"),
    (f"/v1/Services/{SID}", '{"friendly_name": 5}', "'friendly_name' should be a string"),
])
def test_export_of_a_malformed_or_unusable_answer_is_one_error_line(emulator: Emulator, path: str, body: str,
                                                                     words: str) -> None:
    emulator.inject(body=body, count=-1, paths=[path])
    result = run_export(emulator, SID)
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], result.stderr
