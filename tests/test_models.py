"""Tables for the pure parts: wire mapping, defaults, validation, warnings and diff."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pulumi.output import Unknown

from pulumi_twilio_conversations import AddedToConversation, NewMessage, WithMedia
from pulumi_twilio_conversations.core.templates import ALL_PLACEHOLDERS, PLACEHOLDERS, template_warnings
from pulumi_twilio_conversations.core.validation import validate_settings
from pulumi_twilio_conversations.core.wire import WIRE_FIELDS, changed_paths, default_settings, from_api, to_form

from conftest import OPERATION, SID, SPEC_MISSING, SPEC_PATH


def checked(**values: Any) -> dict[str, Any]:
    inputs, problems = validate_settings({"chat_service_sid": SID, **values})
    assert problems == []
    return inputs


# --- wire mapping -----------------------------------------------------------------------------------

@pytest.mark.skipif(not SPEC_PATH.exists(), reason=SPEC_MISSING)
def test_form_fields_are_exactly_the_ones_twilio_declares() -> None:
    spec = json.loads(SPEC_PATH.read_text())
    post = spec["paths"][OPERATION]["post"]
    declared = post["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]["properties"]
    assert {f.form for f in WIRE_FIELDS} == set(declared)
    for f in WIRE_FIELDS:
        assert declared[f.form]["type"] == ("boolean" if f.kind is bool else "string"), f.form


@pytest.mark.parametrize(
    ("values", "only", "form"),
    [
        ({"log_enabled": True}, ["log_enabled"], {"LogEnabled": "true"}),
        ({}, ["log_enabled"], {"LogEnabled": "false"}),
        ({"new_message": {"template": "${MESSAGE}"}}, ["new_message.template"], {"NewMessage.Template": "${MESSAGE}"}),
        ({}, ["new_message.sound"], {"NewMessage.Sound": ""}),  # empty clears the sound
        ({"new_message": {"badge_count_enabled": True}}, ["new_message.badge_count_enabled"],
         {"NewMessage.BadgeCountEnabled": "true"}),
        ({"new_message": {"with_media": {"enabled": True}}}, ["new_message.with_media.enabled"],
         {"NewMessage.WithMedia.Enabled": "true"}),
        ({"new_message": {"with_media": {"template": "${MEDIA_COUNT}"}}}, ["new_message.with_media.template"],
         {"NewMessage.WithMedia.Template": "${MEDIA_COUNT}"}),
        ({"added_to_conversation": {"sound": "ring"}}, ["added_to_conversation.sound"],
         {"AddedToConversation.Sound": "ring"}),
        ({"removed_from_conversation": {"enabled": True}}, ["removed_from_conversation.enabled"],
         {"RemovedFromConversation.Enabled": "true"}),
    ],
)
def test_to_form(values: dict[str, Any], only: list[str], form: dict[str, str]) -> None:
    assert to_form(checked(**values), only=only) == form


def test_full_form_has_all_thirteen_fields() -> None:
    form = to_form(checked())
    assert len(form) == 13
    assert all(v in ("false", "") for v in form.values())


def test_from_api_reads_twilio_example_and_treats_null_as_unset() -> None:
    body = {
        "account_sid": "AC" + "a" * 32, "chat_service_sid": SID, "log_enabled": True,
        "added_to_conversation": {"enabled": False, "template": None, "sound": "ring"},
        "new_message": {"enabled": True, "template": "${MESSAGE}", "badge_count_enabled": None, "sound": None,
                        "with_media": None},
        "removed_from_conversation": None,
        "url": "https://conversations.twilio.com/v1/Services/x/Configuration/Notifications",
    }
    outs = from_api(body)
    assert outs["new_message"] == {"enabled": True, "template": "${MESSAGE}", "sound": "", "badge_count_enabled": False,
                                   "with_media": {"enabled": False, "template": ""}}
    assert outs["added_to_conversation"] == {"enabled": False, "template": "", "sound": "ring"}
    assert outs["removed_from_conversation"] == {"enabled": False, "template": "", "sound": ""}
    assert outs["account_sid"].startswith("AC")


@pytest.mark.parametrize("body", [[], "x", {"log_enabled": "yes"}, {"new_message": {"enabled": 1}},
                                  {"account_sid": 5}])
def test_from_api_rejects_wrong_types(body: Any) -> None:
    with pytest.raises(ValueError):
        from_api(body)


def test_round_trip_form_to_api_back() -> None:
    desired = checked(log_enabled=True, new_message={"enabled": True, "template": "t ${MESSAGE}", "sound": "s",
                                                     "with_media": {"enabled": True, "template": "m"}},
                      removed_from_conversation={"sound": "bye"})
    # what a server that stores the form and echoes it back would answer
    body: dict[str, Any] = {}
    form = to_form(desired)
    for f in WIRE_FIELDS:
        node = body
        *head, leaf = f.path.split(".")
        for part in head:
            node = node.setdefault(part, {})
        raw = form[f.form]
        node[leaf] = (raw == "true") if f.kind is bool else (raw or None)
    outs = from_api(body)
    assert changed_paths(outs, desired) == []


# --- defaults -----------------------------------------------------------------------------------------

def test_omitted_settings_are_twilio_defaults() -> None:
    inputs = checked()
    del inputs["chat_service_sid"]
    assert inputs == default_settings()
    assert default_settings()["new_message"] == {"enabled": False, "template": "", "sound": "",
                                                 "badge_count_enabled": False,
                                                 "with_media": {"enabled": False, "template": ""}}


def test_models_and_dicts_are_the_same_input() -> None:
    from_models = checked(new_message=NewMessage(enabled=True, with_media=WithMedia(template="${MEDIA}")),
                          added_to_conversation=AddedToConversation(sound="ring"))
    from_dicts = checked(new_message={"enabled": True, "with_media": {"template": "${MEDIA}"}},
                         added_to_conversation={"sound": "ring"})
    assert from_models == from_dicts


def test_null_and_empty_string_are_the_same() -> None:
    assert checked(new_message={"template": None}) == checked(new_message={"template": ""}) == checked()


# --- check failures -------------------------------------------------------------------------------------

BAD_INPUTS: list[tuple[dict[str, Any], str, str]] = [
    # (inputs, field named, words the reason must contain)
    ({"chat_service_sid": "XS" + "0" * 32}, "chat_service_sid", "'IS' followed by 32 hex"),
    ({"chat_service_sid": "IS123"}, "chat_service_sid", "32 hex"),
    ({"chat_service_sid": "IS" + "g" * 32}, "chat_service_sid", "32 hex"),
    ({"chat_service_sid": 12}, "chat_service_sid", "must be a string"),
    ({}, "chat_service_sid", "is required"),
    ({"log_enabled": "true"}, "log_enabled", "must be a boolean"),
    ({"log_enabled": 1}, "log_enabled", "must be a boolean"),
    ({"new_message": {"enabled": "yes"}}, "new_message.enabled", "must be a boolean"),
    ({"new_message": {"template": 5}}, "new_message.template", "must be a string"),
    ({"new_message": {"template": {"a": 1}}}, "new_message.template", "must be a string"),
    ({"new_message": "on"}, "new_message", "must be an object"),
    ({"new_message": {"with_media": {"sound": "x"}}}, "new_message.with_media.sound", "unknown field 'sound'"),
    ({"new_mesage": {}}, "new_mesage", "did you mean 'new_message'"),
    ({"new_message": {"enbled": True}}, "new_message.enbled", "did you mean 'enabled'"),
    ({"added_to_conversation": {"template": "${MESSAGE"}}, "added_to_conversation.template", "write '${MESSAGE}'"),
    ({"new_message": {"template": "$MESSAGE}"}}, "new_message.template", "write '${MESSAGE}'"),
    ({"new_message": {"template": "hi $PARTICIPANT"}}, "new_message.template", "write '${PARTICIPANT}'"),
    ({"new_message": {"template": "hi {MESSAGE}"}}, "new_message.template", "write '${MESSAGE}'"),
    ({"new_message": {"template": "x ${}"}}, "new_message.template", "empty placeholder"),
    ({"removed_from_conversation": {"sound": "a\x00b"}}, "removed_from_conversation.sound", "control character"),
    ({"new_message": {"template": "x" * 5000}}, "new_message.template", "the limit is 1024"),
]


@pytest.mark.parametrize(("values", "field", "words"), BAD_INPUTS)
def test_check_failure_names_field_and_fix(values: dict[str, Any], field: str, words: str) -> None:
    inputs = {"chat_service_sid": SID, **values} if "chat_service_sid" not in values and values != {} else values
    _, problems = validate_settings(inputs)
    assert problems, f"{values} was accepted"
    assert any(p.field == field and words in p.reason for p in problems), problems


@pytest.mark.parametrize(
    "template",
    ["plain text", "${CONVERSATION}: ${PARTICIPANT} said ${MESSAGE}", "50% off, $5 only", "{curly}", "ünïcode 🎉",
     "line\nbreak\ttab", ""],
)
def test_good_templates_pass(template: str) -> None:
    checked(new_message={"template": template})


# --- warnings -----------------------------------------------------------------------------------------

# Per event, what Twilio's "Push Notification Configuration for Conversations" page documents.
_EVERY_EVENT = ("${PARTICIPANT} ${PARTICIPANT_FRIENDLY_NAME} ${PARTICIPANT_IDENTITY} ${PARTICIPANT_SID} "
                "${CONVERSATION} ${CONVERSATION_FRIENDLY_NAME} ${CONVERSATION_SID} ${CONVERSATION_UNIQUE_NAME}")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"new_message": {"template": _EVERY_EVENT + " ${MESSAGE}"}}, []),
        ({"new_message": {"with_media": {"template": _EVERY_EVENT + " ${MEDIA_COUNT} ${MEDIA}"}}}, []),
        ({"added_to_conversation": {"template": _EVERY_EVENT}}, []),
        ({"removed_from_conversation": {"template": _EVERY_EVENT}}, []),
        ({"new_message": {"template": "${MEDIA_COUNT} files"}}, ["new_message.template"]),
        ({"new_message": {"with_media": {"template": "${MESSAGE}"}}}, ["new_message.with_media.template"]),
        ({"added_to_conversation": {"template": "${MESSAGE}"}}, ["added_to_conversation.template"]),
        ({"removed_from_conversation": {"template": "${MEDIA}"}}, ["removed_from_conversation.template"]),
        ({"new_message": {"template": "${SENDER}"}}, ["new_message.template"]),
        ({"new_message": {"template": "x" * 179}}, ["new_message.template"]),
        ({"new_message": {"template": "x" * 178}}, []),
        # Placeholders are not counted: their values are known only when Twilio sends the push.
        ({"new_message": {"template": "${MESSAGE}" + "x" * 178}}, []),
        ({"new_message": {"template": "${MESSAGE}" + "x" * 179}}, ["new_message.template"]),
    ],
)
def test_template_warnings(values: dict[str, Any], expected: list[str]) -> None:
    assert [w.field for w in template_warnings(checked(**values))] == expected


def test_length_warning_says_the_end_may_be_cut_and_counts_fixed_text() -> None:
    (warning,) = template_warnings(checked(new_message={"template": "${MESSAGE} " + "x" * 200}))
    assert "201 characters besides its placeholders" in warning.reason and "may be cut" in warning.reason


@pytest.mark.parametrize(("template", "fix"), [
    ("$PARTICIPANT_SID said hi", "write '${PARTICIPANT_SID}'"),
    ("{CONVERSATION_UNIQUE_NAME}", "write '${CONVERSATION_UNIQUE_NAME}'"),
])
def test_malformed_long_placeholders_are_named_whole(template: str, fix: str) -> None:
    _, problems = validate_settings({"chat_service_sid": SID, "new_message": {"template": template}})
    assert len(problems) == 1 and fix in problems[0].reason


# Each template is set on the event its path names; the values go through check first, as in the providers.
def warned(event: str, template: str) -> list[str]:
    values: dict[str, Any] = {"template": template}
    for part in reversed(event.split(".")):
        values = {part: values}
    return [w.reason for w in template_warnings(checked(**values))]


@pytest.mark.parametrize(("event", "template", "words"), [
    # A near-miss of a placeholder of this event.
    ("new_message", "${MESAGE}", "did you mean '${MESSAGE}'?"),
    ("new_message", "${MESSAGES}", "did you mean '${MESSAGE}'?"),
    ("new_message", "${message}", "did you mean '${MESSAGE}'?"),
    ("removed_from_conversation", "${PARTICPANT} left", "did you mean '${PARTICIPANT}'?"),
    ("new_message.with_media", "${MEDIA_CONT} files", "did you mean '${MEDIA_COUNT}'?"),
    ("added_to_conversation", "${Conversation_Friendly_Name}", "did you mean '${CONVERSATION_FRIENDLY_NAME}'?"),
    # A placeholder (or a near-miss of one) that Twilio documents for another event only.
    ("added_to_conversation", "${MESSAGE}", "Twilio documents '${MESSAGE}' only for new_message.template"),
    ("new_message", "${MEDIA}", "Twilio documents '${MEDIA}' only for new_message.with_media.template"),
    ("new_message.with_media", "${MESSAGE}", "Twilio documents '${MESSAGE}' only for new_message.template"),
    ("added_to_conversation", "${message}",
     "did you mean '${MESSAGE}'? Twilio documents '${MESSAGE}' only for new_message.template"),
    ("new_message", "${MEDIA_CUONT}",
     "did you mean '${MEDIA_COUNT}'? Twilio documents '${MEDIA_COUNT}' only for new_message.with_media.template"),
    # Other template languages' placeholders, which Twilio sends as typed.
    ("new_message", "{{ MESSAGE }}", "'{{ MESSAGE }}' is not Twilio's placeholder syntax"),
    ("new_message", "{{ MESSAGE }}", "write '${MESSAGE}'"),
    ("new_message", "{{message}}", "write '${MESSAGE}'"),
    ("new_message", "{{ mesage }}", "did you mean '${MESSAGE}'?"),
    ("new_message", "{{ user.name }}", "'{{ user.name }}' is not Twilio's placeholder syntax"),
    ("new_message", "{message}", "write '${MESSAGE}'"),
    ("new_message", "{ message }", "write '${MESSAGE}'"),
    ("new_message", "from { conversation sid }", "write '${CONVERSATION_SID}'"),
    ("new_message", "%MESSAGE%", "write '${MESSAGE}'"),
    ("new_message", "%message%", "write '${MESSAGE}'"),
    ("new_message", "$message", "write '${MESSAGE}'"),
    ("new_message", "$Participant_Sid said", "write '${PARTICIPANT_SID}'"),
    ("new_message", "{{ MEDIA }}",
     "write '${MEDIA}' (Twilio documents '${MEDIA}' only for new_message.with_media.template)"),
    ("added_to_conversation", "%MESSAGE%", "(Twilio documents '${MESSAGE}' only for new_message.template)"),
])
def test_template_warning_says_what_was_meant(event: str, template: str, words: str) -> None:
    (reason,) = warned(event, template)
    assert words in reason, reason


def test_a_mistyped_placeholder_warns_with_the_fix_and_the_placeholders_of_its_event() -> None:
    assert warned("new_message", "${PARTICIPANT}: ${MESAGE}") == [
        "'${MESAGE}' is not a placeholder Twilio documents for this event, so it may be sent as typed: did you mean "
        "'${MESSAGE}'? documented for this event: ${CONVERSATION}, ${CONVERSATION_FRIENDLY_NAME}, "
        "${CONVERSATION_SID}, ${CONVERSATION_UNIQUE_NAME}, ${MESSAGE}, ${PARTICIPANT}, ${PARTICIPANT_FRIENDLY_NAME}, "
        "${PARTICIPANT_IDENTITY}, ${PARTICIPANT_SID}"]


@pytest.mark.parametrize("template", ["${SENDER}", "${USER}", "${NAME}", "{{ user.name }}", "{{ date }}"])
def test_a_placeholder_like_no_documented_one_warns_without_a_guess(template: str) -> None:
    (reason,) = warned("new_message", template)
    assert "did you mean" not in reason and "write" not in reason
    assert "documented for this event: ${CONVERSATION}" in reason


@pytest.mark.parametrize("template", [
    "$5 off", "50% off, 20% more", "{smile}", "a lone $ sign", "$", "$$", "%%", "{}", "{{}}", "$USD 10", "100%",
    "{curly} prose", "costs ${MESSAGE} $5", "message and participant, as words", "MESSAGE in capitals",
    "{message!}", "$messages", "%message", "message%", "{{", "}}", "{{ }}", "{${MESSAGE}}",
])
def test_ordinary_text_warns_nothing(template: str) -> None:
    assert warned("new_message", template) == []


@pytest.mark.parametrize(("template", "quoted"), [
    ("{{MESSAGE}}", "'{{MESSAGE}}'"),
    ("${ MESSAGE }", "'${ MESSAGE }'"),
    ("{MESSAGE}", "'{MESSAGE}'"),
    ("$MESSAGE", "'$MESSAGE'"),
])
def test_exact_names_in_another_syntax_stay_errors_quoting_what_was_typed(template: str, quoted: str) -> None:
    _, problems = validate_settings({"chat_service_sid": SID, "new_message": {"template": template}})
    (problem,) = problems
    assert problem.field == "new_message.template"
    assert quoted in problem.reason and "write '${MESSAGE}'" in problem.reason


def test_a_template_with_an_error_gets_the_error_and_not_also_a_style_warning() -> None:
    # The dynamic resource warns about an Output's template once known, while its check refuses it.
    assert template_warnings({"new_message": {"template": "$MESSAGE {{ message }}"}}) == []


def test_each_mistake_warns_once() -> None:
    assert len(warned("new_message", "{{ message }} and {{ message }}, ${MESAGE} ${MESAGE}")) == 2


# Plain words: no '$', '%', '{' or '}', so they cannot spell a placeholder; prose that has them is sampled.
_WORDS = st.text(st.sampled_from("abcXYZ019 .,!?:;'-()"), min_size=1, max_size=8)
_PROSE = st.sampled_from(["$5", "50%", "$", "{smile}", "{}", "100%", "$USD", "{curly braces}", "%", "$$"])


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(PLACEHOLDERS)).flatmap(lambda event: st.tuples(
    st.just(event), st.lists(st.one_of(st.sampled_from(sorted("${" + n + "}" for n in PLACEHOLDERS[event])),
                                       _WORDS, _PROSE), max_size=12).map(" ".join))))
def test_documented_placeholders_and_plain_words_warn_nothing(case: tuple[str, str]) -> None:
    event, template = case
    assert warned(event, template) == [], template


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(PLACEHOLDERS)).flatmap(lambda event: st.tuples(
    st.just(event), st.sampled_from(sorted(PLACEHOLDERS[event])), st.integers(0, 30),
    st.sampled_from(["delete", "replace", "insert"]), st.sampled_from("ABEGNOSTZ_7abez"))))
def test_one_typo_in_a_placeholder_of_the_event_is_answered_with_one_of_the_event(
        case: tuple[str, str, int, str, str]) -> None:
    event, name, at, edit, char = case
    at %= len(name)
    typo = {"delete": name[:at] + name[at + 1:], "replace": name[:at] + char + name[at + 1:],
            "insert": name[:at] + char + name[at:]}[edit]
    assume(typo not in PLACEHOLDERS[event] and typo.upper() not in ALL_PLACEHOLDERS - PLACEHOLDERS[event])
    (reason,) = warned(event, "${" + typo + "}")
    meant = re.search(r"did you mean '\$\{([A-Z_]+)\}'\?", reason)
    assert meant is not None and meant.group(1) in PLACEHOLDERS[event], reason


# --- unknown values during preview ------------------------------------------------------------------------

def test_unknowns_pass_through_check() -> None:
    unknown_sid, unknown_flag, unknown_obj = Unknown(), Unknown(), Unknown()  # type: ignore[no-untyped-call]
    inputs, problems = validate_settings({"chat_service_sid": unknown_sid, "new_message": {"enabled": unknown_flag},
                                          "added_to_conversation": unknown_obj})
    assert problems == []
    assert inputs["chat_service_sid"] is unknown_sid
    assert inputs["new_message"]["enabled"] is unknown_flag
    assert inputs["new_message"]["template"] == ""
    assert inputs["added_to_conversation"] is unknown_obj


def test_known_parts_are_still_validated_next_to_unknowns() -> None:
    _, problems = validate_settings({"chat_service_sid": Unknown(),  # type: ignore[no-untyped-call]
                                     "new_message": {"enabled": "yes"}})
    assert [p.field for p in problems] == ["new_message.enabled"]


# --- diff ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("live", "desired", "changed"),
    [
        ({}, {}, []),
        ({"log_enabled": True}, {}, ["log_enabled"]),
        ({}, {"new_message": {"template": "a"}}, ["new_message.template"]),
        ({"new_message": {"template": "a"}}, {"new_message": {"template": "a"}}, []),
        ({"new_message": {"with_media": {"enabled": True}}}, {}, ["new_message.with_media.enabled"]),
        ({"added_to_conversation": {"sound": "x"}, "removed_from_conversation": {"enabled": True}},
         {"added_to_conversation": {"sound": "y"}},
         ["added_to_conversation.sound", "removed_from_conversation.enabled"]),
    ],
)
def test_changed_paths(live: dict[str, Any], desired: dict[str, Any], changed: list[str]) -> None:
    assert changed_paths(checked(**live), checked(**desired)) == changed


def test_diff_treats_null_like_empty_and_missing() -> None:
    live = checked()
    live["new_message"]["template"] = None
    del live["added_to_conversation"]["sound"]
    assert changed_paths(live, checked()) == []


def test_unknown_value_counts_as_a_change() -> None:
    desired = checked()
    desired["new_message"]["sound"] = Unknown()  # type: ignore[no-untyped-call]
    assert changed_paths(checked(), desired) == ["new_message.sound"]
