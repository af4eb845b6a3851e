"""Stacks of several resources, as the engine runs them: outputs passed between resources (``Ref``),
steps in dependency order, deletes dependents first, and the ``protect`` option (harness.py PROTECT).

Only ``ServiceNotifications`` exists today, so the scenarios pass its outputs between two of them: a
``mirror`` service that copies the ``base`` service's template, or quotes its account.
"""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.output import Unknown

from pulumi_twilio_conversations.emulator import Emulator, default_settings_raw

import harness
import native_harness
from conftest import ACCOUNT, OTHER_SID, SID, TOKEN, stack_config
from frontends import FrontEnd, ScenarioStack, both
from harness import (
    Checkpoint,
    EngineError,
    ProviderError,
    Ref,
    Resource,
    StateEntry,
    delete_antichains,
    deletes_first,
    dependency_order,
    output_at,
    provider_class,
    refs_in,
)
from native_harness import NativePlugin, NativeStack

pytestmark = both

THIRD_SID = "IS" + "0a1b2c3d4e5f6789" * 2
TEMPLATE = "${PARTICIPANT}: ${MESSAGE}"
BASE: dict[str, Any] = {"chat_service_sid": SID, "new_message": {"enabled": True, "template": TEMPLATE}}


def mirror(**options: Any) -> Resource:
    """The other service, with the base service's template: ``template=base.new_message.template``."""
    props = {"chat_service_sid": OTHER_SID,
             "new_message": {"enabled": True, "template": Ref("base", "new_message.template")}}
    return Resource(props, **options)


def signed() -> Resource:
    """The other service, whose template quotes the base service's account: an output Twilio alone knows."""
    return Resource({"chat_service_sid": OTHER_SID,
                     "new_message": {"enabled": True, "template": Ref("base", "account_sid")}})


def posted_to(emulator: Emulator) -> list[str]:
    """The services the requests went to, in order (a create, an update or a delete is one POST each)."""
    return [r.path.split("/")[3] for r in emulator.api_requests()]


# ---------------------------------------------------------------------------------------- pure rules

@pytest.mark.front_ends("dynamic", why="pure functions of the driver, which both front ends share")
@pytest.mark.parametrize(("dependencies", "order"), [
    ({"a": (), "b": ()}, ["a", "b"]),                      # no references: program order
    ({"b": ("a",), "a": ()}, ["a", "b"]),                  # a resource after the one it references
    ({"c": ("b",), "b": ("a",), "a": (), "d": ()}, ["a", "b", "c", "d"]),
    ({"b": ("a", "c"), "a": (), "c": ()}, ["a", "c", "b"]),
])
def test_steps_run_after_the_resources_they_reference(dependencies: dict[str, tuple[str, ...]],
                                                      order: list[str]) -> None:
    assert dependency_order(dependencies) == order


@pytest.mark.front_ends("dynamic", why="pure functions of the driver, which both front ends share")
@pytest.mark.parametrize(("dependencies", "error"), [
    ({"b": ("gone",)}, "resource 'b' references 'gone', which is not in the program"),
    ({"a": ("b",), "b": ("a",)}, "resources reference each other in a cycle: a -> b -> a"),
])
def test_a_program_that_cannot_exist_is_named(dependencies: dict[str, tuple[str, ...]], error: str) -> None:
    with pytest.raises(ValueError) as raised:
        dependency_order(dependencies)
    assert str(raised.value) == error


@pytest.mark.front_ends("dynamic", why="pure functions of the driver, which both front ends share")
@pytest.mark.parametrize(("dependencies", "rounds"), [
    ({"a": (), "b": ()}, [["a", "b"]]),                    # independent: one round, state order
    ({"a": (), "b": ("a",)}, [["b"], ["a"]]),              # dependents first
    ({"a": (), "b": ("a",), "c": ("b",), "d": ()}, [["c"], ["b"], ["a", "d"]]),
    ({"b": ("x",), "a": ()}, [["b", "a"]]),                # a dependency not being deleted does not count
])
def test_deletes_are_scheduled_dependents_first(dependencies: dict[str, tuple[str, ...]],
                                                rounds: list[list[str]]) -> None:
    assert delete_antichains(dependencies) == rounds


@pytest.mark.front_ends("dynamic", why="pure functions of the driver, which both front ends share")
@pytest.mark.parametrize(("key", "dry_run", "expected"), [
    ("sid", False, "IS1"),
    ("new_message.sound", True, "ring"),
    ("url", True, Unknown),                                # preview: an output not returned yet
    ("url", False, None),                                  # up: an output the provider left out
    ("new_message.template", True, Unknown),
    ("pending.deeper", True, Unknown),                     # inside an unknown value
])
def test_a_ref_resolves_to_the_output_or_unknown(key: str, dry_run: bool, expected: Any) -> None:
    outputs = {"sid": "IS1", "new_message": {"sound": "ring"}, "pending": Unknown()}  # type: ignore[no-untyped-call]
    value = output_at(outputs, key, dry_run)
    assert isinstance(value, Unknown) if expected is Unknown else value == expected


@pytest.mark.front_ends("dynamic", why="pure functions of the driver, which both front ends share")
def test_refs_are_found_anywhere_in_the_props() -> None:
    props = {"a": Ref("x", "sid"), "b": {"c": [Ref("y", "sid"), Ref("x", "url")]}, "d": 1}
    assert refs_in(props) == ("x", "y")


@pytest.mark.front_ends("dynamic", why="the dynamic resource's provider classes and type tokens")
def test_a_kind_names_its_provider_class_and_type_token() -> None:
    assert provider_class("ServiceNotifications").__name__ == "ServiceNotificationsProvider"
    with pytest.raises(ValueError) as missing:
        provider_class("Nope")
    assert str(missing.value) == "resource kind 'Nope': pulumi_twilio_conversations.provider has no class NopeProvider"
    with pytest.raises(ValueError, match="NopeProvider"):
        Resource({}, kind="Nope").inputs()
    assert harness.urn("support", "Service") == (
        "urn:pulumi:test::harness::pulumi-python:dynamic/twilio:Service::support")
    assert native_harness.urn("ios", "Credential") == (
        "urn:pulumi:test::native::twilio-conversations:index:Credential::ios")
    assert harness.urn("push") == f"urn:pulumi:test::harness::{harness.TYPE}::push"


@pytest.mark.front_ends("dynamic", why="the state file of the dynamic resource (AutomationStack)")
def test_the_state_file_records_type_protect_and_dependencies() -> None:
    checkpoint = Checkpoint({
        "support": StateEntry("IS1", {}, {}, kind="Service", protect=True),
        "push": StateEntry("IS1", {}, {}, dependencies=("support",)),
    })
    _stack, _provider, support, push = checkpoint.deployment("dev", "proj")["resources"]
    prefix = "urn:pulumi:dev::proj::pulumi-python:dynamic/twilio:"
    assert (support["urn"], support["type"], support["protect"]) == (
        f"{prefix}Service::support", "pulumi-python:dynamic/twilio:Service", True)
    assert "dependencies" not in support
    assert "protect" not in push and push["dependencies"] == [f"{prefix}Service::support"]


@pytest.mark.front_ends("dynamic", why="pure functions of the driver, which both front ends share")
@pytest.mark.parametrize(("diff_says", "option", "first"), [
    (False, None, False),                                  # the default: create the replacement first
    (True, None, True),                                    # the provider asks (a protected Service's Diff)
    (True, False, False),                                  # the program's deleteBeforeReplace wins, both ways
    (False, True, True),
])
def test_the_program_option_overrides_the_providers_delete_before_replace(diff_says: bool, option: bool | None,
                                                                          first: bool) -> None:
    assert deletes_first(diff_says, option) is first


@pytest.mark.front_ends("dynamic", why="the state file of the dynamic resource (AutomationStack)")
def test_the_state_file_records_a_pending_delete_taint_and_property_dependencies() -> None:
    old = StateEntry("IS1", {}, {}, kind="Service")
    checkpoint = Checkpoint({
        "support": StateEntry("IS2", {}, {}, kind="Service", taint=True, pending_deletes=(old,)),
        "push": StateEntry("IS2", {}, {}, dependencies=("support",), property_dependencies={
            "chat_service_sid": ("support",)}, pending_replacement=True),
    })
    _stack, _provider, pending, support, push = checkpoint.deployment("dev", "proj")["resources"]
    assert pending["urn"] == support["urn"] and (pending["id"], pending["delete"]) == ("IS1", True)
    assert support["taint"] is True and "delete" not in support and "taint" not in pending
    assert push["propertyDependencies"] == {"chat_service_sid": [support["urn"]]}
    assert push["pendingReplacement"] is True


# ---------------------------------------------------------------------------------------- outputs as inputs

def test_up_creates_the_referenced_resource_first_and_passes_its_output(stack: ScenarioStack,
                                                                         emulator: Emulator) -> None:
    plan = stack.up({"mirror": mirror(), "base": BASE})  # written before what it references
    assert plan.steps == {"base": "create", "mirror": "create"}
    assert posted_to(emulator) == [SID, OTHER_SID]
    assert emulator.settings(OTHER_SID)["new_message"]["template"] == TEMPLATE
    assert stack.state["mirror"].dependencies == ("base",) and stack.state["base"].dependencies == ()


def test_preview_of_new_resources_knows_inputs_but_not_what_twilio_returns(stack: ScenarioStack,
                                                                          emulator: Emulator) -> None:
    """Neither provider supports previews, so a resource being created has its inputs as outputs
    (provider_plugin.go Create): the template is known, the account is not."""
    copied = stack.preview({"base": BASE, "mirror": mirror()})
    assert copied.inputs["mirror"]["new_message"]["template"] == TEMPLATE
    quoted = stack.preview({"base": BASE, "signed": signed()})
    assert quoted.steps == {"base": "create", "signed": "create"}
    assert isinstance(quoted.inputs["signed"]["new_message"]["template"], Unknown)
    assert emulator.api_requests() == [] and stack.state == {}


def test_up_passes_the_output_once_twilio_returned_it_and_a_later_preview_knows_it(
        stack: ScenarioStack, emulator: Emulator) -> None:
    program = {"base": BASE, "signed": signed()}
    stack.up(program)
    assert emulator.settings(OTHER_SID)["new_message"]["template"] == ACCOUNT
    # A same step's outputs are the stored ones: the reference is known, so nothing changes.
    assert stack.preview(program).changes == {}


def test_a_change_upstream_reaches_the_dependent_in_the_same_up(stack: ScenarioStack, emulator: Emulator) -> None:
    stack.up({"base": BASE, "mirror": mirror()})
    emulator.clear_requests()
    changed = {**BASE, "new_message": {"enabled": True, "template": "${MESSAGE}"}}
    plan = stack.preview({"base": changed, "mirror": mirror()})
    assert plan.changes == {"base": "update", "mirror": "update"}  # an update's outputs are its inputs
    assert stack.up({"base": changed, "mirror": mirror()}).changes == {"base": "update", "mirror": "update"}
    assert posted_to(emulator) == [SID, OTHER_SID]
    assert emulator.settings(OTHER_SID)["new_message"]["template"] == "${MESSAGE}"


@pytest.mark.parametrize("how", ["destroy", "removed from the program"])
def test_dependents_are_deleted_before_what_they_reference(stack: ScenarioStack, emulator: Emulator,
                                                           how: str) -> None:
    stack.up({"base": BASE, "mirror": mirror()})
    emulator.clear_requests()
    if how == "destroy":
        stack.destroy()
    else:
        assert stack.up({}).steps == {"base": "delete", "mirror": "delete"}
    assert posted_to(emulator) == [OTHER_SID, SID]
    assert stack.state == {}
    assert emulator.settings(SID) == emulator.settings(OTHER_SID) == default_settings_raw()


@pytest.mark.front_ends("native", why="only the native driver runs an up's steps in a pool (parallel)")
def test_parallel_steps_wait_for_the_resources_they_reference(front_end: FrontEnd) -> None:
    with Emulator(accounts={ACCOUNT: TOKEN}, services=[SID, OTHER_SID, THIRD_SID], strict=True) as emu:
        # base and the independent third service wait in the emulator until both have arrived (no clock
        # decides); mirror can only start once base is done.
        emu.hold(2, timeout=60)
        config = front_end.config(stack_config(emu, **{"twilio:readTimeout": "120"}))
        with NativePlugin(config) as plugin:
            program = {"mirror": native_harness.Resource({
                           "chatServiceSid": OTHER_SID, "logEnabled": Ref("base", "logEnabled")}),
                       "base": {"chatServiceSid": SID, "logEnabled": True},
                       "third": {"chatServiceSid": THIRD_SID, "logEnabled": True}}
            stack = NativeStack(plugin)
            assert set(stack.up(program, parallel=4).steps.values()) == {"create"}
        services = posted_to(emu)
        assert sorted(services[:2]) == sorted([SID, THIRD_SID]) and services[2] == OTHER_SID
        assert emu.peak_in_flight >= 2
        assert emu.settings(OTHER_SID)["log_enabled"] is True


# ---------------------------------------------------------------------------------------- protect

def refused_deletes(failed: pytest.ExceptionInfo[EngineError]) -> list[str]:
    """The URNs named by the engine's "cannot be deleted because it is protected" errors."""
    found = []
    for message in failed.value.messages:
        assert "cannot be deleted\nbecause it is protected. To unprotect the resource, either remove the " \
               "`protect` flag from the resource in your Pulumi program and run `pulumi up`, or use the " \
               "command:\n`pulumi state unprotect '" in message
        found.append(message.split('"')[1])
    return found


def test_destroy_with_a_protected_resource_deletes_nothing(stack: ScenarioStack, emulator: Emulator,
                                                           front_end: FrontEnd) -> None:
    """`pulumi destroy --yes` previews first, and the preview's delete of a protected resource fails."""
    stack.up({"base": Resource(dict(BASE), protect=True), "other": {"chat_service_sid": OTHER_SID,
                                                                    "log_enabled": True}})
    emulator.clear_requests()
    with pytest.raises(EngineError) as failed:
        stack.destroy()
    assert refused_deletes(failed) == [front_end.urn("base")]
    assert emulator.api_requests() == []
    assert set(stack.state) == {"base", "other"}
    assert emulator.settings(OTHER_SID)["log_enabled"] is True


def test_destroy_skipping_the_preview_deletes_all_but_the_protected_and_what_it_needs(
        stack: ScenarioStack, emulator: Emulator, front_end: FrontEnd) -> None:
    """--skip-preview: the independent deletes run; what the protected resource depends on stays."""
    emulator.state.add_service(THIRD_SID)
    stack.up({"base": BASE, "mirror": mirror(protect=True),
              "third": {"chat_service_sid": THIRD_SID, "log_enabled": True}})
    emulator.clear_requests()
    with pytest.raises(EngineError) as failed:
        stack.destroy(preview=False)
    assert refused_deletes(failed) == [front_end.urn("mirror")]
    assert posted_to(emulator) == [THIRD_SID]
    assert set(stack.state) == {"base", "mirror"}


def test_removing_a_protected_resource_from_the_program_is_refused(stack: ScenarioStack, emulator: Emulator,
                                                                  front_end: FrontEnd) -> None:
    stack.up({"base": Resource(dict(BASE), protect=True)})
    emulator.clear_requests()
    for step in (stack.preview, stack.up):
        with pytest.raises(EngineError) as failed:
            step({})
        assert refused_deletes(failed) == [front_end.urn("base")]
    assert emulator.api_requests() == [] and set(stack.state) == {"base"}


def test_protect_is_stored_from_the_program_at_each_up(stack: ScenarioStack) -> None:
    """Also by a same step: destroy reads the protect flag of the last up."""
    for first, then in ((True, False), (False, True)):
        stack.up({"base": Resource(dict(BASE), protect=first)})
        assert stack.up({"base": Resource(dict(BASE), protect=then)}).changes == {}  # a same step
        assert stack.state["base"].protect is then
        if then:
            with pytest.raises(EngineError):
                stack.destroy()
        else:
            stack.destroy()
            assert stack.state == {}
    assert set(stack.state) == {"base"}


def replace_refused(failed: pytest.ExceptionInfo[EngineError], urn: str) -> bool:
    return failed.value.messages == [
        f'unable to replace resource "{urn}"\nas it is currently marked for protection. To unprotect the '
        "resource, remove the `protect` flag from the resource in your Pulumi program and run `pulumi up`"]


def test_a_protected_resource_is_not_replaced(stack: ScenarioStack, emulator: Emulator,
                                              front_end: FrontEnd) -> None:
    stack.up({"base": Resource(dict(BASE), protect=True)})
    before = dict(stack.state)
    emulator.clear_requests()
    stack.server.calls.clear()
    moved = {"base": Resource({**BASE, "chat_service_sid": OTHER_SID}, protect=True)}
    # The preview reports it and still shows the replace, then fails.
    with pytest.raises(EngineError) as previewed:
        stack.preview(moved)
    assert replace_refused(previewed, front_end.urn("base"))
    assert previewed.value.plan is not None and previewed.value.plan.steps == {"base": "replace"}
    # The up stops before the replacement is created.
    with pytest.raises(EngineError) as applied:
        stack.up(moved)
    assert replace_refused(applied, front_end.urn("base"))
    assert "Create" not in stack.server.calls and "Delete" not in stack.server.calls
    assert emulator.api_requests() == [] and stack.state == before
    # Unprotecting and replacing in one up is allowed (only new.Protect && old.Protect is refused).
    assert stack.up({"base": Resource({**BASE, "chat_service_sid": OTHER_SID})}).steps == {"base": "replace"}
    assert stack.state["base"].id == OTHER_SID and emulator.settings(SID) == default_settings_raw()


def test_a_dependent_of_a_failed_step_makes_no_call(stack: ScenarioStack, emulator: Emulator) -> None:
    emulator.inject(status=400, methods=["POST"])
    with pytest.raises(ProviderError):
        stack.up({"mirror": mirror(), "base": BASE})
    assert posted_to(emulator) == [SID] and stack.state == {}
