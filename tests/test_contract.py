"""Contract with Twilio's own OpenAPI spec: every request the provider sends, every emulator response.

openapi-core validates security, path, content type and body types. It casts form values leniently
("yes" passes as a boolean), so the booleans' exact encoding and the field names are also checked
against the spec's declared properties here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.exceptions import OpenAPIError

from pulumi_twilio_conversations.core.client import Credentials, HttpSettings, TwilioClient
from pulumi_twilio_conversations.emulator import Emulator, RecordedRequest

from conftest import ACCOUNT, OPERATION, SID, SPEC_MISSING, SPEC_PATH, TOKEN
from harness import Stack

pytestmark = pytest.mark.skipif(not SPEC_PATH.exists(), reason=SPEC_MISSING)
TWILIO = "https://conversations.twilio.com"


@pytest.fixture(scope="module")
def spec() -> OpenAPI:
    return OpenAPI.from_file_path(str(SPEC_PATH))


@pytest.fixture(scope="module")
def form_schema() -> dict[str, Any]:
    document = json.loads(SPEC_PATH.read_text())
    body = document["paths"][OPERATION]["post"]["requestBody"]["content"]
    return body["application/x-www-form-urlencoded"]["schema"]["properties"]  # type: ignore[no-any-return]


def as_twilio_request(recorded: RecordedRequest) -> requests.PreparedRequest:
    """The recorded request as it would have gone to Twilio (the emulator never logs Authorization)."""
    request = requests.Request(recorded.method, TWILIO + recorded.path, auth=(recorded.username or "", "secret"),
                               data=recorded.form if recorded.method == "POST" else None)
    prepared = request.prepare()
    content_type = recorded.headers.get("Content-Type")
    if content_type:
        prepared.headers["Content-Type"] = content_type
    return prepared


def strict_form_problems(form: dict[str, str], schema: dict[str, Any]) -> list[str]:
    problems = []
    for name, value in form.items():
        declared = schema.get(name)
        if declared is None:
            problems.append(f"{name} is not declared by Twilio's spec")
        elif declared["type"] == "boolean" and value not in ("true", "false"):
            problems.append(f"{name}={value!r} is not 'true'/'false'")
        elif declared["type"] == "string" and not isinstance(value, str):
            problems.append(f"{name} is not a string")
    return problems


def test_every_request_of_a_full_lifecycle_matches_the_spec(
    stack: Stack, emulator: Emulator, spec: OpenAPI, form_schema: dict[str, Any]
) -> None:
    sample = {"chat_service_sid": SID, "log_enabled": True,
              "new_message": {"enabled": True, "template": "${MESSAGE}", "sound": "ring", "badge_count_enabled": True,
                              "with_media": {"enabled": True, "template": "${MEDIA_COUNT}"}},
              "added_to_conversation": {"enabled": True, "template": "hi", "sound": "s"},
              "removed_from_conversation": {"enabled": True, "template": "bye", "sound": "t"}}
    stack.up({"push": sample})
    stack.refresh()
    stack.up({"push": {**sample, "new_message": {"enabled": False}}})
    stack.destroy()
    recorded = emulator.api_requests()
    assert [r.method for r in recorded] == ["POST", "GET", "POST", "POST"]
    for request in recorded:
        spec.validate_request(RequestsOpenAPIRequest(as_twilio_request(request)))
        assert strict_form_problems(request.form, form_schema) == []
        if request.method == "POST":
            assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_strict_check_catches_what_the_spec_forbids(form_schema: dict[str, Any]) -> None:
    assert strict_form_problems({"NewMessage.Enabled": "True", "NewMessage.WithMedia.Sound": "x"}, form_schema) == [
        "NewMessage.Enabled='True' is not 'true'/'false'",
        "NewMessage.WithMedia.Sound is not declared by Twilio's spec",
    ]


@pytest.mark.parametrize("form", [None, {}, {"LogEnabled": "true", "NewMessage.Template": "${MESSAGE}"},
                                  {"NewMessage.Sound": ""}])
def test_emulator_responses_match_the_spec(emulator: Emulator, spec: OpenAPI, form: Any) -> None:
    method = "GET" if form is None else "POST"
    response = requests.request(method, emulator.api_url(SID), data=form, auth=(ACCOUNT, TOKEN), timeout=5)
    assert response.status_code == 200
    twilio = requests.Request(method, TWILIO + OPERATION.format(ChatServiceSid=SID), data=form,
                              auth=(ACCOUNT, TOKEN)).prepare()
    spec.validate_response(RequestsOpenAPIRequest(twilio), RequestsOpenAPIResponse(response))


def test_spec_validation_rejects_a_malformed_response(emulator: Emulator, spec: OpenAPI) -> None:
    response = requests.get(emulator.api_url(SID), auth=(ACCOUNT, TOKEN), timeout=5)
    response._content = json.dumps({**response.json(), "log_enabled": "yes"}).encode()
    twilio = requests.Request("GET", TWILIO + OPERATION.format(ChatServiceSid=SID), auth=(ACCOUNT, TOKEN)).prepare()
    with pytest.raises(OpenAPIError):
        spec.validate_response(RequestsOpenAPIRequest(twilio), RequestsOpenAPIResponse(response))


def test_the_account_lookup_matches_the_spec(emulator: Emulator, spec: OpenAPI) -> None:
    key, secret = "SK" + "c3" * 16, "key-secret"
    emulator.state.api_keys[key] = (secret, ACCOUNT)
    client = TwilioClient(HttpSettings(base_url=emulator.url, max_retries=0))
    assert client.caller_account(Credentials(key, secret)) == ACCOUNT
    (recorded,) = emulator.api_requests()
    spec.validate_request(RequestsOpenAPIRequest(as_twilio_request(recorded)))
    response = requests.get(f"{emulator.url}/v1/Configuration", auth=(key, secret), timeout=5)
    twilio = requests.Request("GET", TWILIO + "/v1/Configuration", auth=(key, secret)).prepare()
    spec.validate_response(RequestsOpenAPIRequest(twilio), RequestsOpenAPIResponse(response))
