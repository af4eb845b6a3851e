"""Tables for the Conversations Service's pure parts: inputs, the wire mapping against Twilio's spec,
refresh and diff (every change a replace: Twilio has no update of a Service)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.output import Unknown

from pulumi_twilio_conversations.core.models import SettingsError
from pulumi_twilio_conversations.core.service import (
    FIELDS,
    OUTPUT_FIELDS,
    REPLACE_FIELDS,
    SECRET_FIELDS,
    UPDATE_FIELDS,
    Inputs,
    changed,
    from_api,
    kept,
    read_inputs,
    replaces,
    to_form,
    validate,
)
from pulumi_twilio_conversations.core.wire import MalformedResponse

from conftest import SPEC_MISSING, SPEC_PATH

SID = "IS" + "a" * 32
needs_spec = pytest.mark.skipif(not SPEC_PATH.exists(), reason=SPEC_MISSING)


def spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text())  # type: ignore[no-any-return]


def ok(**values: Any) -> dict[str, Any]:
    inputs, problems = validate(values)
    assert problems == []
    return inputs


# --- the spec ---------------------------------------------------------------------------------------------

@needs_spec
def test_form_fields_are_the_ones_of_twilios_create_service_request() -> None:
    body = spec()["paths"]["/v1/Services"]["post"]["requestBody"]
    schema = body["content"]["application/x-www-form-urlencoded"]["schema"]
    assert {f.form for f in FIELDS} == set(schema["properties"]) == {"FriendlyName"}
    assert schema["required"] == ["FriendlyName"]
    assert schema["properties"]["FriendlyName"]["type"] == "string"


@needs_spec
def test_twilio_has_no_update_of_a_service_so_every_change_is_a_replace() -> None:
    assert set(spec()["paths"]["/v1/Services/{Sid}"]) - {"servers", "description", "x-twilio"} == {"get", "delete"}
    assert UPDATE_FIELDS == ()
    assert REPLACE_FIELDS == {f.path for f in FIELDS}
    assert SECRET_FIELDS == frozenset()


@needs_spec
def test_outputs_are_twilios_service_schema() -> None:
    properties = spec()["components"]["schemas"]["conversations.v1.service"]["properties"]
    assert set(OUTPUT_FIELDS) == set(properties)


@needs_spec
@pytest.mark.parametrize(("path", "method", "status", "example"), [
    ("/v1/Services", "post", "201", "create"),
    ("/v1/Services/{Sid}", "get", "200", "fetch"),
])
def test_from_api_reads_the_spec_examples(path: str, method: str, status: str, example: str) -> None:
    content = spec()["paths"][path][method]["responses"][status]["content"]["application/json"]
    body = content["examples"][example]["value"]
    outs = from_api(body)
    assert list(outs) == list(OUTPUT_FIELDS)
    assert outs["sid"].startswith("IS") and outs["friendly_name"] == body["friendly_name"]
    assert outs["links"]["configuration"].endswith("/Configuration")


# --- inputs -------------------------------------------------------------------------------------------------

def test_a_name_is_all_a_service_needs_and_it_is_protected_unless_said() -> None:
    assert ok(friendly_name="support-dev") == {"friendly_name": "support-dev", "deletion_protection": True}
    assert ok(friendly_name="x" * 256, deletion_protection=False) == {"friendly_name": "x" * 256,
                                                                      "deletion_protection": False}
    name = Unknown()  # type: ignore[no-untyped-call]
    assert ok(friendly_name=name)["friendly_name"] is name  # e.g. f"support-{stack}" from an Output


@pytest.mark.parametrize(("values", "field", "words"), [
    ({}, "friendly_name", "is required: a name for the service, up to 256 characters"),
    ({"friendly_name": ""}, "friendly_name", "is required"),
    ({"friendly_name": "x" * 257}, "friendly_name", "is 257 characters long; Twilio's limit is 256"),
    ({"friendly_name": 5}, "friendly_name", "must be a string, got int 5"),
    ({"friendly_name": "a\x00b"}, "friendly_name", "control character"),
    ({"friendly_name": "s", "friendlyname": "s"}, "friendlyname", "did you mean 'friendly_name'?"),
    ({"friendly_name": [[["deep"]]]}, "friendly_name", "nests objects more than 1 level deep"),
])
def test_a_mistake_names_the_field_and_the_fix(values: dict[str, Any], field: str, words: str) -> None:
    inputs, problems = validate(values)
    assert inputs == {}
    reasons = {p.field: p.reason for p in problems}
    assert words in reasons[field], problems


def test_a_name_of_the_wrong_type_is_one_problem() -> None:
    assert [p.field for p in validate({"friendly_name": 5})[1]] == ["friendly_name"]


def test_a_read_or_an_import_may_have_no_name() -> None:
    assert validate({"friendly_name": ""}, require=False)[1] == []


def test_the_model_is_a_settings_error_naming_the_program_line() -> None:
    assert Inputs(friendly_name="support").friendly_name == "support"
    with pytest.raises(SettingsError) as caught:
        Inputs()
    line = next(i for i, text in enumerate(Path(__file__).read_text().splitlines(), 1)
                if text.strip() == "Inputs()")
    assert str(caught.value) == (f"Service(...) at tests/test_service.py:{line} has invalid inputs:\n"
                                 "  friendly_name: is required: a name for the service, up to 256 characters "
                                 "(Twilio's CreateService requires FriendlyName)")
    assert isinstance(caught.value, pulumi.RunError)


# --- the wire, refresh and diff -------------------------------------------------------------------------------

def test_a_create_sends_the_name() -> None:
    assert to_form(ok(friendly_name="support-prod")) == {"FriendlyName": "support-prod"}


def test_there_is_no_update_form() -> None:
    assert to_form(ok(friendly_name="a"), only=[]) == {}
    with pytest.raises(KeyError, match="must be a replace"):
        to_form(ok(friendly_name="a"), only=["friendly_name"])


def test_from_api_types_the_answer() -> None:
    outs = from_api({"sid": SID, "friendly_name": None, "links": None})
    assert outs == {"sid": SID, "account_sid": "", "friendly_name": "", "date_created": "", "date_updated": "",
                    "url": "", "links": {}}


@pytest.mark.parametrize("body", [[], "x", {"sid": 5}, {"friendly_name": ["a"]}, {"links": "x"},
                                  {"links": {"conversations": 5}}])
def test_from_api_refuses_a_malformed_answer(body: Any) -> None:
    with pytest.raises(MalformedResponse):
        from_api(body)


def _answer(form: dict[str, str]) -> dict[str, Any]:
    url = f"https://conversations.twilio.com/v1/Services/{SID}"
    return {"sid": SID, "account_sid": "AC" + "b" * 32, "friendly_name": form["FriendlyName"],
            "date_created": "2025-01-01T00:00:00Z", "date_updated": "2025-01-01T00:00:00Z", "url": url,
            "links": {"configuration": f"{url}/Configuration"}}


def test_up_then_preview_shows_no_changes_and_refresh_reads_the_same_inputs() -> None:
    inputs = ok(friendly_name="support-dev")
    live = kept(from_api(_answer(to_form(inputs))), inputs)
    assert changed(live, inputs) == [] and replaces(live, inputs) == []
    assert read_inputs(live, inputs) == inputs


def test_a_new_name_or_a_rename_in_the_console_is_a_replace() -> None:
    inputs = ok(friendly_name="support-dev")
    live = kept(from_api(_answer(to_form(inputs))), inputs)
    assert replaces(live, ok(friendly_name="support-prod")) == ["friendly_name"]
    renamed = {**live, "friendly_name": "renamed"}
    assert read_inputs(renamed, inputs) == {"friendly_name": "renamed", "deletion_protection": True}
    assert replaces(renamed, inputs) == ["friendly_name"]
    assert replaces(live, ok(friendly_name=Unknown())) == ["friendly_name"]  # type: ignore[no-untyped-call]
