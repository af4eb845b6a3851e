"""Service and Credential through their core declarations, against the emulator: the calls both front ends
make (create, read, update, delete, adopt), the 404 rules, deletion protection, and creates sent once."""

from __future__ import annotations

from typing import Any

import pytest
from pem import APN, CERT, RSA_KEY, SERVER_KEY

from pulumi_twilio_conversations.core.client import Credentials, HttpSettings, TwilioClient, TwilioError
from pulumi_twilio_conversations.core.credential import CREDENTIAL
from pulumi_twilio_conversations.core.messages import UserError
from pulumi_twilio_conversations.core.resource import ResourceType
from pulumi_twilio_conversations.core.service import SERVICE, DeletionProtected
from pulumi_twilio_conversations.emulator import Emulator

from conftest import ACCOUNT, SID, TOKEN

CREDS = Credentials(ACCOUNT, TOKEN, "twilio:accountSid and twilio:authToken")


@pytest.fixture
def client(emulator: Emulator) -> TwilioClient:
    return TwilioClient(HttpSettings(base_url=emulator.url, max_retries=3, backoff_factor=0.01, backoff_max=0.05,
                                     retry_after_max=1, read_timeout=5, connect_timeout=2))


def checked(kind: ResourceType, values: dict[str, Any]) -> dict[str, Any]:
    inputs, problems = kind.validate(values)
    assert problems == []
    return inputs


def methods(emulator: Emulator) -> list[str]:
    return [f"{r.method} {r.path}" for r in emulator.api_requests()]


# --- Service ---------------------------------------------------------------------------------------------

def test_create_a_service_then_a_refresh_reads_no_change(emulator: Emulator, client: TwilioClient) -> None:
    inputs = checked(SERVICE, {"friendly_name": "support-dev"})
    sid, outs = SERVICE.create(client, CREDS, inputs)
    assert sid.startswith("IS") and outs["sid"] == sid and outs["account_sid"] == ACCOUNT
    assert outs["deletion_protection"] is True  # on unless set false
    assert [r.friendly_name for r in emulator.service_records() if r.sid == sid] == ["support-dev"]
    found = SERVICE.read(client, CREDS, sid, outs, lambda *k: k[0])
    assert found is not None
    live, read_inputs = found
    assert read_inputs == inputs
    assert SERVICE.changed(live, inputs) == []


def test_a_protected_service_is_not_deleted_and_no_request_is_sent(emulator: Emulator, client: TwilioClient) -> None:
    sid, outs = SERVICE.create(client, CREDS, checked(SERVICE, {"friendly_name": "support-prod"}))
    emulator.clear_requests()
    with pytest.raises(DeletionProtected) as refused:
        SERVICE.delete(client, CREDS, sid, outs, lambda *k: k[0])
    text = str(refused.value)
    assert sid in text and "support-prod" in text and "deletion_protection to false" in text
    assert "every conversation, message and participant" in text and "retain_on_delete" in text
    assert methods(emulator) == []
    assert sid in [r.sid for r in emulator.service_records()]


def test_turning_protection_off_sends_nothing_then_destroy_deletes(emulator: Emulator, client: TwilioClient) -> None:
    sid, outs = SERVICE.create(client, CREDS, checked(SERVICE, {"friendly_name": "support-dev"}))
    news = checked(SERVICE, {"friendly_name": "support-dev", "deletion_protection": False})
    assert SERVICE.changed(outs, news) == ["deletion_protection"]
    assert not SERVICE.replaces(sid, outs, news)
    emulator.clear_requests()
    outs = SERVICE.update(client, CREDS, sid, outs, news, ["deletion_protection"])
    assert outs["deletion_protection"] is False and methods(emulator) == []
    SERVICE.delete(client, CREDS, sid, outs, lambda *k: k[0])
    assert methods(emulator) == [f"DELETE /v1/Services/{sid}"]
    assert sid not in [r.sid for r in emulator.service_records()]
    SERVICE.delete(client, CREDS, sid, outs, lambda *k: k[0])  # already gone: a destroy succeeds


def test_renaming_a_protected_service_fails_check(client: TwilioClient) -> None:
    olds = checked(SERVICE, {"friendly_name": "support-dev"})
    news = checked(SERVICE, {"friendly_name": "support-staging"})
    [problem] = SERVICE.check_change(olds, news)
    assert problem.field == "friendly_name"
    assert "'support-staging'" in problem.reason and "'support-dev'" in problem.reason
    assert "deletion_protection set to false" in problem.reason
    unprotected = {**olds, "deletion_protection": False}
    assert SERVICE.check_change(unprotected, news) == []
    assert SERVICE.check_change({}, news) == []  # a create
    assert SERVICE.replaces("IS1", olds, news)


def test_adopting_an_existing_service_reads_it_and_changes_nothing(emulator: Emulator, client: TwilioClient) -> None:
    [record] = [r for r in emulator.service_records() if r.sid == SID]
    emulator.clear_requests()
    sid, outs = SERVICE.create(client, CREDS, checked(SERVICE, {"friendly_name": record.friendly_name,
                                                                "adopt_sid": SID}))
    assert sid == SID and methods(emulator) == [f"GET /v1/Services/{SID}"]
    assert outs["deletion_protection"] is True


def test_adopting_a_service_under_another_name_is_refused(emulator: Emulator, client: TwilioClient) -> None:
    emulator.clear_requests()
    with pytest.raises(UserError) as refused:
        SERVICE.create(client, CREDS, checked(SERVICE, {"friendly_name": "not-its-name", "adopt_sid": SID}))
    assert "friendly_name" in str(refused.value) and "Nothing was changed" in str(refused.value)
    assert methods(emulator) == [f"GET /v1/Services/{SID}"]


def test_a_service_deleted_in_the_console_is_gone_on_refresh(emulator: Emulator, client: TwilioClient) -> None:
    sid, outs = SERVICE.create(client, CREDS, checked(SERVICE, {"friendly_name": "support-dev"}))
    emulator.state.remove_service(sid)
    assert SERVICE.read(client, CREDS, sid, outs, lambda *k: k[0]) is None


def test_importing_a_missing_service_names_it_and_the_account(client: TwilioClient) -> None:
    missing = "IS" + "9" * 32
    with pytest.raises(TwilioError) as failed:
        SERVICE.read(client, CREDS, missing, {}, lambda *k: k[0])
    assert f"Service {missing} does not exist in account {ACCOUNT}" in str(failed.value)


# --- Credential ------------------------------------------------------------------------------------------

def test_create_an_fcm_credential_keeps_its_secret_for_the_diff(emulator: Emulator, client: TwilioClient) -> None:
    inputs = checked(CREDENTIAL, {"type": "fcm", "secret": SERVER_KEY, "friendly_name": "android"})
    sid, outs = CREDENTIAL.create(client, CREDS, inputs)
    assert sid.startswith("CR") and outs["type"] == "fcm" and outs["secret"] == SERVER_KEY
    [stored] = [c for c in emulator.credentials() if c.sid == sid]
    assert stored.secret == SERVER_KEY
    found = CREDENTIAL.read(client, CREDS, sid, outs, lambda *k: k[0])
    assert found is not None
    live, read_inputs = found
    assert read_inputs == inputs and CREDENTIAL.changed(live, inputs) == []


def test_a_new_key_is_one_update_and_a_new_type_a_replace(emulator: Emulator, client: TwilioClient) -> None:
    inputs = checked(CREDENTIAL, {"type": "fcm", "secret": SERVER_KEY})
    sid, outs = CREDENTIAL.create(client, CREDS, inputs)
    news = checked(CREDENTIAL, {"type": "fcm", "secret": SERVER_KEY + "-rotated"})
    assert CREDENTIAL.changed(outs, news) == ["secret"] and not CREDENTIAL.replaces(sid, outs, news)
    emulator.clear_requests()
    outs = CREDENTIAL.update(client, CREDS, sid, outs, news, ["secret"])
    [sent] = emulator.api_requests()
    rotated = SERVER_KEY + "-rotated"
    assert (sent.method, sent.path, sent.form) == ("POST", f"/v1/Credentials/{sid}", {"Secret": rotated})
    assert outs["secret"] == SERVER_KEY + "-rotated"
    assert CREDENTIAL.replaces(sid, outs, checked(CREDENTIAL, APN))


def test_an_apn_credential_sends_both_pem_texts(emulator: Emulator, client: TwilioClient) -> None:
    sid, outs = CREDENTIAL.create(client, CREDS, checked(CREDENTIAL, {**APN, "sandbox": True}))
    [stored] = [c for c in emulator.credentials() if c.sid == sid]
    assert (stored.certificate, stored.private_key, stored.sandbox) == (CERT, RSA_KEY, True)
    assert outs["sandbox"] is True


def test_a_credential_deleted_in_the_console_is_gone_and_destroy_succeeds(emulator: Emulator,
                                                                         client: TwilioClient) -> None:
    sid, outs = CREDENTIAL.create(client, CREDS, checked(CREDENTIAL, {"type": "fcm", "secret": SERVER_KEY}))
    emulator.state.remove_credential(sid)
    assert CREDENTIAL.read(client, CREDS, sid, outs, lambda *k: k[0]) is None
    CREDENTIAL.delete(client, CREDS, sid, outs, lambda *k: k[0])


def test_a_malformed_id_is_refused_before_anything_is_sent(emulator: Emulator, client: TwilioClient) -> None:
    emulator.clear_requests()
    with pytest.raises(TwilioError) as failed:
        CREDENTIAL.read(client, CREDS, "CR../../Services", {"url": "x"}, lambda *k: k[0])
    assert "not a Credential SID ('CR' + 32 hex characters); nothing was sent" in str(failed.value)
    assert methods(emulator) == []


# --- a create is sent once -------------------------------------------------------------------------------

@pytest.mark.parametrize("kind,values,path", [
    (CREDENTIAL, {"type": "fcm", "secret": SERVER_KEY}, "/v1/Credentials"),
    (SERVICE, {"friendly_name": "support-dev"}, "/v1/Services"),
])
def test_a_create_answered_5xx_is_not_retried_and_says_what_to_look_for(
        emulator: Emulator, client: TwilioClient, kind: ResourceType, values: dict[str, Any], path: str) -> None:
    emulator.clear_requests()
    emulator.inject(status=503, methods=["POST"], count=-1)
    with pytest.raises(TwilioError) as failed:
        kind.create(client, CREDS, checked(kind, values))
    assert methods(emulator) == [f"POST {path}"]  # one attempt: a retry could make a second one
    assert "may have been created all the same" in str(failed.value)
    assert "pulumi import" in str(failed.value)


def test_a_create_answered_429_is_retried(emulator: Emulator, client: TwilioClient) -> None:
    emulator.clear_requests()
    emulator.inject(status=429, methods=["POST"], count=1)
    sid, _ = CREDENTIAL.create(client, CREDS, checked(CREDENTIAL, {"type": "fcm", "secret": SERVER_KEY}))
    assert methods(emulator) == ["POST /v1/Credentials"] * 2  # Twilio did not process the first
    assert [c.sid for c in emulator.credentials()] == [sid]


def test_an_update_answered_5xx_is_still_retried(emulator: Emulator, client: TwilioClient) -> None:
    sid, outs = CREDENTIAL.create(client, CREDS, checked(CREDENTIAL, {"type": "fcm", "secret": SERVER_KEY}))
    emulator.clear_requests()
    emulator.inject(status=503, methods=["POST"], count=1)
    news = checked(CREDENTIAL, {"type": "fcm", "secret": "rotated-key"})
    CREDENTIAL.update(client, CREDS, sid, outs, news, ["secret"])
    assert methods(emulator) == [f"POST /v1/Credentials/{sid}"] * 2


@pytest.mark.parametrize("fault", [{"status": 502}, {"reset": True}], ids=["502", "reset"])
def test_a_create_whose_answer_is_lost_makes_one_credential_not_two(emulator: Emulator, client: TwilioClient,
                                                                   fault: dict[str, Any]) -> None:
    emulator.inject(after_processing=True, methods=["POST"], paths=["/v1/Credentials"], count=-1, **fault)
    with pytest.raises(TwilioError) as failed:
        CREDENTIAL.create(client, CREDS, checked(CREDENTIAL, {"type": "fcm", "secret": SERVER_KEY}))
    assert len(emulator.credentials()) == 1  # Twilio made it; a retry would have made a second
    assert "may have been created all the same" in str(failed.value)
    assert SERVER_KEY not in str(failed.value)


def test_a_create_answered_without_a_sid_says_it_may_have_been_created(emulator: Emulator,
                                                                       client: TwilioClient) -> None:
    emulator.inject(after_processing=True, status=201, body='{"sid": null, "type": "fcm"}', paths=["/v1/Credentials"])
    with pytest.raises(TwilioError) as failed:
        CREDENTIAL.create(client, CREDS, checked(CREDENTIAL, {"type": "fcm", "secret": SERVER_KEY}))
    assert "no Credential SID ('CR' + 32 hex characters) in the answer" in str(failed.value)
    assert "may have been created" in str(failed.value) and len(emulator.credentials()) == 1


def test_an_answer_echoing_a_secret_puts_it_in_no_output_or_error(emulator: Emulator, client: TwilioClient) -> None:
    echo = '{"sid": "CR' + "0" * 32 + '", "type": "fcm", "friendly_name": "' + SERVER_KEY + '", "sandbox": 7}'
    emulator.inject(after_processing=True, status=201, body=echo, paths=["/v1/Credentials"])
    with pytest.raises(TwilioError) as failed:  # sandbox 7: unreadable, and the error quotes no secret
        CREDENTIAL.create(client, CREDS, checked(CREDENTIAL, {"type": "fcm", "secret": SERVER_KEY}))
    assert SERVER_KEY not in str(failed.value)
    emulator.inject(after_processing=True, status=201, body=echo.replace('"sandbox": 7', '"sandbox": "false"'),
                    paths=["/v1/Credentials"])
    _, outs = CREDENTIAL.create(client, CREDS, checked(CREDENTIAL, {"type": "fcm", "secret": SERVER_KEY}))
    assert SERVER_KEY not in outs["friendly_name"] and outs["secret"] == SERVER_KEY  # kept only where it belongs


@pytest.mark.parametrize("body", ['{"sid": "CR' + "0" * 32 + '", "sandbox": 7}', "not json", "[]"])
def test_a_create_answered_2xx_but_unreadable_says_it_may_exist(emulator: Emulator, client: TwilioClient,
                                                                body: str) -> None:
    emulator.inject(after_processing=True, status=201, body=body, paths=["/v1/Credentials"])
    with pytest.raises(TwilioError) as failed:
        CREDENTIAL.create(client, CREDS, checked(CREDENTIAL, {"type": "fcm", "secret": SERVER_KEY}))
    assert "may have been created all the same" in str(failed.value) and len(emulator.credentials()) == 1


def test_adopt_sid_must_go_before_protection_does() -> None:
    olds = checked(SERVICE, {"friendly_name": "support", "adopt_sid": SID})
    off = checked(SERVICE, {"friendly_name": "support", "adopt_sid": SID, "deletion_protection": False})
    [problem] = SERVICE.check_change(olds, off)
    assert problem.field == "adopt_sid" and "remove it before turning deletion protection off" in problem.reason
    assert SERVICE.check_change({}, off) == []  # the first up adopts, whatever the protection
    assert SERVICE.check_change(olds, {**off, "adopt_sid": None}) == []


@pytest.mark.parametrize(("field", "reported"), [
    ("certificate", ""), ("privatekey", ""), ("friendly_name", "friendly_name"), ("sandbox", "sandbox")])
def test_a_problem_that_may_hold_a_secret_names_no_property_the_engine_would_print(field: str,
                                                                                    reported: str) -> None:
    from pulumi_twilio_conversations.core.messages import Problem

    shown = CREDENTIAL.reported(Problem(field, "is wrong"))
    assert shown.field == reported
    assert shown.reason == ("is wrong" if reported else f"{field}: is wrong")
