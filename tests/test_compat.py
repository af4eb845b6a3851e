"""Existing stacks keep working across releases.

``fixtures/state-0.1.0.json`` is a resource's state (serialized provider, inputs, outputs) recorded
once with the first cut of 0.1.0, before it was released (CHANGELOG.md); 0.1.0 still records the same
provider (the last test). Renaming the provider's module or class, or changing what it pickles,
breaks real stacks: these tests fail first.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import dill
import pytest

from pulumi_twilio_conversations import ServiceNotificationsProvider
from pulumi_twilio_conversations.core.wire import to_form
from pulumi_twilio_conversations.emulator import Emulator, default_settings_raw

from harness import Stack, StateEntry, serialized_provider

FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("state-*.json"))


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def adopt_recorded(stack: Stack, emulator: Emulator, recorded: dict[str, Any]) -> None:
    """Put the recorded state in the stack and the matching live settings in the emulator."""
    stack.state[recorded["name"]] = StateEntry(recorded["id"], recorded["inputs"], recorded["outputs"])
    emulator.edit(recorded["id"], to_form(recorded["outputs"]))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_recorded_provider_still_unpickles_to_the_provider(path: Path) -> None:
    provider = dill.loads(base64.b64decode(load(path)["outputs"]["__provider"]))
    assert isinstance(provider, ServiceNotificationsProvider)
    assert provider.config_namespace == "twilio"


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_recorded_state_refreshes_updates_and_destroys(path: Path, stack: Stack, emulator: Emulator) -> None:
    recorded = load(path)
    adopt_recorded(stack, emulator, recorded)
    stack.refresh()  # reads with the recorded __provider
    assert stack.state[recorded["name"]].outputs["new_message"] == recorded["outputs"]["new_message"]

    program = {k: v for k, v in recorded["inputs"].items() if k != "__provider"}
    assert stack.preview({recorded["name"]: program}).changes == {}
    changed = {**program, "log_enabled": not program["log_enabled"]}
    emulator.clear_requests()
    assert stack.up({recorded["name"]: changed}).changes == {recorded["name"]: "update"}
    assert [r.form for r in emulator.api_requests()] == [{"LogEnabled": "false" if program["log_enabled"] else "true"}]

    stack.destroy()
    assert emulator.settings(recorded["id"]) == default_settings_raw()


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_new_resources_record_the_provider_exactly_as_old_ones(path: Path) -> None:
    # The class moved to dynamic/provider.py; the pickle still names pulumi_twilio_conversations.provider,
    # so a new deployment's __provider equals the recorded one and the engine sees no change in it.
    assert serialized_provider() == load(path)["inputs"]["__provider"]
