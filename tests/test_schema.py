"""The native provider's package schema: generated from the models, valid against Pulumi's metaschema."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pulumi_twilio_conversations.core.config import CONFIG_KEYS, env_name
from pulumi_twilio_conversations.core.models import NewMessage, WithMedia
from pulumi_twilio_conversations.core.templates import describe
from pulumi_twilio_conversations.core.wire import WIRE_FIELDS
from pulumi_twilio_conversations.native.schema import (
    PACKAGE,
    RESOURCE_TOKEN,
    camel_tree,
    package_schema,
    snake_spelled,
    snake_tree,
    to_camel,
    to_snake,
)

METASCHEMA = Path(__file__).resolve().parents[2] / "shared" / "pulumi-schema" / "pulumi.json"
"""Pulumi's metaschema, pkg/codegen/schema/pulumi.json (see its SOURCE.md), beside the repository."""


def metaschema() -> dict[str, Any]:
    if not METASCHEMA.is_file():
        pytest.skip(f"Pulumi's metaschema is not at {METASCHEMA}")
    text = METASCHEMA.read_text()
    # The version pattern uses ECMAScript/Go named groups `(?<name>...)`, which Python's `re` rejects
    # ("unknown extension ?<n"); `(?P<name>...)` means the same.
    return json.loads(re.sub(r"\(\?<([A-Za-z_][A-Za-z0-9_]*)>", r"(?P<\1>", text))  # type: ignore[no-any-return]


def validator() -> jsonschema.Draft202012Validator:
    meta = metaschema()
    jsonschema.Draft202012Validator.check_schema(meta)
    return jsonschema.Draft202012Validator(meta, format_checker=jsonschema.FormatChecker())


def test_the_metaschema_needs_the_group_rewrite() -> None:
    if not METASCHEMA.is_file():
        pytest.skip(f"Pulumi's metaschema is not at {METASCHEMA}")
    raw = json.loads(METASCHEMA.read_text())
    with pytest.raises(re.error):
        re.compile(raw["properties"]["version"]["pattern"])


def test_schema_validates_against_pulumis_metaschema() -> None:
    errors = sorted(validator().iter_errors(package_schema()), key=lambda e: list(e.path))
    assert [f"{list(e.path)}: {e.message}" for e in errors] == []


def test_the_validator_rejects_a_broken_schema() -> None:
    broken = package_schema()
    broken["version"] = "not-a-version"
    broken["resources"]["twilio-conversations:index:ServiceNotifications"]["inputProperties"]["logEnabled"] = {
        "type": "bool"}
    messages = [e.message for e in validator().iter_errors(broken)]
    assert any("not-a-version" in m for m in messages)
    assert len(messages) >= 2


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    ref = spec.get("$ref")
    if ref is None:
        return spec
    return schema["types"][ref.removeprefix("#/types/")]  # type: ignore[no-any-return]


def _spec_at(schema: dict[str, Any], properties: dict[str, Any], camel_path: str) -> dict[str, Any]:
    head, *rest = camel_path.split(".")
    spec: dict[str, Any] = properties[head]
    for part in rest:
        spec = _resolve(schema, spec)["properties"][part]
    return spec


@pytest.mark.parametrize("section", ["inputProperties", "properties"])
def test_every_wire_field_is_at_its_camel_case_path(section: str) -> None:
    schema = package_schema()
    properties = schema["resources"][RESOURCE_TOKEN][section]
    for field in WIRE_FIELDS:
        spec = _spec_at(schema, properties, to_camel(field.path))
        assert spec["type"] == ("boolean" if field.kind is bool else "string"), field.path
    assert _spec_at(schema, properties, "newMessage.withMedia.template")["type"] == "string"
    assert _spec_at(schema, properties, "newMessage.badgeCountEnabled")["type"] == "boolean"


def test_resource_shape() -> None:
    resource = package_schema()["resources"][RESOURCE_TOKEN]
    assert RESOURCE_TOKEN == "twilio-conversations:index:ServiceNotifications"
    assert resource["requiredInputs"] == ["chatServiceSid"]
    assert set(resource["properties"]) == {"accountSid", "url", "chatServiceSid", "logEnabled", "newMessage",
                                           "addedToConversation", "removedFromConversation"}
    assert set(resource["inputProperties"]) == set(resource["properties"]) - {"accountSid", "url"}
    assert resource["inputProperties"]["chatServiceSid"]["replaceOnChanges"] is True


def test_object_types_carry_the_models_descriptions() -> None:
    schema = package_schema()
    types = schema["types"]
    assert set(types) == {f"{PACKAGE}:index:{n}" for n in
                          ("NewMessage", "WithMedia", "AddedToConversation", "RemovedFromConversation")}
    new_message = types["twilio-conversations:index:NewMessage"]
    assert new_message["description"].startswith("Notification for a new message")
    assert new_message["properties"]["sound"]["description"] == NewMessage.model_fields["sound"].description
    assert new_message["properties"]["withMedia"] == {
        "$ref": "#/types/twilio-conversations:index:WithMedia",
        "description": "Settings for messages that carry media."}
    media_template = types["twilio-conversations:index:WithMedia"]["properties"]["template"]["description"]
    assert media_template.startswith(str(WithMedia.model_fields["template"].description))
    assert media_template.endswith(describe("new_message.with_media"))
    assert "${MEDIA_COUNT}" in media_template


def test_provider_config_with_environment_defaults_and_secrets() -> None:
    schema = package_schema()
    variables = schema["config"]["variables"]
    assert set(variables) == set(CONFIG_KEYS)
    assert schema["provider"]["inputProperties"] == variables
    for key, spec in variables.items():
        assert spec["defaultInfo"]["environment"] == [env_name("twilio", key)], key
        assert spec.get("secret", False) == (key in ("authToken", "apiSecret")), key
    assert variables["baseUrl"]["defaultInfo"]["environment"] == ["TWILIO_CONVERSATIONS_BASE_URL"]
    assert variables["maxRetries"]["type"] == "integer" and variables["readTimeout"]["type"] == "number"


def test_name_mapping_round_trips() -> None:
    for field in WIRE_FIELDS:
        assert to_snake(to_camel(field.path)) == field.path
    assert to_camel("new_message.with_media.template") == "newMessage.withMedia.template"
    tree = {"chat_service_sid": "IS", "new_message": {"badge_count_enabled": True, "with_media": {"enabled": False}}}
    assert snake_tree(camel_tree(tree)) == tree
    assert camel_tree(tree)["newMessage"]["withMedia"] == {"enabled": False}
    assert to_snake("newMessage.soundd") == "new_message.soundd"  # not a field: left for the validation to name
    spelled = snake_spelled({"new_message": {}, "newMessage": {"with_media": {}}})
    assert spelled == ["new_message", "newMessage.with_media"]
