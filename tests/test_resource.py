"""The program side, with Pulumi's mocks: what ServiceNotifications registers, and early validation."""

from __future__ import annotations

import asyncio
import runpy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest

from pulumi_twilio_conversations import (
    AddedToConversation,
    NewMessage,
    ServiceNotifications,
    ServiceNotificationsError,
    WithMedia,
)

from conftest import SID, MockRecorder

ROOT = Path(__file__).resolve().parent.parent
# pulumi.runtime.test waits for the Output a test returns; typed here for mypy's strict mode.
runtime_test: Callable[[Callable[..., Any]], Callable[..., Any]] = pulumi.runtime.test


def inputs_of(recorder: MockRecorder, name: str) -> dict[str, Any]:
    (found,) = [r for r in recorder.resources if r.name == name]
    assert found.typ == "pulumi-python:dynamic/twilio:ServiceNotifications"
    return {k: v for k, v in found.inputs.items() if k != "__provider"}


@runtime_test
def test_models_become_nested_inputs_and_omitted_fields_are_left_out(mocks: MockRecorder) -> Any:
    res = ServiceNotifications(
        "push", chat_service_sid=SID, log_enabled=True,
        new_message=NewMessage(enabled=True, with_media=WithMedia(template="${MEDIA}")),
        added_to_conversation={"enabled": True},
    )

    def verify(_: Any) -> None:
        assert inputs_of(mocks, "push") == {
            "chat_service_sid": SID, "log_enabled": True,
            "new_message": {"enabled": True, "with_media": {"template": "${MEDIA}"}},
            "added_to_conversation": {"enabled": True},
        }

    return res.urn.apply(verify)


@runtime_test
def test_outputs_from_other_resources_are_accepted_anywhere(mocks: MockRecorder) -> Any:
    template = pulumi.Output.from_input("${PARTICIPANT}: ${MESSAGE}")
    res = ServiceNotifications(
        "push", chat_service_sid=pulumi.Output.from_input(SID),
        new_message=NewMessage(enabled=pulumi.Output.from_input(True), template=template),
        added_to_conversation=pulumi.Output.from_input({"enabled": True}),
    )

    def verify(args: list[Any]) -> None:
        new_message, account = args
        assert new_message["template"] == "${PARTICIPANT}: ${MESSAGE}"
        assert account.startswith("AC")
        assert inputs_of(mocks, "push")["added_to_conversation"] == {"enabled": True}

    return pulumi.Output.all(res.new_message, res.account_sid).apply(verify)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"chat_service_sid": "CH" + "0" * 32},
         "chat_service_sid: is not a Conversations Service SID (got 34 characters starting with 'CH')"),
        ({"chat_service_sid": SID, "log_enabled": "true"}, "log_enabled: must be a boolean"),
        ({"chat_service_sid": SID, "new_message": {"tempalte": "x"}}, "did you mean 'template'"),
        ({"chat_service_sid": SID, "added_to_conversation": {"template": "${CONVERSATION"}},
         "added_to_conversation.template: unclosed placeholder"),
    ],
)
def test_plain_bad_values_fail_in_the_program(mocks: MockRecorder, kwargs: dict[str, Any], words: str) -> None:
    with pytest.raises(ServiceNotificationsError) as caught:
        ServiceNotifications("bad", **kwargs)
    assert words in str(caught.value) and "'bad'" in str(caught.value)
    assert mocks.resources == []


def test_models_validate_when_built() -> None:
    with pytest.raises(ValueError, match="enabled"):
        NewMessage(enabled="yes")
    with pytest.raises(ValueError, match="unknown field 'colour'"):
        AddedToConversation(colour="red")  # type: ignore[call-arg]


def test_bad_config_namespace_is_refused(mocks: MockRecorder) -> None:
    with pytest.raises(ValueError, match="config_namespace"):
        ServiceNotifications("x", chat_service_sid=SID, config_namespace="bad namespace!")


@runtime_test
def test_get_reads_by_id(mocks: MockRecorder) -> Any:
    res = ServiceNotifications.get("adopted", SID)
    return res.id.apply(lambda id_: assert_equal(id_, SID))


def assert_equal(a: Any, b: Any) -> None:
    assert a == b


@runtime_test
def test_quickstart_program_declares_the_sample(mocks: MockRecorder) -> Any:
    pulumi.runtime.set_all_config({"test:serviceSid": SID})
    try:
        program = runpy.run_path(str(ROOT / "examples" / "quickstart" / "__main__.py"))
    finally:
        pulumi.runtime.set_all_config({})

    def verify(_: Any) -> None:
        inputs = inputs_of(mocks, "support-push")
        assert inputs["chat_service_sid"] == SID
        assert inputs["new_message"]["badge_count_enabled"] is True
        assert inputs["new_message"]["with_media"]["enabled"] is True
        assert inputs["removed_from_conversation"] == {"enabled": False}

    return program["push"].urn.apply(verify)


@pytest.fixture
def engine_log(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The engine's Log requests (severity, message, urn), as the CLI receives them."""
    seen: list[Any] = []
    monkeypatch.setattr(pulumi.runtime.mocks.MockEngine, "Log", lambda _self, request: seen.append(request))
    return seen


def after_logs(output: pulumi.Output[Any]) -> pulumi.Output[Any]:
    """The output, resolved only once the log messages sent meanwhile have reached the engine
    (pulumi.log sends a message tied to a resource from a task that first awaits the resource's URN)."""

    async def settle(value: Any) -> Any:
        await asyncio.sleep(0.01)
        return value

    return output.apply(lambda value: pulumi.Output.from_input(settle(value)))


def warnings_in(log: list[Any]) -> list[tuple[str, str]]:
    from pulumi.runtime.proto import engine_pb2

    return [(r.urn, r.message) for r in log if r.severity == engine_pb2.WARNING]


@runtime_test
def test_template_warnings_are_warnings_on_the_resource(mocks: MockRecorder, engine_log: list[Any]) -> Any:
    res = ServiceNotifications("push", chat_service_sid=SID,
                               added_to_conversation=AddedToConversation(template="${MESSAGE}"))

    def verify(args: list[Any]) -> None:
        urn, _ = args
        (found,) = warnings_in(engine_log)
        assert found[0] == urn  # tied to the resource, not the stack
        assert found[1].startswith(f"ServiceNotifications of {SID} added_to_conversation.template: '${{MESSAGE}}'")

    return after_logs(pulumi.Output.all(res.urn, res._template_warnings)).apply(verify)


@runtime_test
def test_templates_known_only_later_are_warned_about_once_known(mocks: MockRecorder, engine_log: list[Any]) -> Any:
    later = pulumi.Output.from_input("x" * 200)
    res = ServiceNotifications("push", chat_service_sid=pulumi.Output.from_input(SID),
                               new_message=NewMessage(template=later))

    def verify(_: Any) -> None:
        assert [m for _, m in warnings_in(engine_log)] == [
            f"ServiceNotifications of {SID} new_message.template: has 200 characters besides its placeholders; "
            "Twilio keeps the first 178 characters of the push after substituting placeholders, so the end may "
            "be cut"]

    return after_logs(res._template_warnings).apply(verify)



@runtime_test
def test_a_mistyped_placeholder_is_answered_with_did_you_mean(mocks: MockRecorder, engine_log: list[Any]) -> Any:
    res = ServiceNotifications("push", chat_service_sid=SID, new_message=NewMessage(
        template="${MESAGE}", with_media=WithMedia(template="${MESSAGE}")))

    def verify(_: Any) -> None:
        messages = [m for _, m in warnings_in(engine_log)]
        assert len(messages) == 2, messages
        assert messages[0].startswith(
            f"ServiceNotifications of {SID} new_message.template: '${{MESAGE}}' is not a placeholder Twilio documents "
            "for this event, so it may be sent as typed: did you mean '${MESSAGE}'? documented for this event: "
            "${CONVERSATION}, ")
        assert messages[1].startswith(
            f"ServiceNotifications of {SID} new_message.with_media.template: '${{MESSAGE}}' is not a placeholder "
            "Twilio documents for this event, so it may be sent as typed: Twilio documents '${MESSAGE}' only for "
            "new_message.template; documented for this event: ")

    return after_logs(res._template_warnings).apply(verify)

@runtime_test
def test_good_templates_give_no_warning(mocks: MockRecorder, engine_log: list[Any]) -> Any:
    res = ServiceNotifications("push", chat_service_sid=SID, new_message=NewMessage(
        template="${PARTICIPANT_FRIENDLY_NAME} in ${CONVERSATION_UNIQUE_NAME}: ${MESSAGE}"))
    return after_logs(res._template_warnings).apply(lambda _: assert_equal(warnings_in(engine_log), []))


def test_import_option_is_refused_with_the_way_to_adopt(mocks: MockRecorder) -> None:
    with pytest.raises(ServiceNotificationsError) as caught:
        ServiceNotifications("adopted", chat_service_sid=SID, opts=pulumi.ResourceOptions(import_=SID))
    message = str(caught.value)
    assert "pulumi/pulumi#16175" in message
    assert f"python -m pulumi_twilio_conversations export {SID}" in message
    assert mocks.resources == []
