"""Validation messages a user can act on, whatever they typed: fixes that work, names escaped and cut
short, no control sequence reaching the terminal, and an error (not a crash) for absurd input."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pulumi_twilio_conversations import NewMessage, ServiceNotifications, ServiceNotificationsError
from pulumi_twilio_conversations.core.templates import ALL_PLACEHOLDERS, placeholder_syntax_error
from pulumi_twilio_conversations.core.validation import validate_settings
from pulumi_twilio_conversations.core.wire import MalformedResponse, from_api

from conftest import SID

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
