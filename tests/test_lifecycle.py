"""The lifecycles users live through, driven over the real gRPC protocol of each front end.

Each test is a session at a terminal: ``up``, ``preview``, ``refresh``, ``destroy`` (see harness.py),
against the bundled emulator, whose state and request log are the proof. Each runs on the dynamic
resource and on the native plugin (frontends.py), unless marked ``only`` with the reason.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from pulumi.output import Unknown

from pulumi_twilio_conversations.emulator import Emulator, default_settings_raw

from conftest import FAST_RETRIES, OTHER_SID, SID, TOKEN, stack_config
from frontends import FrontEnd, ScenarioStack, both, only
from harness import CheckFailed, ProviderError, ProviderServer, Resource, Secret, Stack, serialized_provider

pytestmark = both

SAMPLE: dict[str, Any] = {
    "chat_service_sid": SID,
    "log_enabled": True,
    "new_message": {"enabled": True, "template": "${PARTICIPANT}: ${MESSAGE}", "sound": "ring",
                    "badge_count_enabled": True, "with_media": {"enabled": True, "template": "${MEDIA_COUNT} files"}},
    "added_to_conversation": {"enabled": True, "template": "Added to ${CONVERSATION}"},
    "removed_from_conversation": {"enabled": False},
}


def program(**overrides: Any) -> dict[str, Any]:
    props = {**SAMPLE, **overrides}
    return {"support-push": props}


def test_up_creates_with_one_post_then_preview_shows_no_changes(stack: ScenarioStack, emulator: Emulator) -> None:
    plan = stack.up(program())
    assert plan.steps == {"support-push": "create"}
    calls = emulator.api_requests()
    assert [(r.method, len(r.form)) for r in calls] == [("POST", 13)]
    live = emulator.settings(SID)
    assert live["new_message"]["template"] == "${PARTICIPANT}: ${MESSAGE}"
    assert live["new_message"]["with_media"] == {"enabled": True, "template": "${MEDIA_COUNT} files"}
    assert live["removed_from_conversation"]["template"] is None  # unset stays unset (null)

    emulator.clear_requests()
    assert stack.preview(program()).changes == {}
    assert emulator.api_requests() == []  # check and diff make no HTTP call

    outs = stack.outputs("support-push")
    assert outs["account_sid"] == emulator.auth[0]
    assert outs["url"].endswith(f"/v1/Services/{SID}/Configuration/Notifications")


def test_refresh_right_after_up_changes_nothing(stack: ScenarioStack) -> None:
    stack.up(program())
    assert stack.refresh() == {"support-push": "same"}
    assert stack.preview(program()).changes == {}


def test_unset_texts_read_back_as_null_or_empty_never_diff(stack: ScenarioStack, emulator: Emulator) -> None:
    minimal = {"x": {"chat_service_sid": SID}}
    stack.up(minimal)
    with emulator.state.lock:  # Twilio may report an unset text as "" instead of null
        emulator.state.services[SID]["new_message"]["sound"] = ""
    stack.refresh()
    assert stack.preview(minimal).changes == {}


def test_console_edit_shows_as_drift_and_up_repairs_only_those_fields(stack: ScenarioStack, emulator: Emulator) -> None:
    stack.up(program())
    emulator.edit(SID, {"NewMessage.Sound": "chime", "LogEnabled": "false"})

    assert stack.refresh() == {"support-push": "changed"}
    # after refresh, the stored inputs are the live values: the preview diff is exactly the drift
    stored = stack.state["support-push"].inputs
    assert stored["new_message"]["sound"] == "chime" and stored["log_enabled"] is False
    assert stack.preview(program()).changes == {"support-push": "update"}

    emulator.clear_requests()
    stack.up(program())
    calls = emulator.api_requests()
    assert [(r.method, r.form) for r in calls] == [("POST", {"NewMessage.Sound": "ring", "LogEnabled": "true"})]
    assert emulator.settings(SID)["new_message"]["sound"] == "ring"
    assert stack.preview(program()).changes == {}


def test_drift_is_seen_even_without_refresh_inputs_change(stack: ScenarioStack, emulator: Emulator) -> None:
    # diff compares with live outputs, so a refreshed output alone is enough to plan the repair
    stack.up(program())
    emulator.edit(SID, {"AddedToConversation.Enabled": "false"})
    stack.refresh()
    assert stack.preview(program()).changes == {"support-push": "update"}


def test_one_nested_change_sends_one_field(stack: ScenarioStack, emulator: Emulator) -> None:
    stack.up(program())
    changed = program()
    changed["support-push"]["new_message"] = {**SAMPLE["new_message"],
                                              "with_media": {"enabled": True, "template": "${MEDIA} attached"}}
    assert stack.preview(changed).changes == {"support-push": "update"}
    emulator.clear_requests()
    stack.up(changed)
    assert [r.form for r in emulator.api_requests()] == [{"NewMessage.WithMedia.Template": "${MEDIA} attached"}]


def test_removing_a_line_resets_that_setting(stack: ScenarioStack, emulator: Emulator) -> None:
    stack.up(program())
    without = program()
    del without["support-push"]["added_to_conversation"]
    emulator.clear_requests()
    stack.up(without)
    assert [r.form for r in emulator.api_requests()] == [
        {"AddedToConversation.Enabled": "false", "AddedToConversation.Template": ""}]
    assert emulator.settings(SID)["added_to_conversation"] == {"enabled": False, "template": None, "sound": None}


def test_unknown_service_sid_during_preview_plans_a_replace(stack: ScenarioStack, front_end: FrontEnd) -> None:
    stack.up(program())
    unknown = program(chat_service_sid=Unknown())  # type: ignore[no-untyped-call]
    assert stack.preview(unknown).changes == {"support-push": "replace"}
    fresh = front_end.stack(stack.server)
    assert fresh.preview(unknown).changes == {"support-push": "create"}


def test_switching_service_sets_the_new_one_then_resets_the_old(stack: ScenarioStack, emulator: Emulator) -> None:
    stack.up(program())
    moved = program(chat_service_sid=OTHER_SID)
    assert stack.preview(moved).changes == {"support-push": "replace"}
    emulator.clear_requests()
    stack.up(moved)
    calls = emulator.api_requests()
    assert [r.path.split("/")[3] for r in calls] == [OTHER_SID, SID]  # create before delete
    assert emulator.settings(OTHER_SID)["new_message"]["sound"] == "ring"
    assert emulator.settings(SID) == default_settings_raw()


def test_service_deleted_outside_the_stack(stack: ScenarioStack, emulator: Emulator) -> None:
    stack.up(program())
    emulator.state.remove_service(SID)
    assert stack.refresh() == {"support-push": "deleted"}
    assert stack.state == {}
    stack.destroy()  # nothing left to do, and no failure


def test_destroy_of_a_service_already_gone_succeeds(stack: ScenarioStack, emulator: Emulator) -> None:
    stack.up(program())
    emulator.state.remove_service(SID)
    stack.destroy()
    assert stack.state == {}


def test_destroy_resets_every_setting_to_defaults(stack: ScenarioStack, emulator: Emulator) -> None:
    stack.up(program())
    emulator.clear_requests()
    stack.destroy()
    calls = emulator.api_requests()
    assert len(calls) == 1 and calls[0].method == "POST" and len(calls[0].form) == 13
    assert emulator.settings(SID) == default_settings_raw()


def test_resource_get_reads_live_settings(stack: ScenarioStack, emulator: Emulator) -> None:
    emulator.edit(SID, {"NewMessage.Enabled": "true", "NewMessage.Template": "hello"})
    read_id, outs = stack.get("adopted", SID)
    assert read_id == SID
    assert outs["new_message"]["enabled"] is True and outs["new_message"]["template"] == "hello"


def test_get_of_a_missing_service_fails_naming_the_sid_and_the_account(stack: ScenarioStack, emulator: Emulator,
                                                                       front_end: FrontEnd) -> None:
    missing = "IS" + "9" * 32
    with pytest.raises(ProviderError) as caught:
        stack.get("missing", missing)
    message = str(caught.value)
    assert f"Service {missing} does not exist in account {emulator.auth[0]}" in message
    assert f"{front_end.key('accountSid')} + {front_end.key('authToken')}" in message


def test_get_with_an_api_key_names_the_account_it_acts_for(emulator: Emulator, front_end: FrontEnd) -> None:
    key, secret = "SK" + "b2" * 16, "key-secret"
    emulator.state.api_keys[key] = (secret, emulator.auth[0])
    with front_end.server({"twilio:apiKey": key, "twilio:apiSecret": Secret(secret), "twilio:baseUrl": emulator.url,
                           **FAST_RETRIES}) as server:
        with pytest.raises(ProviderError) as caught:
            front_end.stack(server).get("missing", "IS" + "9" * 32)
    assert f"does not exist in account {emulator.auth[0]}" in str(caught.value)
    assert [r.path for r in emulator.api_requests()] == [
        f"/v1/Services/{'IS' + '9' * 32}/Configuration/Notifications", "/v1/Configuration"]


@only("dynamic", why="the native plugin imports: the next test")
def test_pulumi_import_fails_inside_the_dynamic_server_before_our_code(stack: ScenarioStack) -> None:
    # What the README says under limits: ImportStep sends no properties, so no __provider to load.
    with pytest.raises(ProviderError, match="__provider"):
        stack.import_("adopted", SID)


@only("native", why="the dynamic server cannot import: the test above")
def test_pulumi_import_adopts_the_live_settings_and_the_program_written_from_them_changes_nothing(
        stack: ScenarioStack, emulator: Emulator) -> None:
    emulator.edit(SID, {"NewMessage.Enabled": "true", "NewMessage.Template": "hello", "LogEnabled": "true"})
    emulator.clear_requests()
    read_id, outs, inputs = stack.import_("adopted", SID)
    assert read_id == SID and inputs is not None
    assert inputs["new_message"]["template"] == outs["new_message"]["template"] == "hello"
    written = {"adopted": {"chat_service_sid": SID, "log_enabled": True,
                           "new_message": {"enabled": True, "template": "hello"}}}
    assert stack.preview(written).changes == {}
    assert stack.up(written).changes == {}
    assert [r.method for r in emulator.api_requests()] == ["GET"]


def test_check_failure_reaches_the_user_and_sends_nothing(stack: ScenarioStack, emulator: Emulator,
                                                          front_end: FrontEnd) -> None:
    bad = program(new_mesage={"enabled": True}, log_enabled="yes")
    with pytest.raises(CheckFailed) as caught:
        stack.preview(bad)
    fields = [f for f, _ in caught.value.failures]
    assert fields == [front_end.path("log_enabled"), front_end.path("new_mesage")]
    assert f"did you mean '{front_end.path('new_message')}'" in str(caught.value)
    assert emulator.api_requests() == []


def test_unknown_service_is_a_clear_error(stack: ScenarioStack) -> None:
    with pytest.raises(ProviderError) as caught:
        stack.up(program(chat_service_sid="IS" + "9" * 32))
    message = str(caught.value)
    assert "could not create notification settings of service IS999" in message
    assert "HTTP 404, Twilio error 20404" in message


def test_bad_credentials_error_names_the_keys_not_the_secret(emulator: Emulator, front_end: FrontEnd) -> None:
    config = stack_config(emulator)
    config["twilio:authToken"] = "wrong-" + TOKEN
    with front_end.server(config) as server:
        with pytest.raises(ProviderError) as caught:
            front_end.stack(server).up(program())
        message = str(caught.value)
    assert "HTTP 401, Twilio error 20003" in message
    keys = f"{front_end.key('accountSid')} + {front_end.key('authToken')}"
    assert f"{keys} (or TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN)" in message
    assert TOKEN not in message
    assert base64.b64encode(f"{emulator.auth[0]}:wrong-{TOKEN}".encode()).decode() not in message


def test_missing_credentials_fail_at_preview_naming_key_and_variable(emulator: Emulator, front_end: FrontEnd) -> None:
    # The dynamic resource fails its Check; the plugin its CheckConfig, as the preview starts it.
    with pytest.raises(CheckFailed) as caught, front_end.server({"twilio:baseUrl": emulator.url}) as server:
        front_end.stack(server).preview(program())
    message = str(caught.value)
    assert front_end.key("accountSid") in message and "TWILIO_ACCOUNT_SID" in message
    assert front_end.key("authToken") in message and "TWILIO_AUTH_TOKEN" in message
    assert emulator.api_requests() == []


def test_credentials_from_the_environment(emulator: Emulator, front_end: FrontEnd) -> None:
    account, token = emulator.auth
    env = {"TWILIO_ACCOUNT_SID": account, "TWILIO_AUTH_TOKEN": token, "TWILIO_CONVERSATIONS_BASE_URL": emulator.url}
    with front_end.server({}, env=env) as server:
        front_end.stack(server).up(program())
    assert emulator.settings(SID)["log_enabled"] is True


def test_api_key_credentials(emulator: Emulator, front_end: FrontEnd) -> None:
    key, secret = "SK" + "5" * 32, "api-secret-value"
    emulator.state.api_keys[key] = (secret, emulator.auth[0])
    config = {"twilio:apiKey": key, "twilio:apiSecret": secret, "twilio:baseUrl": emulator.url}
    with front_end.server(config) as server:
        stack = front_end.stack(server)
        stack.up(program())
        assert stack.outputs("support-push")["account_sid"] == emulator.auth[0]
    assert emulator.api_requests()[0].username == key


@only("dynamic", why="config namespaces: the plugin's equivalent is one explicit provider per account")
def test_two_accounts_in_one_stack_use_their_own_credentials() -> None:
    acct_us, acct_eu = "AC" + "1" * 32, "AC" + "2" * 32
    with Emulator(accounts={acct_us: "token-us", acct_eu: "token-eu"}) as emu:
        emu.state.add_service(SID, acct_us)
        emu.state.add_service(OTHER_SID, acct_eu)
        config = {"twilio:accountSid": acct_us, "twilio:authToken": "token-us", "twilio:baseUrl": emu.url,
                  "twilio-eu:accountSid": acct_eu, "twilio-eu:authToken": "token-eu", "twilio-eu:baseUrl": emu.url}
        with ProviderServer(config) as server:
            stack = Stack(server)
            stack.up({
                "us": Resource({**SAMPLE, "chat_service_sid": SID}),
                "eu": Resource({**SAMPLE, "chat_service_sid": OTHER_SID}, namespace="twilio-eu"),
            })
            assert stack.outputs("us")["account_sid"] == acct_us
            assert stack.outputs("eu")["account_sid"] == acct_eu
            by_service = {r.path.split("/")[3]: r.username for r in emu.api_requests()}
            assert by_service == {SID: acct_us, OTHER_SID: acct_eu}
            stack.refresh()
            stack.destroy()
        assert {r.username for r in emu.api_requests() if SID in r.path} == {acct_us}
        assert {r.username for r in emu.api_requests() if OTHER_SID in r.path} == {acct_eu}


@only("dynamic", why="__provider, the pickled provider, is the dynamic resource's")
def test_serialized_provider_is_small_and_holds_no_credential(stack: ScenarioStack) -> None:
    stack.up(program())
    stored = stack.state["support-push"].outputs["__provider"]
    assert len(stored) < 1024
    decoded = base64.b64decode(stored)
    assert TOKEN.encode() not in decoded and b"http" not in decoded
    assert b"pulumi_twilio_conversations.provider" in decoded  # by reference, not by value
    assert stored == serialized_provider()


@only("dynamic", why="config namespaces are the dynamic resource's")
def test_moving_to_another_config_namespace_updates_the_provider_without_http() -> None:
    acct_old, acct_new = "AC" + "1" * 32, "AC" + "2" * 32
    with Emulator(accounts={acct_old: "token-old", acct_new: "token-new"}) as emu:
        emu.state.add_service(SID, acct_new)
        config = {"twilio:accountSid": acct_new, "twilio:authToken": "token-new", "twilio:baseUrl": emu.url,
                  "twilio-next:accountSid": acct_new, "twilio-next:authToken": "token-new",
                  "twilio-next:baseUrl": emu.url}
        with ProviderServer(config) as server:
            stack = Stack(server)
            stack.up({"push": Resource(dict(SAMPLE))})
            emu.clear_requests()
            moved = {"push": Resource(dict(SAMPLE), namespace="twilio-next")}
            assert stack.preview(moved).changes == {"push": "update"}
            stack.up(moved)
            assert emu.api_requests() == []
            assert stack.state["push"].outputs["__provider"] == serialized_provider("twilio-next")
            assert stack.preview(moved).changes == {}


def test_secret_inputs_reach_the_provider_plain_and_come_back_marked_secret(stack: ScenarioStack,
                                                                           emulator: Emulator) -> None:
    # a template built from a secret config value: the program marks new_message secret
    program = {"push": Resource(dict(SAMPLE), secrets=frozenset({"new_message"}))}
    stack.up(program)
    entry = stack.state["push"]
    assert entry.secrets == {"new_message"}
    assert entry.outputs["new_message"]["template"] == SAMPLE["new_message"]["template"]
    assert emulator.settings(SID)["new_message"]["template"] == SAMPLE["new_message"]["template"]
    stack.refresh()
    assert stack.state["push"].secrets == {"new_message"}
    assert stack.preview(program).changes == {}


def test_an_answer_echoing_the_credentials_cannot_put_them_in_state(stack: ScenarioStack, emulator: Emulator) -> None:
    account, token = emulator.auth
    basic = base64.b64encode(f"{account}:{token}".encode()).decode()
    echo = {**default_settings_raw(), "account_sid": account, "chat_service_sid": SID,
            "url": f"https://proxy.example/?auth={basic}&token={token}"}
    echo["new_message"] = {**echo["new_message"], "sound": f"debug {token}"}
    emulator.inject(body=json.dumps(echo), count=1, methods=["POST"])
    stack.up(program())
    stored = json.dumps(stack.state["support-push"].outputs)
    assert token not in stored and basic not in stored
    assert "[redacted]" in stack.outputs("support-push")["url"]


def test_the_same_steps_store_the_same_state_on_both_front_ends(emulator: Emulator) -> None:
    """One core: up, refresh and get leave the same inputs and outputs on both front ends (in the core's
    names; the dynamic resource's ``__provider`` aside)."""
    def settings(props: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in props.items() if k != "__provider"}

    seen: dict[str, list[Any]] = {}
    for front_end in (FrontEnd("dynamic"), FrontEnd("native")):
        with front_end.server(stack_config(emulator)) as server:
            stack = front_end.stack(server)
            steps: list[Any] = seen.setdefault(front_end.name, [])
            for props in ({"chat_service_sid": SID}, SAMPLE):
                stack.up({"push": props})
                steps.append((settings(stack.state["push"].inputs), settings(stack.state["push"].outputs)))
                emulator.edit(SID, {"NewMessage.Sound": "chime"})
                stack.refresh()
                steps.append((settings(stack.state["push"].inputs), settings(stack.state["push"].outputs)))
                read_id, live = stack.get("live", SID)
                steps.append((read_id, settings(live)))
                stack.destroy()
    assert seen["native"] == seen["dynamic"]
