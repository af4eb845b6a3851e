"""Adopting existing settings: the export command prints a program that reproduces them exactly."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import requests

from pulumi_twilio_conversations import models
from pulumi_twilio_conversations.emulator import Emulator
from pulumi_twilio_conversations.export import render_snippet

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
    snippet = render_snippet({"chat_service_sid": SID, **models.default_settings()}, "push")
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
    inputs, problems = models.validate_settings(args)
    assert problems == []
    live = models.from_api(requests.get(emulator.api_url(SID), auth=(ACCOUNT, TOKEN), timeout=5).json())
    assert models.changed_paths(live, inputs) == []


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
