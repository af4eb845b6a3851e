"""Every command sequence the README documents, as the engine runs it (harness.py cites the engine).

Drift: what repairs it and what does not; what a plain preview and ``--diff`` show; resource options
the engine applies itself; which credentials refresh and destroy use after a token is rotated. Each
runs on the dynamic resource and on the native plugin (frontends.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_twilio_conversations.emulator import Emulator, default_settings_raw

from conftest import FAST_RETRIES, OTHER_SID, SID, stack_config
from frontends import FrontEnd, ScenarioStack, both
from harness import ProviderError, Resource, Secret

pytestmark = both

DESIRED: dict[str, Any] = {
    "chat_service_sid": SID,
    "log_enabled": True,
    "new_message": {"enabled": True, "template": "${PARTICIPANT}: ${MESSAGE}", "sound": "ring"},
}
PROGRAM = {"push": DESIRED}


@pytest.fixture
def drifted(stack: ScenarioStack, emulator: Emulator) -> ScenarioStack:
    """Deployed, then someone changes the sound in the console."""
    stack.up(PROGRAM)
    emulator.edit(SID, {"NewMessage.Sound": "chime"})
    emulator.clear_requests()
    return stack


def test_preview_refresh_shows_the_drift_but_saves_nothing(drifted: ScenarioStack, emulator: Emulator,
                                                           front_end: FrontEnd) -> None:
    before = drifted.state["push"].outputs["new_message"]["sound"]
    plan = drifted.preview(PROGRAM, refresh=True)
    assert plan.changes == {"push": "update"}
    # plain preview: top-level keys only; --diff: the nested field (each in the front end's names)
    assert plan.display == {"push": f"[diff: ~{front_end.path('new_message')}]"}
    assert plan.detail == {"push": [front_end.path("new_message.sound")]}
    assert drifted.state["push"].outputs["new_message"]["sound"] == before == "ring"
    assert [r.method for r in emulator.api_requests()] == ["GET"]


def test_plain_up_after_preview_refresh_repairs_nothing(drifted: ScenarioStack, emulator: Emulator) -> None:
    drifted.preview(PROGRAM, refresh=True)
    emulator.clear_requests()
    assert drifted.up(PROGRAM).changes == {}  # compares with the pre-drift outputs in state
    assert emulator.api_requests() == []
    assert emulator.settings(SID)["new_message"]["sound"] == "chime"  # still drifted


@pytest.mark.parametrize("sequence", ["up --refresh", "refresh, then up", "refresh: always"])
def test_each_documented_repair_sends_back_exactly_the_drifted_field(drifted: ScenarioStack, emulator: Emulator,
                                                                     sequence: str) -> None:
    if sequence == "refresh, then up":
        assert drifted.refresh() == {"push": "changed"}
        plan = drifted.up(PROGRAM)
    else:  # `options: refresh: always` in Pulumi.yaml makes `pulumi up` refresh first (operations/io.go)
        plan = drifted.up(PROGRAM, refresh=True)
    assert plan.changes == {"push": "update"}
    assert [r.form for r in emulator.api_requests() if r.method == "POST"] == [{"NewMessage.Sound": "ring"}]
    assert emulator.settings(SID)["new_message"]["sound"] == "ring"
    assert drifted.preview(PROGRAM, refresh=True).changes == {}


def test_refresh_without_drift_reports_same(stack: ScenarioStack) -> None:
    stack.up(PROGRAM)
    assert stack.refresh() == {"push": "same"}


def test_changing_a_setting_shows_the_key_and_the_nested_path(stack: ScenarioStack, front_end: FrontEnd) -> None:
    stack.up(PROGRAM)
    plan = stack.preview({"push": {**DESIRED, "new_message": {**DESIRED["new_message"], "sound": "bell"}}})
    assert plan.display == {"push": f"[diff: ~{front_end.path('new_message')}]"}
    assert plan.detail == {"push": [front_end.path("new_message.sound")]}


def test_ignore_changes_keeps_a_console_owned_field_out_of_the_plan(drifted: ScenarioStack, emulator: Emulator) -> None:
    drifted.refresh()
    program = {"push": Resource(dict(DESIRED), ignore_changes=("new_message.sound",))}
    assert drifted.preview(program).changes == {}
    drifted.up(program)
    assert emulator.settings(SID)["new_message"]["sound"] == "chime"


def test_retain_on_delete_leaves_the_settings_and_sends_nothing(stack: ScenarioStack, emulator: Emulator) -> None:
    stack.up({"push": Resource(dict(DESIRED), retain_on_delete=True)})
    emulator.clear_requests()
    stack.destroy()
    assert emulator.api_requests() == []
    assert emulator.settings(SID)["new_message"]["sound"] == "ring"


def test_destroy_without_retain_resets_to_defaults(stack: ScenarioStack, emulator: Emulator) -> None:
    stack.up(PROGRAM)
    stack.destroy()
    assert emulator.settings(SID) == default_settings_raw()


def test_replace_checks_again_creates_then_resets_the_old_service_last(stack: ScenarioStack,
                                                                      emulator: Emulator) -> None:
    stack.up({"push": DESIRED, "other": {"chat_service_sid": OTHER_SID}})
    emulator.clear_requests()
    stack.server.calls.clear()
    moved = {"push": {**DESIRED, "chat_service_sid": OTHER_SID}, "other": {"chat_service_sid": OTHER_SID,
                                                                            "log_enabled": True}}
    plan = stack.up(moved)
    assert plan.steps == {"push": "replace", "other": "update"}
    assert stack.server.calls[:4] == ["Check", "Diff", "Check", "Create"]  # Check again, without olds
    # The replaced resource's reset comes after every create and update in the run.
    assert [(r.method, r.path.split("/")[3]) for r in emulator.api_requests()] == [
        ("POST", OTHER_SID), ("POST", OTHER_SID), ("POST", SID)]


def test_startup_calls_are_the_engines(emulator: Emulator, front_end: FrontEnd) -> None:
    config = stack_config(emulator)
    with front_end.server(config) as new_stack:
        assert new_stack.calls == ["Handshake", "GetPluginInfo", "CheckConfig", "Configure"]
    with front_end.server(config, old_config=config) as existing:
        assert existing.calls == ["Handshake", "GetPluginInfo", "CheckConfig", "DiffConfig", "Configure"]
    with front_end.server(config, old_config=config, run_program=False) as refresh:
        assert refresh.calls == ["Handshake", "GetPluginInfo", "Configure"]


def test_refresh_and_destroy_use_the_config_stored_by_the_last_up(emulator: Emulator, front_end: FrontEnd) -> None:
    """After rotating the token, `pulumi refresh`/`destroy` without --run-program still send the old one."""
    old = stack_config(emulator)
    with front_end.server(old) as server:
        stack = front_end.stack(server)
        stack.up(PROGRAM)
        state = stack.state
    rotated = "rotated-token"
    emulator.state.accounts[emulator.auth[0]] = rotated  # the old token is revoked
    new = {**old, "twilio:authToken": Secret(rotated)}
    with front_end.server(new, old_config=old, run_program=False) as server:
        stored = front_end.stack(server)
        stored.state = state
        with pytest.raises(ProviderError, match="HTTP 401"):
            stored.refresh()
    # `pulumi up` (or refresh/destroy --run-program) configures with the current config, and stores it.
    with front_end.server(new, old_config=old) as server:
        current = front_end.stack(server)
        current.state = state
        assert current.refresh() == {"push": "same"}
        current.destroy()
    assert emulator.settings(SID) == default_settings_raw()


def test_secret_config_values_reach_the_provider_unwrapped(emulator: Emulator, front_end: FrontEnd) -> None:
    account, token = emulator.auth
    config = {"twilio:accountSid": account, "twilio:authToken": Secret(token), "twilio:baseUrl": emulator.url,
              "app:note": Secret("unrelated"), **FAST_RETRIES}
    with front_end.server(config) as server:
        front_end.stack(server).up(PROGRAM)
    assert emulator.settings(SID)["log_enabled"] is True
