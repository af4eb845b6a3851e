"""The native provider plugin through gRPC, as the engine drives it (native_harness.py), against the
bundled emulator (strict: a misspelt form field fails)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib.metadata import version
from typing import Any

import pytest
from pulumi.output import Unknown
from pulumi.runtime.proto import engine_pb2, provider_pb2

from pulumi_twilio_conversations.emulator import Emulator, default_settings_raw
from pulumi_twilio_conversations.native.schema import package_schema

from conftest import ACCOUNT, FAST_RETRIES, OTHER_SID, SID, TOKEN
from harness import CheckFailed, ProviderError, Secret
from native_harness import PROVIDER_DIR, NativePlugin, NativeStack, urn

SAMPLE: dict[str, Any] = {
    "chatServiceSid": SID,
    "logEnabled": True,
    "newMessage": {"enabled": True, "template": "${PARTICIPANT}: ${MESSAGE}", "sound": "ring",
                   "badgeCountEnabled": True, "withMedia": {"enabled": True, "template": "${MEDIA_COUNT} files"}},
    "addedToConversation": {"enabled": True, "template": "Added to ${CONVERSATION}"},
}
PROGRAM = {"support-push": SAMPLE}
OTHER_ACCOUNT, OTHER_TOKEN = "AC" + "0b" * 16, "other-account-token"


def native_config(emu: Emulator, **extra: Any) -> dict[str, Any]:
    """Stack config of the plugin's package (``twilio-conversations:...``), with the tests' fast retries."""
    account, token = emu.auth
    config: dict[str, Any] = {"twilio-conversations:accountSid": account,
                              "twilio-conversations:authToken": Secret(token),
                              "twilio-conversations:baseUrl": emu.url}
    config.update({k.replace("twilio:", "twilio-conversations:"): v for k, v in FAST_RETRIES.items()})
    config.update(extra)
    return config


@pytest.fixture
def plugin(emulator: Emulator) -> Iterator[NativePlugin]:
    with NativePlugin(native_config(emulator)) as started:
        yield started


@pytest.fixture
def stack(plugin: NativePlugin) -> NativeStack:
    return NativeStack(plugin)


def test_engine_call_order_and_create_then_refresh_shows_no_changes(stack: NativeStack, emulator: Emulator) -> None:
    assert stack.up(PROGRAM).steps == {"support-push": "create"}
    assert [(r.method, len(r.form)) for r in emulator.api_requests()] == [("POST", 13)]
    assert emulator.settings(SID)["new_message"]["with_media"] == {"enabled": True, "template": "${MEDIA_COUNT} files"}
    outs = stack.outputs("support-push")
    assert outs["accountSid"] == emulator.auth[0]
    assert outs["url"].endswith(f"/v1/Services/{SID}/Configuration/Notifications")
    assert outs["newMessage"]["withMedia"]["template"] == "${MEDIA_COUNT} files"

    assert stack.refresh() == {"support-push": "same"}
    assert stack.preview(PROGRAM).changes == {}
    assert stack.plugin.calls == ["Handshake", "GetPluginInfo", "CheckConfig", "Configure", "Check", "Create",
                                  "Read", "Diff", "Check", "Diff"]
    assert [r.method for r in emulator.api_requests()] == ["POST", "GET"]  # check and diff: no HTTP


def test_console_edit_shows_as_drift_with_a_detailed_diff_path(stack: NativeStack, emulator: Emulator) -> None:
    stack.up(PROGRAM)
    emulator.edit(SID, {"NewMessage.Sound": "chime"})
    plan = stack.preview(PROGRAM, refresh=True)
    assert plan.changes == {"support-push": "update"}
    assert plan.detail == {"support-push": {"newMessage.sound": provider_pb2.PropertyDiff.UPDATE}}
    assert plan.display == {"support-push": "[diff: ~newMessage]"}
    assert stack.state["support-push"].outputs["newMessage"]["sound"] == "ring"  # a preview saves nothing


def test_update_sends_only_the_changed_field(stack: NativeStack, emulator: Emulator) -> None:
    stack.up(PROGRAM)
    changed = {"support-push": {**SAMPLE, "newMessage": {**SAMPLE["newMessage"], "sound": "bell"}}}
    emulator.clear_requests()
    plan = stack.up(changed)
    assert plan.steps == {"support-push": "update"}
    assert plan.detail["support-push"] == {"newMessage.sound": provider_pb2.PropertyDiff.UPDATE}
    assert [(r.method, r.form) for r in emulator.api_requests()] == [("POST", {"NewMessage.Sound": "bell"})]
    assert stack.outputs("support-push")["newMessage"]["sound"] == "bell"
    assert stack.preview(changed).changes == {}


def test_a_new_service_sid_replaces_and_resets_the_old_one(stack: NativeStack, emulator: Emulator) -> None:
    stack.up(PROGRAM)
    moved = {"support-push": {**SAMPLE, "chatServiceSid": OTHER_SID}}
    plan = stack.up(moved)
    assert plan.steps == {"support-push": "replace"}
    assert plan.detail["support-push"]["chatServiceSid"] == provider_pb2.PropertyDiff.UPDATE_REPLACE
    assert emulator.settings(OTHER_SID)["log_enabled"] is True
    assert emulator.settings(SID) == default_settings_raw()


def test_unknowns_pass_check_and_diff_during_preview(stack: NativeStack, emulator: Emulator) -> None:
    stack.up(PROGRAM)
    emulator.clear_requests()
    unknown_sound = {"support-push": {**SAMPLE, "newMessage": {**SAMPLE["newMessage"], "sound": Unknown()}}}  # type: ignore[no-untyped-call]
    plan = stack.preview(unknown_sound)
    assert plan.steps == {"support-push": "update"}
    assert "newMessage.sound" in plan.detail["support-push"]
    unknown_sid = {"support-push": {**SAMPLE, "chatServiceSid": Unknown()}}  # type: ignore[no-untyped-call]
    assert stack.preview(unknown_sid).steps == {"support-push": "replace"}
    assert emulator.api_requests() == []


def test_destroy_resets_to_defaults(stack: NativeStack, emulator: Emulator) -> None:
    stack.up(PROGRAM)
    stack.destroy()
    assert emulator.settings(SID) == default_settings_raw()
    assert [r.method for r in emulator.api_requests()] == ["POST", "POST"]


def test_import_adopts_the_live_settings_with_no_change(stack: NativeStack, emulator: Emulator) -> None:
    emulator.edit(SID, {"NewMessage.Enabled": "true", "NewMessage.Template": "${PARTICIPANT}: ${MESSAGE}",
                        "NewMessage.Sound": "ring", "LogEnabled": "true"})
    emulator.clear_requests()
    inputs = stack.import_("adopted", SID)
    assert stack.last_import_failures == []
    assert inputs["chatServiceSid"] == SID
    assert inputs["logEnabled"] is True
    assert inputs["newMessage"] == {"enabled": True, "template": "${PARTICIPANT}: ${MESSAGE}", "sound": "ring",
                                    "badgeCountEnabled": False, "withMedia": {"enabled": False, "template": ""}}
    assert [r.method for r in emulator.api_requests()] == ["GET"]
    # the program written from the live settings: no change
    same = {"adopted": {"chatServiceSid": SID, "logEnabled": True,
                        "newMessage": {"enabled": True, "template": "${PARTICIPANT}: ${MESSAGE}", "sound": "ring"}}}
    assert stack.preview(same).changes == {}
    assert stack.up(same).changes == {}
    assert [r.method for r in emulator.api_requests()] == ["GET"]


def test_import_of_an_unknown_id_raises(stack: NativeStack, emulator: Emulator) -> None:
    emulator.state.remove_service(OTHER_SID)
    with pytest.raises(ProviderError, match=f"Service {OTHER_SID} does not exist in account {ACCOUNT}"):
        stack.import_("missing", OTHER_SID)
    assert "missing" not in stack.state


def test_refresh_of_a_deleted_service_drops_it(stack: NativeStack, emulator: Emulator) -> None:
    stack.up(PROGRAM)
    emulator.state.remove_service(SID)
    assert stack.refresh() == {"support-push": "deleted"}
    assert stack.state == {}


def test_refresh_with_another_accounts_credentials_keeps_it(stack: NativeStack, emulator: Emulator) -> None:
    stack.up(PROGRAM)
    emulator.state.accounts[OTHER_ACCOUNT] = OTHER_TOKEN
    other_config = native_config(emulator, **{"twilio-conversations:accountSid": OTHER_ACCOUNT,
                                              "twilio-conversations:authToken": Secret(OTHER_TOKEN)})
    with NativePlugin(other_config) as other:
        other_stack = NativeStack(other)
        other_stack.state = stack.state
        with pytest.raises(ProviderError) as caught:
            other_stack.refresh()
    message = str(caught.value)
    assert f"belongs to account {ACCOUNT}" in message and f"act for account {OTHER_ACCOUNT}" in message
    assert "twilio-conversations:accountSid + twilio-conversations:authToken" in message
    assert OTHER_TOKEN not in message
    assert "support-push" in stack.state


def test_check_failures_carry_camel_case_paths_and_make_no_request(stack: NativeStack, emulator: Emulator) -> None:
    bad = {"x": {"chatServiceSid": "IS123", "newMessage": {"enabled": "yes", "badgeCountEnable": True},
                 "addedToConversation": {"template": "${PARTICIPANT"}, "log_enabled": True}}
    with pytest.raises(CheckFailed) as caught:
        stack.up(bad)
    failures = dict(caught.value.failures)
    assert set(failures) == {"chatServiceSid", "newMessage.enabled", "newMessage.badgeCountEnable",
                             "addedToConversation.template", "log_enabled"}
    assert "did you mean 'badgeCountEnabled'?" in failures["newMessage.badgeCountEnable"]
    assert "badge_count" not in failures["newMessage.badgeCountEnable"]
    assert failures["log_enabled"] == "unknown field 'log_enabled': write 'logEnabled'"
    assert "must be a boolean" in failures["newMessage.enabled"]
    assert emulator.api_requests() == []
    assert stack.state == {}


def test_missing_credentials_fail_check_config_naming_the_keys(emulator: Emulator) -> None:
    with pytest.raises(CheckFailed) as caught:
        NativePlugin({"twilio-conversations:baseUrl": emulator.url})
    (_prop, reason), = caught.value.failures
    assert "twilio-conversations:accountSid + twilio-conversations:authToken" in reason
    assert "(or TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN)" in reason
    assert "pulumi config set --secret twilio-conversations:authToken" in reason


def test_credentials_from_the_environment(emulator: Emulator) -> None:
    env = {"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_CONVERSATIONS_BASE_URL": emulator.url}
    with NativePlugin({}, env=env) as plugin:
        assert NativeStack(plugin).up(PROGRAM).steps == {"support-push": "create"}
    assert emulator.api_requests()[0].username == ACCOUNT


def test_template_warnings_reach_the_engines_log_with_the_urn(stack: NativeStack) -> None:
    odd = {"push": {"chatServiceSid": SID, "addedToConversation": {"enabled": True, "template": "${MESSAGE} hi"}}}
    stack.up(odd)
    warnings = stack.plugin.engine.warnings()
    assert warnings, stack.plugin.stderr
    assert {w.urn for w in warnings} == {urn("push")}
    assert all(w.severity == engine_pb2.WARNING and not w.ephemeral for w in warnings)
    assert warnings[0].message.startswith("addedToConversation.template: '${MESSAGE}' is not a placeholder")
    assert stack.plugin.engine.logs == warnings  # nothing else logged
    assert "added_to_conversation" not in warnings[0].message



def test_a_mistyped_placeholder_is_answered_with_did_you_mean_in_schema_names(stack: NativeStack) -> None:
    program = {"push": {"chatServiceSid": SID, "newMessage": {"template": "${MESAGE}",
                                                              "withMedia": {"template": "${MESSAGE}"}}}}
    stack.up(program)
    messages = [w.message for w in stack.plugin.engine.warnings()]
    assert len(messages) == 2, stack.plugin.stderr
    assert messages[0].startswith("newMessage.template: '${MESAGE}' is not a placeholder Twilio documents for this "
                                  "event, so it may be sent as typed: did you mean '${MESSAGE}'? documented for this "
                                  "event: ${CONVERSATION}, ")
    assert messages[1].startswith("newMessage.withMedia.template: '${MESSAGE}' is not a placeholder Twilio documents "
                                  "for this event, so it may be sent as typed: Twilio documents '${MESSAGE}' only for "
                                  "newMessage.template; documented for this event: ")

def test_sixteen_creates_are_in_flight_at_once() -> None:
    sids = [f"IS{i:032x}" for i in range(1, 17)]
    with Emulator(accounts={ACCOUNT: TOKEN}, services=sids, strict=True) as emu:
        # Each create waits in the emulator until all 16 have arrived: only 16 concurrent creates get
        # through without waiting for the gate's timeout, and no clock decides the outcome. The read
        # timeout outlasts the wait, so that a slow machine's late arrivals cause no retry.
        emu.hold(16, timeout=60)
        with NativePlugin(native_config(emu, **{"twilio-conversations:readTimeout": "120"})) as plugin:
            program = {f"push-{i}": {"chatServiceSid": sid, "logEnabled": True} for i, sid in enumerate(sids)}
            assert set(NativeStack(plugin).up(program, parallel=16).steps.values()) == {"create"}
        assert len(emu.api_requests()) == 16
        assert emu.peak_in_flight == 16


def test_get_schema_is_schema_py(plugin: NativePlugin) -> None:
    assert plugin.get_schema() == json.loads(json.dumps(package_schema()))


def test_the_plugin_directory_is_what_the_language_host_needs() -> None:
    yaml = (PROVIDER_DIR / "PulumiPlugin.yaml").read_text()
    assert "name: python" in yaml
    requirements = (PROVIDER_DIR / "requirements.txt").read_text().split()
    assert f"pulumi=={version('pulumi')}" in requirements  # pinned exactly: the API is experimental
    assert (PROVIDER_DIR / "__main__.py").is_file()


@pytest.mark.parametrize(("urn_", "token"), [
    (urn("push"), "twilio-conversations:index:ServiceNotifications"),
    ("urn:pulumi:dev::app::my:index:Component$twilio-conversations:index:ServiceNotifications::push",
     "twilio-conversations:index:ServiceNotifications"),
])
def test_each_call_is_answered_by_the_declaration_its_type_names(urn_: str, token: str) -> None:
    from pulumi_twilio_conversations.core.notifications import SERVICE_NOTIFICATIONS
    from pulumi_twilio_conversations.native.provider import RESOURCES, resource_of

    assert resource_of(urn_) is RESOURCES[token] is SERVICE_NOTIFICATIONS


def test_a_type_the_plugin_does_not_serve_is_one_message(plugin: NativePlugin) -> None:
    with pytest.raises(ProviderError) as caught:
        plugin.check("urn:pulumi:test::native::twilio-conversations:index:Servise::x", {}, {"chatServiceSid": SID})
    assert str(caught.value) == ("this plugin has no resource type 'twilio-conversations:index:Servise'; did you mean "
                                 "'twilio-conversations:index:Service'? It serves "
                                 "twilio-conversations:index:ServiceNotifications, twilio-conversations:index:Service, "
                                 "twilio-conversations:index:Credential")
