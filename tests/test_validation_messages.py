"""Validation messages a user can act on, whatever they typed: fixes that work, names escaped and cut
short, no control sequence reaching the terminal, and an error (not a crash) for absurd input."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mypy import api as mypy_api

from pulumi_twilio_conversations import NewMessage, ServiceNotifications, ServiceNotificationsError, WithMedia
from pulumi_twilio_conversations.core.models import SettingsError
from pulumi_twilio_conversations.core.templates import ALL_PLACEHOLDERS, placeholder_syntax_error
from pulumi_twilio_conversations.core.validation import validate_settings
from pulumi_twilio_conversations.core.wire import MalformedResponse, from_api

from conftest import SID, MockRecorder

FIX = re.compile(r"(?:write|such as) '([^']*)'")


def problems_for(template: str) -> list[str]:
    _, problems = validate_settings({"chat_service_sid": SID, "new_message": {"template": template}})
    return [p.reason for p in problems]


@pytest.mark.parametrize(("template", "fix"), [
    ("${ MESSAGE }", "${MESSAGE}"),
    ("${MÉSSAGE}", "${MESSAGE}"),
    ("${conversation sid}", "${CONVERSATION_SID}"),
    ("${MESSAGE!}", "${MESSAGE}"),
    ("${MESSAGE", "${MESSAGE}"),
    ("${}", "${CONVERSATION}"),
    ("trailing ${", "${CONVERSATION}"),
    ("${?!}", "${CONVERSATION}"),
])
def test_each_suggested_fix_is_itself_valid(template: str, fix: str) -> None:
    (reason,) = problems_for(template)
    assert FIX.search(reason) is not None and FIX.findall(reason)[-1] == fix
    assert problems_for(fix) == []


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from([*"${}_ aMESGÉé1", *sorted(ALL_PLACEHOLDERS)]), max_size=20).map("".join))
def test_any_template_either_passes_or_gets_a_fix_that_passes(template: str) -> None:
    problem = placeholder_syntax_error(template)
    if problem is None:
        return
    fixes = FIX.findall(problem)
    assert fixes, problem
    assert placeholder_syntax_error(fixes[-1]) is None, (template, problem)


@pytest.mark.parametrize("text", ["a\x85b", "bell\x9b31m", "half \ud83d emoji", "nul\x00"])
def test_c1_controls_and_lone_surrogates_are_refused_naming_the_field(text: str) -> None:
    _, problems = validate_settings({"chat_service_sid": SID, "added_to_conversation": {"sound": text}})
    assert [p.field for p in problems] == ["added_to_conversation.sound"]


def test_unknown_keys_are_escaped_and_cut_short() -> None:
    key = "\x1b[31mred" + "k" * 50_000
    _, problems = validate_settings({"chat_service_sid": SID, "new_message": {key: True}})
    (problem,) = problems
    text = problem.field + problem.reason
    assert "\x1b" not in text and "\\x1b[31mred" in text
    assert len(text) < 400


def deep(levels: int) -> dict[str, Any]:
    node: dict[str, Any] = {"enabled": True}
    for _ in range(levels):
        node = {"with_media": node}
    return node


@pytest.mark.parametrize("levels", [20, 100_000])
def test_deeply_nested_input_is_an_error_not_a_crash(levels: int) -> None:
    _, problems = validate_settings({"chat_service_sid": SID, "new_message": deep(levels)})
    assert [p.field for p in problems] == ["new_message"]
    assert "more than 16 levels" in problems[0].reason


def test_deeply_nested_input_in_a_program_is_a_service_notifications_error() -> None:
    with pytest.raises(ServiceNotificationsError, match="new_message: nests objects more than 16 levels"):
        ServiceNotifications("deep", chat_service_sid=SID, new_message=deep(100_000))


def test_nested_models_within_the_limit_pass() -> None:
    _, problems = validate_settings({"chat_service_sid": SID, "new_message": NewMessage(enabled=True)})
    assert problems == []


@pytest.mark.parametrize("body", [
    {"new_message": "garbage"},
    {"new_message": {"with_media": ["x"]}},
    {"added_to_conversation": 1},
    {"removed_from_conversation": True},
])
def test_a_nested_object_of_the_wrong_type_is_malformed_not_defaults(body: dict[str, Any]) -> None:
    with pytest.raises(MalformedResponse, match="should be an object"):
        from_api(body)


# --- the typed models and keyword arguments report like the dict path ---------------------------------

def _line_of(code: str) -> int:
    source = Path(__file__).read_text().splitlines()
    return next(number for number, text in enumerate(source, 1) if text.lstrip().startswith(f"(lambda: {code}"))


# (the mistake, the same written as a dict, how the mistake's line starts after `(lambda: `)
TYPED_MISTAKES: list[tuple[Callable[[], Any], dict[str, Any], str]] = [
    (lambda: NewMessage(enabeld=True), {"new_message": {"enabeld": True}}, "NewMessage(enabeld"),  # type: ignore[call-arg]
    (lambda: NewMessage(enabled="maybe"), {"new_message": {"enabled": "maybe"}}, "NewMessage(enabled=\"maybe"),
    (lambda: WithMedia(sound="ring"),  # type: ignore[call-arg]
     {"new_message": {"with_media": {"sound": "ring"}}}, "WithMedia(sound"),
    (lambda: NewMessage(template="${MESSAGE"), {"new_message": {"template": "${MESSAGE"}}, "NewMessage(template="),
]


@pytest.mark.parametrize(("build", "as_dict", "code"), TYPED_MISTAKES, ids=[c for *_, c in TYPED_MISTAKES])
def test_a_mistake_in_a_typed_model_reads_like_the_same_mistake_in_a_dict(
    build: Callable[[], Any], as_dict: dict[str, Any], code: str
) -> None:
    _, (expected,) = validate_settings({"chat_service_sid": SID, **as_dict})
    with pytest.raises(SettingsError) as caught:
        build()
    message = str(caught.value)
    model = message.split("(", 1)[0]
    assert message == (f"{model}(...) at tests/test_validation_messages.py:{_line_of(code)} has invalid inputs:\n"
                       f"  {expected.field}: {expected.reason}")
    assert "errors.pydantic.dev" not in message and "type=" not in message
    # the language host prints a RunError's message alone (pulumi-language-python-exec)
    assert isinstance(caught.value, pulumi.RunError) and isinstance(caught.value, ValueError)


def test_a_sound_on_media_messages_points_to_the_one_twilio_has() -> None:
    with pytest.raises(SettingsError, match=r"'sound' is a field of new_message \(new_message\.sound\), "
                                            r"not of new_message\.with_media"):
        WithMedia(sound="ring")  # type: ignore[call-arg]


def test_nested_dicts_inside_a_model_keep_their_full_path() -> None:
    with pytest.raises(SettingsError, match=r"  new_message\.with_media\.enabled: must be a boolean"):
        NewMessage(with_media={"enabled": "yes"})


def test_a_misspelt_keyword_of_the_resource_names_the_field_meant(mocks: MockRecorder) -> None:
    with pytest.raises(ServiceNotificationsError) as caught:
        ServiceNotifications("x", chat_service_sid=SID, new_mesage={"enabled": True})  # type: ignore[arg-type]
    assert str(caught.value) == (
        "ServiceNotifications 'x' has invalid inputs:\n  new_mesage: unknown field 'new_mesage': did you mean "
        "'new_message'? valid fields are chat_service_sid, log_enabled, new_message, added_to_conversation, "
        "removed_from_conversation")
    assert mocks.resources == []


@pytest.mark.parametrize(("keyword", "words"), [
    ("new_mesage", "unknown field 'new_mesage': did you mean 'new_message'?"),
    ("confg_namespace", "unknown keyword 'confg_namespace': did you mean 'config_namespace'?"),
    ("otps", "unknown keyword 'otps': did you mean 'opts'?"),
])
def test_a_misspelt_keyword_is_named_even_when_its_value_is_none(mocks: MockRecorder, keyword: str, words: str) -> None:
    with pytest.raises(ServiceNotificationsError) as caught:
        ServiceNotifications("x", chat_service_sid=SID, **{keyword: None})  # type: ignore[arg-type]
    assert f"  {keyword}: {words}" in str(caught.value)
    assert mocks.resources == []


def test_a_misspelt_keyword_of_a_lookup_is_refused_too(mocks: MockRecorder) -> None:
    with pytest.raises(ServiceNotificationsError, match="unknown field 'log_enabeld'"):
        ServiceNotifications("x", chat_service_sid=SID, log_enabeld=True,  # type: ignore[arg-type]
                             opts=pulumi.ResourceOptions(id=SID))


def test_a_type_checker_flags_a_misspelt_keyword(tmp_path: Path) -> None:
    program = tmp_path / "program.py"
    program.write_text("from pulumi_twilio_conversations import ServiceNotifications\n"
                       f"ServiceNotifications('x', chat_service_sid='{SID}', new_mesage={{'enabled': True}})\n"
                       f"ServiceNotifications('y', chat_service_sid='{SID}', new_message={{'enabled': True}})\n")
    out, _, status = mypy_api.run(["--strict", "--no-incremental", str(program)])
    assert status == 1
    assert [line.split(": error: ")[0] for line in out.splitlines() if ": error: " in line] == [f"{program}:2"]
    assert 'Argument "new_mesage"' in out
