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

from dataclasses import replace
from typing import Any, Optional

import pulumi
import pytest
from pem import CERT, RSA_KEY, SERVER_KEY

from pulumi_twilio_conversations.emulator import Emulator

from conftest import OTHER_SID, SID, MockRecorder
from frontends import FrontEnd, ScenarioStack, both, only
from harness import CheckFailed, EngineError, ProviderError, Ref, Resource, replace_protected_message

pytestmark = both

PRELOADED = {SID, OTHER_SID}  # the conftest emulator's services


def program(front_end: FrontEnd, name: str = "support-dev", protection: Optional[bool] = None,
            protect: Optional[bool] = None, delete_before_replace: Optional[bool] = None) -> dict[str, Any]:
    """The issue's program. ``protection``: the Service's deletion_protection (None: unset, on);
    ``protect``: the resource option, as the dynamic class sets it unless told (None: the class's choice);
    ``delete_before_replace``: the Service's resource option (None: unset, the provider's Diff decides)."""
    service: dict[str, Any] = {"friendly_name": name}
    if protection is not None:
        service["deletion_protection"] = protection
    if protect is None:
        protect = front_end.name == "dynamic" and protection is not False
    return {
        "ios": Resource({"type": "apn", "certificate": CERT, "private_key": RSA_KEY, "sandbox": True},
                        kind="Credential", secrets=frozenset({"certificate", "private_key"})),
        "android": Resource({"type": "fcm", "secret": SERVER_KEY}, kind="Credential", secrets=frozenset({"secret"})),
        "support": Resource(service, kind="Service", protect=protect, delete_before_replace=delete_before_replace),
        "support-push": Resource({"chat_service_sid": Ref("support", "sid"), "new_message": {"enabled": True}}),
    }


def new_services(emulator: Emulator) -> list[str]:
    return [r.sid for r in emulator.service_records() if r.sid not in PRELOADED]


def requests(emulator: Emulator) -> list[str]:
    """The requests Twilio received, in order, as ``METHOD /path`` (credentials left out: none is replaced)."""
    return [f"{r.method} {r.path}" for r in emulator.api_requests() if "/Credentials" not in r.path]


def settings_path(sid: str) -> str:
    return f"/v1/Services/{sid}/Configuration/Notifications"


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


# --- a targeted replace: `pulumi up --replace <urn>`, or `pulumi state taint` (harness.py REPLACE) ------------
# The engine calls no Diff for a targeted replace (step_generator.go diff makes its own, a replace of ``id``), so
# the Service's Diff answer (delete_before_replace while protected) never reaches it: only the program's
# deleteBeforeReplace option, or protect, changes how the replace goes.

def diffed(stack: ScenarioStack, urn: str) -> bool:
    return any(a.method == "Diff" and a.urn == urn for a in stack.server.answers)


def test_a_targeted_replace_of_a_service_protected_only_by_deletion_protection_makes_a_second_one(
        stack: ScenarioStack, emulator: Emulator, front_end: FrontEnd) -> None:
    """Without protect (the plugin's Service has none; a dynamic program that sets protect=False), the replace
    creates first: a second service, the push settings moved onto it, then the old service's Delete refused. The
    old one stays in the state as a pending delete, refused again at every up, even once deletion_protection
    is turned off: the refusal reads the old state's own outputs."""
    stack.up(program(front_end, protect=False))
    [old] = new_services(emulator)
    emulator.clear_requests()
    plan = stack.preview(program(front_end, protect=False), replace=["support"])
    assert plan.changes == {"support": "replace", "support-push": "replace"} and plan.deleted_first == []
    assert not diffed(stack, front_end.urn("support", "Service")) and emulator.api_requests() == []

    with pytest.raises(ProviderError) as refused:
        stack.up(program(front_end, protect=False), replace=["support"])
    assert f"Service {old} (support-dev) was not deleted: deletion protection is on" in str(refused.value)
    [_, new] = new_services(emulator)
    assert requests(emulator) == ["POST /v1/Services", f"POST {settings_path(new)}", f"POST {settings_path(old)}"]
    assert emulator.settings(new)["new_message"]["enabled"] is True
    assert emulator.settings(old)["new_message"]["enabled"] is False  # the old settings' delete: a reset
    support = stack.state["support"]
    assert support.id == new and [e.id for e in support.pending_deletes] == [old]
    assert stack.outputs("support-push")["chat_service_sid"] == new

    for protection in (None, False):
        emulator.clear_requests()
        with pytest.raises(ProviderError, match=f"Service {old} .* was not deleted"):
            stack.up(program(front_end, protection=protection, protect=False))
        assert [e.id for e in stack.state["support"].pending_deletes] == [old]
        assert f"DELETE /v1/Services/{old}" not in requests(emulator)
    assert new_services(emulator) == [old, new]


def test_a_targeted_replace_of_a_protected_service_is_refused_before_anything_is_sent(
        stack: ScenarioStack, emulator: Emulator, front_end: FrontEnd) -> None:
    """protect (what the dynamic Service sets while deletion_protection is on; the plugin's with the option):
    the engine refuses the replace of a resource protected in the program and the state, at preview (which
    still shows the plan) and at up, before the replacement is created."""
    stack.up(program(front_end, protect=True))
    before = {name: replace(entry) for name, entry in stack.state.items()}
    emulator.clear_requests()
    stack.server.calls.clear()
    urn = front_end.urn("support", "Service")
    with pytest.raises(EngineError) as previewed:
        stack.preview(program(front_end, protect=True), replace=["support"])
    assert previewed.value.messages == [replace_protected_message(urn)]  # worded as test_harness_stacks.py checks
    assert previewed.value.plan is not None
    assert previewed.value.plan.changes == {"support": "replace", "support-push": "replace"}
    with pytest.raises(EngineError) as applied:
        stack.up(program(front_end, protect=True), replace=["support"])
    assert applied.value.messages == [replace_protected_message(urn)]
    assert "Create" not in stack.server.calls and "Delete" not in stack.server.calls
    assert emulator.api_requests() == [] and stack.state == before


@pytest.mark.parametrize("how", ["--replace", "taint"])
def test_with_protection_off_a_targeted_replace_creates_the_new_service_then_deletes_the_old(
        stack: ScenarioStack, emulator: Emulator, front_end: FrontEnd, how: str) -> None:
    stack.up(program(front_end, protection=False))
    [old] = new_services(emulator)
    emulator.clear_requests()
    if how == "taint":
        stack.state["support"].taint = True
    plan = stack.up(program(front_end, protection=False), replace=["support"] if how == "--replace" else [])
    assert plan.changes == {"support": "replace", "support-push": "replace"} and plan.deleted_first == []
    if how == "--replace":
        # No detailed diff in the engine's own diff: the CLI diffs the inputs, which did not change (rows.go
        # getDiffInfo; for a taint it adds ``~taint``, which the harness leaves out).
        assert plan.display["support"] == "" and plan.detail["support"] == []
    [new] = new_services(emulator)
    assert new != old
    # Created first; the settings follow their service (chat_service_sid=svc.sid: a replace of their own);
    # the old ones go at the end, dependents first: the old settings reset, then the old service deleted.
    assert requests(emulator) == ["POST /v1/Services", f"POST {settings_path(new)}", f"POST {settings_path(old)}",
                                  f"DELETE /v1/Services/{old}"]
    assert stack.outputs("support-push")["chat_service_sid"] == new
    assert not stack.state["support"].taint and not stack.state["support"].pending_deletes
    assert stack.preview(program(front_end, protection=False)).changes == {}


def test_with_delete_before_replace_a_protected_service_is_refused_before_it_is_replaced(
        stack: ScenarioStack, emulator: Emulator, front_end: FrontEnd) -> None:
    """The deleteBeforeReplace option (the program's say: the engine never asks the Service's Diff here): the
    settings that would follow the service are deleted first (reset to Twilio's defaults), then the service's
    Delete is refused, and that stops the replace before any service is created. The settings are left pending
    replacement in the state."""
    prog = program(front_end, protect=False, delete_before_replace=True)
    stack.up(prog)
    [sid] = new_services(emulator)
    emulator.clear_requests()
    plan = stack.preview(prog, replace=["support"])
    assert plan.changes == {"support": "replace", "support-push": "replace"}
    assert plan.deleted_first == ["support-push", "support"] and emulator.api_requests() == []

    with pytest.raises(ProviderError, match=f"Service {sid} .* was not deleted: deletion protection is on"):
        stack.up(prog, replace=["support"])
    assert requests(emulator) == [f"POST {settings_path(sid)}"]  # the reset, and no POST /v1/Services
    assert new_services(emulator) == [sid] and emulator.settings(sid)["new_message"]["enabled"] is False
    support, push = stack.state["support"], stack.state["support-push"]
    assert support.id == sid and not support.pending_replacement and not support.pending_deletes
    assert push.pending_replacement and push.id == sid

    # What comes after: a refresh reads nothing pending replacement; the harness does not guess at the next up;
    # a destroy drops the settings from the state without another reset, and is refused at the service.
    emulator.clear_requests()
    assert stack.refresh()["support-push"] == "same"
    assert f"GET {settings_path(sid)}" not in requests(emulator)
    with pytest.raises(NotImplementedError, match="'support-push' is pending replacement"):
        stack.preview(prog)
    with pytest.raises(ProviderError, match=f"Service {sid} .* was not deleted"):
        stack.destroy()
    assert set(stack.state) == {"support"} and f"POST {settings_path(sid)}" not in requests(emulator)


def test_with_delete_before_replace_and_protection_off_the_old_service_goes_first(
        stack: ScenarioStack, emulator: Emulator, front_end: FrontEnd) -> None:
    prog = program(front_end, protection=False, delete_before_replace=True)
    stack.up(prog)
    [old] = new_services(emulator)
    emulator.clear_requests()
    plan = stack.up(prog, replace=["support"])
    assert plan.changes == {"support": "replace", "support-push": "replace"}
    assert plan.deleted_first == ["support-push", "support"]
    [new] = new_services(emulator)
    assert requests(emulator) == [f"POST {settings_path(old)}", f"DELETE /v1/Services/{old}", "POST /v1/Services",
                                  f"POST {settings_path(new)}"]
    push = stack.state["support-push"]
    assert not push.pending_replacement and stack.outputs("support-push")["chat_service_sid"] == new
    assert emulator.settings(new)["new_message"]["enabled"] is True
    assert stack.preview(prog).changes == {}


def test_a_delete_before_replace_stops_at_a_protected_dependent(stack: ScenarioStack, emulator: Emulator,
                                                                 front_end: FrontEnd) -> None:
    prog = program(front_end, protection=False, delete_before_replace=True)
    prog["support-push"] = replace(prog["support-push"], protect=True)
    stack.up(prog)
    emulator.clear_requests()
    push, urn = front_end.urn("support-push"), front_end.urn("support", "Service")
    for step in (stack.preview, stack.up):
        with pytest.raises(EngineError) as failed:
            step(prog, replace=["support"])
        assert failed.value.messages == [
            f'unable to replace resource "{push}" as part of replacing "{urn}" as it is currently marked for '
            "protection. To unprotect the resource, remove the `protect` flag from the resource in your Pulumi "
            f"program and run `pulumi up`, or use the command:\n`pulumi state unprotect '{push}'`"]
    assert emulator.api_requests() == []


def test_a_replace_target_not_in_the_stack_fails_before_anything_runs(stack: ScenarioStack, emulator: Emulator,
                                                                      front_end: FrontEnd) -> None:
    """Also a resource of the program not created yet: the engine looks for the targets in the state."""
    urn = front_end.urn("support", "Service")
    with pytest.raises(EngineError) as failed:
        stack.up(program(front_end), replace=["support"])
    assert failed.value.messages == [
        f"Target '{urn}' could not be found in the stack. Did you forget to escape $ in your shell?"]
    assert stack.server.calls.count("Check") == 0 and emulator.api_requests() == [] and stack.state == {}
    with pytest.raises(TypeError, match=r"replace takes a list of resource names, such as replace=\['support'\]"):
        stack.up(program(front_end), replace="support")


def test_a_delete_before_replace_whose_create_fails_leaves_the_service_pending_replacement(
        stack: ScenarioStack, emulator: Emulator, front_end: FrontEnd) -> None:
    prog = program(front_end, protection=False, delete_before_replace=True)
    stack.up(prog)
    [old] = new_services(emulator)
    emulator.clear_requests()
    emulator.inject(status=400, methods=["POST"], paths=["/v1/Services"])
    with pytest.raises(ProviderError):
        stack.up(prog, replace=["support"])
    assert requests(emulator) == [f"POST {settings_path(old)}", f"DELETE /v1/Services/{old}", "POST /v1/Services"]
    assert new_services(emulator) == []
    support, push = stack.state["support"], stack.state["support-push"]
    assert support.id == old and support.pending_replacement and push.pending_replacement
