"""The program side, with Pulumi's mocks: what ServiceNotifications registers, and early validation."""

from __future__ import annotations

import runpy
from collections.abc import Callable, Iterator
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


@pytest.fixture
def mocks() -> Iterator[MockRecorder]:
    recorder = MockRecorder()
    pulumi.runtime.set_mocks(recorder, project="test", stack="dev", preview=False)
    yield recorder


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
    with pytest.raises(ValueError, match="extra"):
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
