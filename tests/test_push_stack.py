"""The whole push set-up in one stack, on both front ends: a Service, an APNs and an FCM Credential, and the
service's ServiceNotifications taking ``chat_service_sid`` from ``svc.sid``. From an empty account to
push-ready with one ``up``, no changes on the next preview, and a destroy refused while deletion protection
is on.

The dynamic ``Service`` sets Pulumi's ``protect`` option while ``deletion_protection`` is on
(dynamic/resources.py; what the class registers is checked under mocks below), so its program here says
``protect=True``. The native plugin has no such say: a provider is not called for a delete at preview, so
its ``deletionProtection`` refuses in Delete, and ``protect`` is the resource option a program adds for a
destroy that deletes nothing at all.
"""

from __future__ import annotations

from typing import Any, Optional

import pulumi
import pytest
from pem import CERT, RSA_KEY, SERVER_KEY

from pulumi_twilio_conversations.emulator import Emulator

from conftest import OTHER_SID, SID, MockRecorder
from frontends import FrontEnd, ScenarioStack, both, only
from harness import CheckFailed, EngineError, ProviderError, Ref, Resource

pytestmark = both

PRELOADED = {SID, OTHER_SID}  # the conftest emulator's services


def program(front_end: FrontEnd, name: str = "support-dev", protection: Optional[bool] = None,
            protect: Optional[bool] = None) -> dict[str, Any]:
    """The issue's program. ``protection``: the Service's deletion_protection (None: unset, on);
    ``protect``: the resource option, as the dynamic class sets it unless told (None: the class's choice)."""
    service: dict[str, Any] = {"friendly_name": name}
    if protection is not None:
        service["deletion_protection"] = protection
    if protect is None:
        protect = front_end.name == "dynamic" and protection is not False
    return {
        "ios": Resource({"type": "apn", "certificate": CERT, "private_key": RSA_KEY, "sandbox": True},
                        kind="Credential", secrets=frozenset({"certificate", "private_key"})),
        "android": Resource({"type": "fcm", "secret": SERVER_KEY}, kind="Credential", secrets=frozenset({"secret"})),
        "support": Resource(service, kind="Service", protect=protect),
        "support-push": Resource({"chat_service_sid": Ref("support", "sid"), "new_message": {"enabled": True}}),
    }


def new_services(emulator: Emulator) -> list[str]:
    return [r.sid for r in emulator.service_records() if r.sid not in PRELOADED]


def test_one_up_goes_from_an_empty_account_to_push_ready(stack: ScenarioStack, emulator: Emulator,
                                                         front_end: FrontEnd) -> None:
    plan = stack.preview(program(front_end))
    assert set(plan.steps.values()) == {"create"} and emulator.api_requests() == []

    stack.up(program(front_end))
    [sid] = new_services(emulator)
    assert stack.outputs("support")["sid"] == sid
    assert {(c.type, c.sandbox) for c in emulator.credentials()} == {("apn", True), ("fcm", False)}
    assert emulator.settings(sid)["new_message"]["enabled"] is True
    assert stack.outputs("support-push")["chat_service_sid"] == sid
    assert stack.outputs("ios")["sid"].startswith("CR")  # what the app server puts in its access tokens

    emulator.clear_requests()
    assert set(stack.preview(program(front_end)).steps.values()) == {"same"}
    assert set(stack.preview(program(front_end), refresh=True).steps.values()) == {"same"}
    assert {r.method for r in emulator.api_requests()} == {"GET"}


@only("dynamic", why="the dynamic Service sets protect, which the engine checks at preview")
def test_destroy_is_refused_at_preview_deleting_nothing(stack: ScenarioStack, emulator: Emulator) -> None:
    stack.up(program(FrontEnd("dynamic")))
    emulator.clear_requests()
    with pytest.raises(EngineError) as refused:
        stack.destroy()
    assert [m.split('"')[1] for m in refused.value.messages] == [FrontEnd("dynamic").urn("support", "Service")]
    assert emulator.api_requests() == []
    assert len(new_services(emulator)) == 1 and len(emulator.credentials()) == 2
    assert set(stack.state) == {"ios", "android", "support", "support-push"}


@only("native", why="the plugin refuses in Delete; the dynamic Service is refused by the engine first")
def test_destroy_on_the_plugin_keeps_the_service_and_says_how_to_delete_it(stack: ScenarioStack,
                                                                           emulator: Emulator) -> None:
    stack.up(program(FrontEnd("native")))
    [sid] = new_services(emulator)
    emulator.clear_requests()
    with pytest.raises(ProviderError) as refused:
        stack.destroy()
    text = str(refused.value)
    assert f"Service {sid} (support-dev) was not deleted: deletion protection is on" in text
    assert "set deletionProtection to false, run `pulumi up`" in text and "retainOnDelete" in text
    assert f"DELETE /v1/Services/{sid}" not in [f"{r.method} {r.path}" for r in emulator.api_requests()]
    assert new_services(emulator) == [sid] and "support" in stack.state
    # What the engine deleted before it came to the service: its dependents first (the settings, reset to
    # Twilio's defaults), and the credentials, which depend on nothing and were in the same round.
    assert emulator.settings(sid)["new_message"]["enabled"] is False
    assert emulator.credentials() == []


@only("native", why="the protect option on the plugin's Service: what the dynamic class sets by itself")
def test_destroy_on_the_plugin_with_protect_deletes_nothing(stack: ScenarioStack, emulator: Emulator) -> None:
    stack.up(program(FrontEnd("native"), protect=True))
    emulator.clear_requests()
    with pytest.raises(EngineError):
        stack.destroy()
    assert emulator.api_requests() == []
    assert len(new_services(emulator)) == 1 and len(emulator.credentials()) == 2


def test_a_rename_of_a_protected_service_fails_at_preview(stack: ScenarioStack, emulator: Emulator,
                                                          front_end: FrontEnd) -> None:
    stack.up(program(front_end))
    emulator.clear_requests()
    with pytest.raises(CheckFailed) as refused:
        stack.preview(program(front_end, name="support-prod"))
    text = str(refused.value)
    assert front_end.path("friendly_name") in text and "replaces the service" in text
    assert f"{front_end.path('deletion_protection')} set to false" in text
    assert emulator.api_requests() == []


def test_with_protection_off_destroy_deletes_everything(stack: ScenarioStack, emulator: Emulator,
                                                        front_end: FrontEnd) -> None:
    stack.up(program(front_end))
    [sid] = new_services(emulator)
    emulator.clear_requests()
    stack.up(program(front_end, protection=False))  # turning it off changes nothing at Twilio
    assert emulator.api_requests() == []
    stack.destroy()
    assert new_services(emulator) == [] and emulator.credentials() == [] and stack.state == {}
    calls = [f"{r.method} {r.path}" for r in emulator.api_requests()]
    # Dependents first: the settings are reset before their service is deleted.
    assert calls.index(f"POST /v1/Services/{sid}/Configuration/Notifications") < calls.index(
        f"DELETE /v1/Services/{sid}")


def test_a_credential_renamed_in_the_console_is_drift_and_a_rotated_key_is_not_seen(
        stack: ScenarioStack, emulator: Emulator, front_end: FrontEnd) -> None:
    stack.up(program(front_end))
    sid = stack.outputs("android")["sid"]
    stored = emulator.state.credentials[sid]
    stored.friendly_name, stored.secret = "renamed in the console", "rotated-in-the-console"
    plan = stack.preview(program(front_end), refresh=True)
    assert plan.changes == {"android": "update"}
    stack.up(program(front_end), refresh=True)
    [stored] = [c for c in emulator.credentials() if c.sid == sid]
    assert stored.friendly_name is None  # the program's (none) restored
    assert stored.secret == "rotated-in-the-console"  # Twilio never returns it: nobody can see it changed


def test_a_new_credential_type_is_a_replace(stack: ScenarioStack, emulator: Emulator, front_end: FrontEnd) -> None:
    stack.up(program(front_end))
    old = stack.outputs("android")["sid"]
    changed = program(front_end)
    changed["android"] = Resource({"type": "gcm", "api_key": SERVER_KEY}, kind="Credential",
                                  secrets=frozenset({"api_key"}))
    assert stack.preview(changed).changes == {"android": "replace"}
    stack.up(changed)
    assert old not in [c.sid for c in emulator.credentials()]
    assert {c.type for c in emulator.credentials()} == {"apn", "gcm"}


@only("native", why="import: the dynamic resource cannot be imported (pulumi/pulumi#16175); it adopts")
def test_importing_a_service_adopts_it_protected(stack: ScenarioStack) -> None:
    id_, outs, inputs = stack.import_("support", SID, "Service")
    assert id_ == SID and inputs is not None
    assert inputs["friendly_name"] and inputs["deletion_protection"] is True
    assert outs["sid"] == SID


# --- what the dynamic classes register ------------------------------------------------------------------

@only("dynamic", why="the Python classes")
@pytest.mark.parametrize(("protection", "protected"), [(None, True), (True, True), (False, False)])
def test_the_dynamic_service_is_protected_while_deletion_protection_is_on(
        mocks: MockRecorder, protection: Optional[bool], protected: bool) -> None:
    from pulumi_twilio_conversations import Service

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def declare() -> Any:
        svc = Service("support", friendly_name="support-dev", deletion_protection=protection)
        assert svc._protect is protected  # what the SDK registers (sdk/python/lib/pulumi/resource.py Resource)
        return svc.sid

    declare()


@only("dynamic", why="the Python classes")
def test_a_program_that_sets_protect_itself_decides(mocks: MockRecorder) -> None:
    from pulumi_twilio_conversations import Service

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def declare() -> Any:
        svc = Service("support", friendly_name="support-dev", opts=pulumi.ResourceOptions(protect=False))
        assert svc._protect is False
        return svc.sid

    declare()


@only("native", why="import: the dynamic resource cannot be imported (pulumi/pulumi#16175)")
def test_importing_a_credential_reads_all_but_its_secret_then_the_first_up_sends_it(
        stack: ScenarioStack, emulator: Emulator) -> None:
    made = emulator.state.add_credential("fcm", None)
    id_, _, inputs = stack.import_("android", made, "Credential")
    assert id_ == made and inputs is not None
    secret = inputs["secret"]
    secret = secret.get("value") if isinstance(secret, dict) else secret  # as the plugin sent it: secret
    assert (inputs["type"], secret) == ("fcm", "")  # Twilio never returns it
    emulator.clear_requests()
    stack.up({"android": Resource({"type": "fcm", "secret": SERVER_KEY}, kind="Credential")})
    [sent] = emulator.api_requests()
    assert (sent.method, sent.path, sent.form) == ("POST", f"/v1/Credentials/{made}", {"Secret": SERVER_KEY})


def test_a_bad_secret_fails_check_without_a_property_the_engine_would_print(
        stack: ScenarioStack, emulator: Emulator, front_end: FrontEnd) -> None:
    bad = {"type": "apn", "certificate": RSA_KEY, "private_key": RSA_KEY}  # the key where the certificate goes
    with pytest.raises(CheckFailed) as failed:
        stack.preview({"ios": Resource(bad, kind="Credential")})
    [(prop, reason)] = failed.value.failures
    assert prop == "" and reason.startswith("certificate: is a private key, not a certificate")
    assert RSA_KEY.splitlines()[1] not in reason


@only("native", why="the plugin's names: the dynamic resource keeps Twilio's keys as they are")
def test_the_keys_of_a_services_links_are_twilios(stack: ScenarioStack, emulator: Emulator) -> None:
    stack.up({"support": Resource({"friendly_name": "support-dev", "deletion_protection": False}, kind="Service")})
    links = stack.state["support"].outputs["links"]
    assert links and all(key == key.lower() for key in links)  # participant_conversations, as Twilio spells it


@only("dynamic", why="the Python classes")
@pytest.mark.parametrize("kind", ["Service", "Credential"])
def test_an_output_given_to_a_misspelt_keyword_is_named(mocks: MockRecorder, kind: str) -> None:
    import pulumi_twilio_conversations as package
    from pulumi_twilio_conversations.core.models import SettingsError

    cls = getattr(package, kind)
    required = {"friendly_name": "support"} if kind == "Service" else {"type": "fcm", "secret": SERVER_KEY}
    with pytest.raises(SettingsError) as failed:
        cls("x", **required, deletion_protecton=pulumi.Output.from_input(False))
    assert "deletion_protecton" in str(failed.value)
