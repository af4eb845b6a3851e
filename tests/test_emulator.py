"""The bundled emulator behaves like Twilio where the provider depends on it."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Optional

import pytest
import requests

from pulumi_twilio_conversations.core.models import MAX_TEXT_LENGTH
from pulumi_twilio_conversations.emulator import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, Emulator, default_settings_raw

from conftest import ACCOUNT, OTHER_SID, SID, TOKEN


def test_new_service_reads_as_twilio_defaults(emulator: Emulator) -> None:
    body = requests.get(emulator.api_url(SID), auth=(ACCOUNT, TOKEN), timeout=5).json()
    assert body["new_message"] == {"enabled": False, "template": None, "sound": None, "badge_count_enabled": False,
                                   "with_media": {"enabled": False, "template": None}}
    assert body["account_sid"] == ACCOUNT and body["chat_service_sid"] == SID
    assert body["url"] == emulator.api_url(SID)


def test_post_updates_only_given_fields_and_empty_clears(emulator: Emulator) -> None:
    auth = (ACCOUNT, TOKEN)
    requests.post(emulator.api_url(SID), data={"NewMessage.Template": "a", "NewMessage.Sound": "s"}, auth=auth,
                  timeout=5)
    body = requests.post(emulator.api_url(SID), data={"NewMessage.Sound": ""}, auth=auth, timeout=5).json()
    assert body["new_message"]["template"] == "a" and body["new_message"]["sound"] is None


@pytest.mark.parametrize(
    ("form", "words"),
    [
        ({"NewMessage.Enabled": "yes"}, "must be a boolean"),
        ({"NewMessage.Enabled": "True"}, "must be a boolean"),
        ({"NewMessage.Colour": "red"}, "is not a parameter"),
        ({"NewMessage.WithMedia.Sound": "x"}, "is not a parameter"),
    ],
)
def test_malformed_posts_are_rejected_like_twilio(emulator: Emulator, form: dict[str, str], words: str) -> None:
    response = requests.post(emulator.api_url(SID), data=form, auth=(ACCOUNT, TOKEN), timeout=5)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 20001 and body["status"] == 400 and words in body["message"]
    assert emulator.settings(SID)["new_message"]["enabled"] is False


@pytest.mark.parametrize("auth", [None, (ACCOUNT, "wrong"), ("AC" + "0" * 32, TOKEN)])
def test_authentication_required(emulator: Emulator, auth: Any) -> None:
    response = requests.get(emulator.api_url(SID), auth=auth, timeout=5)
    assert response.status_code == 401 and response.json()["code"] == 20003


def test_unknown_or_foreign_service_is_404(emulator: Emulator) -> None:
    other_account = "AC" + "7" * 32
    emulator.state.accounts[other_account] = "other"
    response = requests.get(emulator.api_url(OTHER_SID), auth=(other_account, "other"), timeout=5)
    assert response.status_code == 404 and response.json()["code"] == 20404
    response = requests.get(emulator.api_url("IS" + "9" * 32), auth=(ACCOUNT, TOKEN), timeout=5)
    assert response.status_code == 404


def test_admin_endpoints_manage_services_faults_and_log(emulator: Emulator) -> None:
    new_sid = "IS" + "4" * 32
    assert requests.post(f"{emulator.url}/_emulator/services", json={"sid": new_sid}, timeout=5).status_code == 201
    assert requests.get(emulator.api_url(new_sid), auth=(ACCOUNT, TOKEN), timeout=5).ok
    requests.post(f"{emulator.url}/_emulator/faults", json={"status": 503, "count": 1, "methods": ["POST"]}, timeout=5)
    assert requests.get(emulator.api_url(SID), auth=(ACCOUNT, TOKEN), timeout=5).ok  # GET not affected
    assert requests.post(emulator.api_url(SID), data={}, auth=(ACCOUNT, TOKEN), timeout=5).status_code == 503
    log = requests.get(f"{emulator.url}/_emulator/requests", timeout=5).json()
    assert [r["status"] for r in log] == [200, 200, 503]
    assert all("Authorization" not in r["headers"] for r in log)
    requests.delete(f"{emulator.url}/_emulator/services/{new_sid}", timeout=5)
    assert requests.get(emulator.api_url(new_sid), auth=(ACCOUNT, TOKEN), timeout=5).status_code == 404


# --- behaviours taken from Twilio's documents (emulator.py cites each) --------------------------------------

def test_unknown_fields_are_ignored_like_twilio_unless_strict() -> None:
    with Emulator(services=[SID]) as lenient, Emulator(services=[SID], strict=True) as strict:
        for emu, status in ((lenient, 200), (strict, 400)):
            response = requests.post(emu.api_url(SID), data={"NewMesage.Enabled": "true", "LogEnabled": "true"},
                                     auth=emu.auth, timeout=5)
            assert response.status_code == status
        assert lenient.settings(SID)["log_enabled"] is True  # the known field applied, the typo dropped
        assert strict.settings(SID)["log_enabled"] is False


@pytest.mark.parametrize(("field", "code"), [("NewMessage.Template", 50058), ("AddedToConversation.Sound", 50059),
                                             ("NewMessage.WithMedia.Template", 50058)])
def test_texts_past_the_limit_are_refused_with_twilios_codes(emulator: Emulator, field: str, code: int) -> None:
    too_long = "x" * (emulator.state.text_limit + 1)
    response = requests.post(emulator.api_url(SID), data={field: too_long}, auth=(ACCOUNT, TOKEN), timeout=5)
    assert (response.status_code, response.json()["code"]) == (400, code)
    at_limit = requests.post(emulator.api_url(SID), data={field: too_long[1:]}, auth=(ACCOUNT, TOKEN), timeout=5)
    assert at_limit.status_code == 200


def test_the_emulators_limit_is_the_providers_cap(emulator: Emulator) -> None:
    assert emulator.state.text_limit == MAX_TEXT_LENGTH


def test_configuration_names_the_account_an_api_key_acts_for(emulator: Emulator) -> None:
    key = "SK" + "d4" * 16
    emulator.state.api_keys[key] = ("key-secret", ACCOUNT)
    body = requests.get(f"{emulator.url}/v1/Configuration", auth=(key, "key-secret"), timeout=5).json()
    assert body["account_sid"] == ACCOUNT
    assert requests.get(f"{emulator.url}/v1/Configuration", auth=(key, "wrong"), timeout=5).status_code == 401


def test_account_sid_is_the_owner_of_the_service(emulator: Emulator) -> None:
    key = "SK" + "e5" * 16
    emulator.state.api_keys[key] = ("key-secret", ACCOUNT)
    body = requests.get(emulator.api_url(SID), auth=(key, "key-secret"), timeout=5).json()
    assert body["account_sid"] == ACCOUNT


@pytest.mark.parametrize(("host", "answered"), [
    ("conversations.twilio.com", True),
    ("conversations.us1.twilio.com", True),
    ("conversations.dublin.ie1.twilio.com", True),
    ("conversations.ie1.twilio.com", False),  # region-only, dead since 2026-04-28
    ("conversations.au1.twilio.com", False),
])
def test_region_only_hosts_get_no_answer(emulator: Emulator, host: str, answered: bool) -> None:
    try:
        response = requests.get(emulator.api_url(SID), auth=(ACCOUNT, TOKEN), headers={"Host": host}, timeout=5)
        status: Optional[int] = response.status_code
    except requests.ConnectionError:
        status = None
    assert (status == 200) is answered


# --- services and push credentials ----------------------------------------------------------------------------

# Recognizable fakes, so that a scan can prove they never come back; each line of the PEMs is looked for too.
APNS_CERT = ("-----BEGIN CERTIFICATE-----\nMIIFnTCCBIWgAwIBAgIIAjy9H849+E8wDQYJKoZIhvcNAQEFfakeCERTline1\n"
             "Zm9vYmFyYmF6cXV4fakeCERTline2AAAA==\n-----END CERTIFICATE-----")
APNS_KEY = ("-----BEGIN RSA PRIVATE KEY-----\nMIIEpQIBAAKCAQEAuyf/lNrH9ck8DmNyo3fGfakeKEYline1\n"
            "c2VjcmV0c2VjcmV0fakeKEYline2BBBB==\n-----END RSA PRIVATE KEY-----")
FCM_KEY = "AAAAfcm-server-key:APA91bFAKE-FCM-SECRET-7c1d"
GCM_KEY = "AIzaSyFAKE-GCM-API-KEY-42"
SECRETS = (APNS_CERT, APNS_KEY, FCM_KEY, GCM_KEY)
SECRET_PIECES = [line for secret in SECRETS for line in secret.splitlines() if "fake" in line.lower()] + [
    FCM_KEY, GCM_KEY]


def leaked(response: requests.Response) -> list[str]:
    """The secrets, or a line of one, found in an answer's body or headers (raw, and JSON-escaped)."""
    seen = response.text + json.dumps(response.text) + repr(dict(response.headers))
    return [piece for piece in SECRET_PIECES if piece in seen or json.dumps(piece)[1:-1] in seen]


def api(emulator: Emulator, method: str, path: str, auth: Any = (ACCOUNT, TOKEN), **kwargs: Any) -> requests.Response:
    return requests.request(method, emulator.url + path, auth=auth, timeout=5, **kwargs)


def test_credential_secrets_are_stored_but_never_in_any_answer(emulator: Emulator) -> None:
    answers = [
        api(emulator, "POST", "/v1/Credentials", data={"Type": "apn", "Certificate": APNS_CERT, "PrivateKey": APNS_KEY,
                                                       "Sandbox": "true", "FriendlyName": "ios"}),
        api(emulator, "POST", "/v1/Credentials", data={"Type": "fcm", "Secret": FCM_KEY}),
        api(emulator, "POST", "/v1/Credentials", data={"Type": "gcm", "ApiKey": GCM_KEY}),
    ]
    apn, fcm, gcm = (a.json()["sid"] for a in answers)
    answers += [
        api(emulator, "GET", f"/v1/Credentials/{apn}"),
        api(emulator, "GET", "/v1/Credentials"),
        api(emulator, "GET", "/v1/Credentials", params={"PageSize": 1}),
        api(emulator, "POST", f"/v1/Credentials/{fcm}", data={"Secret": FCM_KEY, "FriendlyName": "android"}),
        api(emulator, "POST", f"/v1/Credentials/{apn}", data={"Certificate": APNS_CERT, "PrivateKey": APNS_KEY}),
        # refused forms that carry secrets: the error names the field, never a value
        api(emulator, "POST", "/v1/Credentials", data={"Type": "apn", "Certificate": APNS_CERT, "Sandbox": "yes"}),
        api(emulator, "POST", "/v1/Credentials", data={"Type": "fcm", "Secret": FCM_KEY, "Secrett": FCM_KEY}),
        api(emulator, "POST", "/v1/Credentials", data={"Secret": FCM_KEY}),
        api(emulator, "POST", f"/v1/Credentials/{gcm}", data={"ApiKey": GCM_KEY, "Type": GCM_KEY}),
        api(emulator, "POST", f"/v1/Credentials/{gcm}", data=[("ApiKey", GCM_KEY), ("ApiKey", GCM_KEY)]),
        api(emulator, "POST", f"/v1/Credentials/{gcm}", data={"ApiKey": GCM_KEY},
            auth=("AC" + "7" * 32, "wrong")),
        api(emulator, "DELETE", f"/v1/Credentials/{gcm}"),
    ]
    assert [a.status_code for a in answers] == [201, 201, 201, 200, 200, 200, 200, 200, 400, 400, 400, 400, 400, 401,
                                                204]
    assert {a.url: leaked(a) for a in answers if leaked(a)} == {}
    stored = {c.sid: c for c in emulator.credentials()}  # what Twilio received
    assert (stored[apn].certificate, stored[apn].private_key, stored[apn].sandbox) == (APNS_CERT, APNS_KEY, True)
    assert stored[fcm].secret == FCM_KEY and gcm not in stored
    admin = requests.get(f"{emulator.url}/_emulator/credentials/{apn}", timeout=5).json()
    assert admin["certificate"] == APNS_CERT  # the admin endpoint says what was received; the API never does


def test_a_credential_answer_has_twilios_fields_and_no_secret_ones(emulator: Emulator) -> None:
    body = api(emulator, "POST", "/v1/Credentials", data={"Type": "FcM", "Secret": FCM_KEY}).json()
    assert set(body) == {"sid", "account_sid", "friendly_name", "type", "sandbox", "date_created", "date_updated",
                         "url"}
    assert re.fullmatch(r"CR[0-9a-f]{32}", body["sid"]) and body["account_sid"] == ACCOUNT
    assert (body["type"], body["sandbox"], body["friendly_name"]) == ("fcm", "False", None)  # any case; a string
    assert body["url"] == f"{emulator.url}/v1/Credentials/{body['sid']}"


def test_a_credential_update_changes_only_the_fields_given(emulator: Emulator) -> None:
    sid = api(emulator, "POST", "/v1/Credentials", data={"Type": "apn", "FriendlyName": "ios", "Sandbox": "true",
                                                        "Certificate": "old-cert"}).json()["sid"]
    body = api(emulator, "POST", f"/v1/Credentials/{sid}", data={"Certificate": APNS_CERT}).json()
    assert (body["friendly_name"], body["sandbox"], body["type"]) == ("ios", "True", "apn")
    (stored,) = emulator.credentials()
    assert stored.certificate == APNS_CERT


@pytest.mark.parametrize(("form", "words"), [
    ({}, "Missing required parameter Type in the post body"),
    ({"FriendlyName": "ios"}, "Missing required parameter Type in the post body"),
    ({"Type": "voip"}, "Type must be one of apn, gcm, fcm"),
    ({"Type": "apn", "Sandbox": "yes"}, "Sandbox must be a boolean"),
    ({"Type": "apn", "FriendlyName": "x" * 65}, "FriendlyName is longer than 64 characters"),
])
def test_a_credential_form_twilio_refuses_is_400_naming_the_field(emulator: Emulator, form: dict[str, str],
                                                                 words: str) -> None:
    response = api(emulator, "POST", "/v1/Credentials", data=form)
    assert (response.status_code, response.json()["code"], response.json()["status"]) == (400, 20001, 400)
    assert words in response.json()["message"]
    assert emulator.credentials() == []


def test_a_service_is_created_with_the_default_settings_of_a_seeded_one(emulator: Emulator) -> None:
    body = api(emulator, "POST", "/v1/Services", data={"FriendlyName": "support-dev"}).json()
    sid = body["sid"]
    assert re.fullmatch(r"IS[0-9a-f]{32}", sid) and (body["account_sid"], body["friendly_name"]) == (
        ACCOUNT, "support-dev")
    created = api(emulator, "GET", f"/v1/Services/{sid}/Configuration/Notifications").json()
    seeded = api(emulator, "GET", f"/v1/Services/{SID}/Configuration/Notifications").json()
    assert created == {**seeded, "chat_service_sid": sid, "url": emulator.api_url(sid)}
    assert emulator.settings(sid) == default_settings_raw()


def test_deleting_a_service_deletes_its_notification_settings(emulator: Emulator) -> None:
    sid = api(emulator, "POST", "/v1/Services", data={"FriendlyName": "support-dev"}).json()["sid"]
    assert api(emulator, "POST", f"/v1/Services/{sid}/Configuration/Notifications",
               data={"NewMessage.Enabled": "true"}).ok
    assert api(emulator, "DELETE", f"/v1/Services/{sid}").status_code == 204
    for method, path in (("GET", f"/v1/Services/{sid}/Configuration/Notifications"),
                         ("POST", f"/v1/Services/{sid}/Configuration/Notifications"),
                         ("GET", f"/v1/Services/{sid}"), ("DELETE", f"/v1/Services/{sid}")):
        response = api(emulator, method, path)
        assert (response.status_code, response.json()["code"]) == (404, 20404), (method, path)
    assert sid not in [s["sid"] for s in api(emulator, "GET", "/v1/Services").json()["services"]]
    assert sid not in emulator.state.services


@pytest.mark.parametrize("form", [{}, {"FriendlyName": ""}])
def test_a_service_needs_a_friendly_name(emulator: Emulator, form: dict[str, str]) -> None:
    response = api(emulator, "POST", "/v1/Services", data=form)
    assert (response.status_code, response.json()["code"]) == (400, 20001)
    assert response.json()["message"] == "Missing required parameter FriendlyName in the post body"


def test_a_service_has_no_update(emulator: Emulator) -> None:
    response = api(emulator, "POST", f"/v1/Services/{SID}", data={"FriendlyName": "renamed"})
    assert (response.status_code, response.json()["code"], response.headers["Allow"]) == (405, 20004, "GET, DELETE")
    assert api(emulator, "GET", f"/v1/Services/{SID}").json()["friendly_name"] == SID  # a seeded one's name


def test_another_accounts_services_and_credentials_are_404(emulator: Emulator) -> None:
    other = ("AC" + "7" * 32, "other-token")
    emulator.state.accounts[other[0]] = other[1]
    credential = api(emulator, "POST", "/v1/Credentials", data={"Type": "fcm", "Secret": FCM_KEY}).json()["sid"]
    service = api(emulator, "POST", "/v1/Services", data={"FriendlyName": "mine"}).json()["sid"]
    for method, path in (("GET", f"/v1/Credentials/{credential}"), ("POST", f"/v1/Credentials/{credential}"),
                         ("DELETE", f"/v1/Credentials/{credential}"), ("GET", f"/v1/Services/{service}"),
                         ("DELETE", f"/v1/Services/{service}"),
                         ("GET", f"/v1/Services/{service}/Configuration/Notifications"),
                         ("GET", f"/v1/Credentials/CR{'0' * 32}"), ("GET", "/v1/Credentials/bogus")):
        form = {"FriendlyName": "theirs"} if method == "POST" else None
        response = api(emulator, method, path, auth=other, data=form)
        assert (response.status_code, response.json()["code"]) == (404, 20404), (method, path)
    assert api(emulator, "GET", "/v1/Credentials", auth=other).json()["credentials"] == []
    assert api(emulator, "GET", "/v1/Services", auth=other).json()["services"] == []
    assert api(emulator, "GET", f"/v1/Credentials/{credential}").json()["friendly_name"] is None  # untouched
    assert api(emulator, "GET", f"/v1/Services/{service}").ok


@pytest.mark.parametrize(("method", "path", "form"), [
    ("POST", "/v1/Credentials", {"Type": "fcm", "Secrett": "k"}),
    ("POST", "/v1/Credentials/{credential}", {"FriendlyName": "x", "Sanbox": "true"}),
    ("POST", "/v1/Services", {"FriendlyName": "x", "UniqueName": "y"}),
])
def test_unknown_form_fields_are_refused_when_strict_and_ignored_otherwise(method: str, path: str,
                                                                          form: dict[str, str]) -> None:
    with Emulator(strict=True) as strict, Emulator() as lenient:
        for emu, status in ((strict, 400), (lenient, 200 if "{credential}" in path else 201)):
            credential = api(emu, "POST", "/v1/Credentials", auth=emu.auth, data={"Type": "fcm"}).json()["sid"]
            response = api(emu, method, path.format(credential=credential), auth=emu.auth, data=form)
            assert response.status_code == status, emu
            if status == 400:
                assert response.json()["code"] == 20001 and "is not a parameter" in response.json()["message"]
        assert len(strict.credentials()) == 1 and strict.service_records() == []


@pytest.mark.parametrize("params", [{"PageSize": "0"}, {"PageSize": "101"}, {"PageSize": "ten"},
                                    {"PageToken": "nonsense"}])
def test_a_list_refuses_a_page_the_spec_does_not_allow(emulator: Emulator, params: dict[str, str]) -> None:
    response = api(emulator, "GET", "/v1/Credentials", params=params)
    assert (response.status_code, response.json()["code"]) == (400, 20001)


def test_admin_endpoints_seed_and_read_credentials_and_named_services(emulator: Emulator) -> None:
    sid = requests.post(f"{emulator.url}/_emulator/credentials",
                        json={"type": "fcm", "secret": FCM_KEY, "friendly_name": "android"}, timeout=5).json()["sid"]
    assert api(emulator, "GET", f"/v1/Credentials/{sid}").json()["friendly_name"] == "android"
    (raw,) = requests.get(f"{emulator.url}/_emulator/credentials", timeout=5).json()
    assert (raw["sid"], raw["secret"], raw["account_sid"]) == (sid, FCM_KEY, ACCOUNT)
    assert requests.delete(f"{emulator.url}/_emulator/credentials/{sid}", timeout=5).ok
    assert api(emulator, "GET", f"/v1/Credentials/{sid}").status_code == 404
    new = "IS" + "5" * 32
    requests.post(f"{emulator.url}/_emulator/services", json={"sid": new, "friendly_name": "legacy"}, timeout=5)
    assert api(emulator, "GET", f"/v1/Services/{new}").json()["friendly_name"] == "legacy"
    assert requests.post(f"{emulator.url}/_emulator/credentials", json={"type": "voip"}, timeout=5).status_code == 400


# --- faults: an answer lost after the request was carried out, a fault aimed at a path ----------------------

@pytest.mark.parametrize("fault", [{"status": 500}, {"status": 502}, {"status": 504}, {"reset": True},
                                   {"body": "<html>Bad Gateway</html>", "status": 502}])
def test_a_credential_create_whose_answer_is_lost_still_made_the_credential(emulator: Emulator,
                                                                             fault: dict[str, Any]) -> None:
    emulator.inject(after_processing=True, methods=["POST"], paths=["/v1/Credentials"], **fault)
    try:
        status: Optional[int] = api(emulator, "POST", "/v1/Credentials", data={"Type": "fcm", "Secret": FCM_KEY,
                                                                               "FriendlyName": "android"}).status_code
    except requests.ConnectionError:
        status = None
    assert status == fault.get("status")  # the client got the fault, not the 201
    listed = api(emulator, "GET", "/v1/Credentials").json()["credentials"]
    assert [c["friendly_name"] for c in listed] == ["android"]  # yet Twilio made it
    assert emulator.credentials()[0].secret == FCM_KEY


def test_a_lost_answer_is_twilio_shaped_and_the_log_says_what_the_client_got(emulator: Emulator) -> None:
    emulator.inject(status=500, after_processing=True)
    response = api(emulator, "POST", f"/v1/Services/{SID}/Configuration/Notifications", data={"LogEnabled": "true"})
    assert (response.status_code, response.json()["code"], response.json()["status"]) == (500, 20500, 500)
    assert emulator.settings(SID)["log_enabled"] is True  # the settings were changed all the same
    assert [r.status for r in emulator.api_requests()] == [500]


def test_an_answer_held_back_after_processing_times_the_client_out_with_the_service_made(emulator: Emulator) -> None:
    # No status: the real answer, but only after the delay; the client has given up long before it.
    emulator.inject(delay=5.0, after_processing=True, paths=["/v1/Services"])
    with pytest.raises(requests.Timeout):
        requests.post(f"{emulator.url}/v1/Services", data={"FriendlyName": "support-dev"}, auth=(ACCOUNT, TOKEN),
                      timeout=(5, 0.2))
    assert [r.friendly_name for r in emulator.service_records()].count("support-dev") == 1


def test_a_fault_before_processing_still_changes_nothing(emulator: Emulator) -> None:
    emulator.inject(status=500, paths=["/v1/Credentials"])
    assert api(emulator, "POST", "/v1/Credentials", data={"Type": "fcm"}).status_code == 500
    assert emulator.credentials() == []


# (the fault's paths, the path requested, whether the fault hits it)
FAULT_PATHS: list[tuple[list[str], str, bool]] = [
    (["/v1/Credentials"], "/v1/Credentials", True),
    (["/v1/Credentials"], "/v1/Credentials/", True),  # the API answers either spelling, so does the filter
    (["/v1/Credentials/"], "/v1/Credentials", True),
    (["/v1/Credentials"], f"/v1/Credentials/CR{'0' * 32}", False),  # exact: not a prefix
    (["/v1/Credentials"], "/v1/Services", False),
    (["/v1/Credentials/*"], f"/v1/Credentials/CR{'0' * 32}", True),
    (["/v1/Credentials/*"], "/v1/Credentials", False),
    (["/v1/Services/*/Configuration/Notifications"], f"/v1/Services/{SID}/Configuration/Notifications", True),
    (["/v1/Services/*"], f"/v1/Services/{SID}/Configuration/Notifications", True),  # * crosses slashes
    (["/v1/Services", "/v1/Credentials"], "/v1/Credentials", True),
]


@pytest.mark.parametrize(("paths", "path", "hit"), FAULT_PATHS, ids=[f"{p}-{q}" for p, q, _ in FAULT_PATHS])
def test_a_fault_aimed_at_paths_hits_only_those(emulator: Emulator, paths: list[str], path: str, hit: bool) -> None:
    emulator.inject(status=503, paths=paths, count=-1)
    assert (api(emulator, "GET", path).status_code == 503) is hit
    assert emulator.state.faults  # a fault for every request stays, whether it hit or not


def test_a_fault_aimed_at_one_path_leaves_the_others_and_waits_for_its_own(emulator: Emulator) -> None:
    emulator.inject(status=503, paths=["/v1/Credentials"], methods=["POST"])
    assert api(emulator, "GET", "/v1/Credentials").ok  # the right path, not the method
    assert api(emulator, "POST", "/v1/Services", data={"FriendlyName": "x"}).status_code == 201
    assert api(emulator, "POST", "/v1/Credentials", data={"Type": "fcm"}).status_code == 503
    assert api(emulator, "POST", "/v1/Credentials", data={"Type": "fcm"}).status_code == 201  # count 1: spent


def test_the_admin_api_posts_a_lost_answer_aimed_at_a_path(emulator: Emulator) -> None:
    fault = {"status": 502, "after_processing": True, "paths": ["/v1/Services"], "methods": ["POST"]}
    assert requests.post(f"{emulator.url}/_emulator/faults", json=fault, timeout=5).status_code == 201
    assert api(emulator, "POST", f"/v1/Services/{SID}/Configuration/Notifications", data={}).ok
    assert api(emulator, "POST", "/v1/Services", data={"FriendlyName": "support-dev"}).status_code == 502
    listed = api(emulator, "GET", "/v1/Services").json()["services"]
    assert [s["friendly_name"] for s in listed].count("support-dev") == 1  # made once, though answered 502


# (a fault as posted to /_emulator/faults, words its 400 must have)
BAD_FAULTS: list[tuple[dict[str, Any], str]] = [
    ({"status": 500, "paths": "/v1/Credentials"}, 'paths must be a list of paths, such as ["/v1/Credentials"]'),
    ({"status": 500, "paths": ["v1/Credentials"]}, "paths: 'v1/Credentials' does not start with /"),
    ({"status": 500, "paths": [3]}, "paths: 3 does not start with /"),
    ({"status": 500, "methods": "POST"}, 'methods must be a list of methods, such as ["POST"]'),
    ({"status": 500, "after_processing": "yes"}, "after_processing must be true or false, not 'yes'"),
    ({"status": 500, "after": True}, "'after' is not a field of a fault; the fields are: status, "),
]


@pytest.mark.parametrize(("fault", "words"), BAD_FAULTS, ids=[w.split(" ")[0] for _, w in BAD_FAULTS])
def test_a_malformed_fault_is_refused_naming_the_field(emulator: Emulator, fault: dict[str, Any], words: str) -> None:
    response = requests.post(f"{emulator.url}/_emulator/faults", json=fault, timeout=5)
    assert response.status_code == 400 and words in response.json()["error"], response.text
    assert emulator.state.faults == []
    with pytest.raises((ValueError, TypeError), match=re.escape(words)):
        emulator.inject(**fault)


# --- many clients at once ------------------------------------------------------------------------------------

# pulumi's default parallelism is 4 x CPUs (defaultParallel, pkg/cmd/pulumi/operations/up.go): 256 on a
# 64-CPU machine, each operation on its own connection.
BURST = 256


def test_a_burst_of_connections_is_accepted_before_the_server_takes_any() -> None:
    # Not started: nothing accepts, so only the listen backlog holds the connections. Python's default
    # backlog of 5 left the 7th client's SYN dropped (Linux's ListenOverflows) and its connect hanging.
    emu = Emulator(services=[SID])
    clients: list[socket.socket] = []
    try:
        for _ in range(BURST):
            clients.append(socket.create_connection(("127.0.0.1", int(emu.url.rsplit(":", 1)[1])), timeout=10))
        emu.start()
        for client in clients:  # each one is a real connection the server now answers
            client.sendall(b"GET /_emulator/requests HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert all(client.recv(12) == b"HTTP/1.1 200" for client in clients)
    finally:
        for client in clients:
            client.close()
        if emu._thread is not None:
            emu.stop()
        else:
            emu._server.server_close()


def test_held_requests_prove_how_many_were_in_flight_at_once() -> None:
    with Emulator(services=[SID]) as emu:
        emu.hold(4)
        with ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(lambda _: requests.get(emu.api_url(SID), auth=emu.auth, timeout=60).status_code,
                                     range(4)))
        assert statuses == [200] * 4 and emu.peak_in_flight == 4
        assert requests.get(emu.api_url(SID), auth=emu.auth, timeout=60).ok  # the gate stays open
        assert emu.peak_in_flight == 4


def test_a_gate_that_never_fills_opens_at_its_timeout() -> None:
    with Emulator(services=[SID]) as emu:
        emu.hold(2, timeout=0.2)
        assert requests.get(emu.api_url(SID), auth=emu.auth, timeout=60).ok
        assert emu.peak_in_flight == 1


# --- the command line ----------------------------------------------------------------------------------------

EMULATOR = [sys.executable, "-m", "pulumi_twilio_conversations.emulator"]
OWNER = "AC" + "5a" * 16


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port something else listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


# (arguments, the option the error must name, words it must have); "{busy}" is a port already in use.
CLI_MISTAKES: list[tuple[list[str], str, str]] = [
    (["--port", "{busy}"], "--port", "already in use"),
    (["--port", "70000"], "--port", "not a port number"),
    (["--port", "eighty"], "--port", "not a port number"),
    (["--service", "IS..."], "--service", "not a Conversations Service SID"),  # as the README wrote it
    (["--service", "IS" + "0" * 31], "--service", "IS followed by 32 hex characters"),
    (["--service", f"{SID}@{OWNER}"], "--service", f"add it with --account {OWNER}:TOKEN"),
    (["--service", f"{SID}@bogus"], "--service", "not an Account SID"),
    (["--account", "bogus:tok"], "--account", "not an Account SID"),
    (["--account", OWNER], "--account", f"write {OWNER}:TOKEN"),
    (["--account", f"{OWNER}:a", "--account", f"{OWNER}:b"], "--account", "given twice"),
    (["--account-sid", "bogus"], "--account-sid", "not an Account SID"),
    (["--latency", "-1"], "--latency", "number of seconds"),
    (["--host", "no-such-host.invalid"], "--host", "cannot listen"),
]


@pytest.mark.parametrize(("args", "option", "words"), CLI_MISTAKES, ids=[" ".join(a) for a, _, _ in CLI_MISTAKES])
def test_each_command_line_mistake_is_one_line_naming_the_option(busy_port: int, args: list[str], option: str,
                                                                  words: str) -> None:
    argv = [a.replace("{busy}", str(busy_port)) for a in args]
    if "--port" not in argv:
        argv += ["--port", "0"]  # a mistake elsewhere must not pass for want of port 8787
    result = subprocess.run([*EMULATOR, *argv], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert f"argument {option}:" in line and words in line
    assert result.stdout == ""


def test_the_start_up_line_lists_the_accounts_services_and_tokens() -> None:
    other = f"{OWNER}:other-emulator-token"
    process = subprocess.Popen([*EMULATOR, "--port", "0", "--account", other, "--service", SID,
                                "--service", f"{OTHER_SID}@{OWNER}"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
    finally:
        process.terminate()
        process.wait(timeout=60)
    assert line.startswith("Twilio Conversations emulator on http://127.0.0.1:")
    assert f"accounts: {DEFAULT_ACCOUNT_SID} (token {DEFAULT_AUTH_TOKEN}), {OWNER} (token other-emulator-token)" in line
    assert f"services: {SID} (account {DEFAULT_ACCOUNT_SID}), {OTHER_SID} (account {OWNER})" in line
