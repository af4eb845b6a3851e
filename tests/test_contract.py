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


# --- services and push credentials: every request and every answer, against the spec ----------------------

FAKE_PEM = "-----BEGIN CERTIFICATE-----\nMIIFnTCCBIWgAwIBAgIIcontract0TESTcert==\n-----END CERTIFICATE-----"
FAKE_KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpQIBAAKCAQEAcontract0TESTkey==\n-----END RSA PRIVATE KEY-----"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text())  # type: ignore[no-any-return]


def exchange(emulator: Emulator, spec: OpenAPI, method: str, path: str, **kwargs: Any) -> requests.Response:
    """Send one request to the emulator; validate it, as it would have gone to Twilio, and the answer."""
    response = requests.request(method, emulator.url + path, auth=(ACCOUNT, TOKEN), timeout=5, **kwargs)
    return validated(emulator, spec, response)


def validated(emulator: Emulator, spec: OpenAPI, response: requests.Response) -> requests.Response:
    twilio = response.request.copy()
    assert twilio.url is not None
    twilio.url = twilio.url.replace(emulator.url, TWILIO, 1)
    spec.validate_request(RequestsOpenAPIRequest(twilio))
    spec.validate_response(RequestsOpenAPIRequest(twilio), RequestsOpenAPIResponse(response))
    return response


def properties(document: dict[str, Any], schema: str) -> set[str]:
    return set(document["components"]["schemas"][schema]["properties"])


def form_properties(document: dict[str, Any], path: str) -> dict[str, Any]:
    body = document["paths"][path]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
    return body["schema"]  # type: ignore[no-any-return]


def test_a_credential_lifecycle_matches_the_spec(emulator: Emulator, spec: OpenAPI, document: dict[str, Any]) -> None:
    declared = properties(document, "conversations.v1.credential")
    created = exchange(emulator, spec, "POST", "/v1/Credentials",
                       data={"Type": "apn", "FriendlyName": "ios", "Certificate": FAKE_PEM, "PrivateKey": FAKE_KEY,
                             "Sandbox": "true"})
    assert created.status_code == 201 and set(created.json()) == declared
    sid = created.json()["sid"]
    fetched = exchange(emulator, spec, "GET", f"/v1/Credentials/{sid}")
    assert fetched.status_code == 200 and fetched.json() == created.json()
    listed = exchange(emulator, spec, "GET", "/v1/Credentials")
    assert listed.status_code == 200 and listed.json()["credentials"] == [created.json()]
    updated = exchange(emulator, spec, "POST", f"/v1/Credentials/{sid}",
                       data={"FriendlyName": "ios-prod", "Sandbox": "false", "Certificate": FAKE_PEM})
    assert updated.status_code == 200 and set(updated.json()) == declared
    assert (updated.json()["friendly_name"], updated.json()["sandbox"]) == ("ios-prod", "False")
    deleted = exchange(emulator, spec, "DELETE", f"/v1/Credentials/{sid}")
    assert (deleted.status_code, deleted.content) == (204, b"")


@pytest.mark.parametrize("form", [{"Type": "fcm", "Secret": "fcm-server-key"}, {"Type": "gcm", "ApiKey": "gcm-key"},
                                  {"Type": "apn"}])
def test_each_credential_type_is_answered_as_the_spec_declares(emulator: Emulator, spec: OpenAPI,
                                                               form: dict[str, str]) -> None:
    created = exchange(emulator, spec, "POST", "/v1/Credentials", data=form)
    assert created.status_code == 201
    assert (created.json()["type"], created.json()["sandbox"]) == (form["Type"], "False")


def test_a_service_lifecycle_matches_the_spec(emulator: Emulator, spec: OpenAPI, document: dict[str, Any]) -> None:
    created = exchange(emulator, spec, "POST", "/v1/Services", data={"FriendlyName": "support-dev"})
    assert created.status_code == 201 and set(created.json()) == properties(document, "conversations.v1.service")
    sid = created.json()["sid"]
    example = document["paths"]["/v1/Services/{Sid}"]["get"]["responses"]["200"]["content"]["application/json"]
    assert set(created.json()["links"]) == set(example["examples"]["fetch"]["value"]["links"])
    fetched = exchange(emulator, spec, "GET", f"/v1/Services/{sid}")
    assert fetched.status_code == 200 and fetched.json() == created.json()
    listed = exchange(emulator, spec, "GET", "/v1/Services")
    assert sid in [s["sid"] for s in listed.json()["services"]]
    settings = exchange(emulator, spec, "GET", f"/v1/Services/{sid}/Configuration/Notifications")
    assert settings.status_code == 200
    deleted = exchange(emulator, spec, "DELETE", f"/v1/Services/{sid}")
    assert (deleted.status_code, deleted.content) == (204, b"")


@pytest.mark.parametrize(("path", "key", "create"), [
    ("/v1/Credentials", "credentials", {"Type": "fcm", "Secret": "k"}),
    ("/v1/Services", "services", {"FriendlyName": "s"}),
])
def test_a_list_pages_as_the_spec_declares(emulator: Emulator, spec: OpenAPI, document: dict[str, Any], path: str,
                                           key: str, create: dict[str, str]) -> None:
    for _ in range(3):
        exchange(emulator, spec, "POST", path, data=create)
    everything = [item["sid"] for item in exchange(emulator, spec, "GET", path).json()[key]]
    assert len(everything) >= 3
    schema = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    first = exchange(emulator, spec, "GET", path, params={"PageSize": 2}).json()
    assert set(first) == set(schema["properties"])
    assert set(first["meta"]) == set(schema["properties"]["meta"]["properties"])
    assert (first["meta"]["key"], first["meta"]["page_size"], first["meta"]["previous_page_url"]) == (key, 2, None)
    seen, page = [], first
    while True:  # follow next_page_url as a client does, to the end
        seen += [item["sid"] for item in page[key]]
        if page["meta"]["next_page_url"] is None:
            break
        next_url = page["meta"]["next_page_url"]
        assert next_url.startswith(emulator.url + path + "?")
        page = validated(emulator, spec, requests.get(next_url, auth=(ACCOUNT, TOKEN), timeout=5)).json()
    assert seen == everything
    back = validated(emulator, spec, requests.get(page["meta"]["previous_page_url"], auth=(ACCOUNT, TOKEN),
                                                  timeout=5)).json()
    assert [item["sid"] for item in back[key]] == everything[-len(page[key]) - 2:-len(page[key])]


def test_spec_validation_rejects_a_credential_whose_sandbox_is_a_boolean(emulator: Emulator, spec: OpenAPI) -> None:
    created = exchange(emulator, spec, "POST", "/v1/Credentials", data={"Type": "apn"})
    created._content = json.dumps({**created.json(), "sandbox": False}).encode()
    with pytest.raises(OpenAPIError):
        validated(emulator, spec, created)


@pytest.mark.parametrize(("path", "fields"), [
    ("/v1/Credentials", "_CREDENTIAL_KINDS"),
    ("/v1/Credentials/{Sid}", "_CREDENTIAL_KINDS"),
    ("/v1/Services", "_SERVICE_KINDS"),
])
def test_the_emulators_form_fields_are_the_specs(document: dict[str, Any], path: str, fields: str) -> None:
    from pulumi_twilio_conversations import emulator as module

    kinds: dict[str, str] = getattr(module, fields)
    declared = form_properties(document, path)["properties"]
    spec_kinds = {name: "push_type" if "$ref" in prop else {"boolean": "bool", "string": "text"}[prop["type"]]
                  for name, prop in declared.items()}
    assert kinds == spec_kinds
    enum = document["components"]["schemas"]["credential_enum_push_type"]["enum"]
    assert set(module.PUSH_TYPES) == set(enum)


@pytest.mark.parametrize("path", ["/v1/Credentials", "/v1/Credentials/{Sid}", "/v1/Services", "/v1/Services/{Sid}",
                                  OPERATION, "/v1/Configuration"])
def test_each_path_answers_the_methods_of_the_spec_and_405_for_the_others(emulator: Emulator,
                                                                          document: dict[str, Any], path: str) -> None:
    credential = requests.post(f"{emulator.url}/v1/Credentials", data={"Type": "fcm"}, auth=(ACCOUNT, TOKEN),
                               timeout=5).json()["sid"]
    concrete = path.format(Sid=SID if "Services" in path else credential, ChatServiceSid=SID)
    has = {m.upper() for m in document["paths"][path] if m in ("get", "post", "delete")}
    for method in ("GET", "POST", "DELETE"):
        response = requests.request(method, emulator.url + concrete, auth=(ACCOUNT, TOKEN), timeout=5)
        if method in has:
            assert response.status_code not in (404, 405), (method, path)
        else:
            assert (response.status_code, response.json()["code"]) == (405, 20004), (method, path)
            assert set(response.headers["Allow"].split(", ")) == has
