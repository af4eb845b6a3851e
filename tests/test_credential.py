"""Tables for the push Credential's pure parts: the rules per type, the PEM checks, the wire mapping
against Twilio's spec, refresh and diff, and that no secret ever reaches a message or a repr."""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from pem import (
    APN,
    CERT,
    EC_KEY,
    ENCRYPTED_KEY,
    ENCRYPTED_RSA_KEY,
    PKCS8_KEY,
    PUBLIC_KEY,
    RSA_KEY,
    SERVER_KEY,
    SERVICE_ACCOUNT,
    credential_texts,
)
from pulumi.output import Unknown

from pulumi_twilio_conversations.core import credential, messages, models, scrub, validation
from pulumi_twilio_conversations.core.credential import (
    FIELDS,
    OUTPUT_FIELDS,
    REPLACE_FIELDS,
    SECRET_FIELDS,
    UPDATE_FIELDS,
    Inputs,
    changed,
    from_api,
    read_inputs,
    replaces,
    to_form,
    validate,
    with_secrets,
)
from pulumi_twilio_conversations.core.models import SettingsError
from pulumi_twilio_conversations.core.wire import MalformedResponse

from conftest import SPEC_MISSING, SPEC_PATH


def ok(**values: Any) -> dict[str, Any]:
    inputs, problems = validate(values)
    assert problems == []
    return inputs


def spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text())  # type: ignore[no-any-return]


needs_spec = pytest.mark.skipif(not SPEC_PATH.exists(), reason=SPEC_MISSING)


def _form_schema(path: str) -> dict[str, Any]:
    body = spec()["paths"][path]["post"]["requestBody"]
    return body["content"]["application/x-www-form-urlencoded"]["schema"]  # type: ignore[no-any-return]


# --- the spec ---------------------------------------------------------------------------------------------

@needs_spec
def test_form_fields_are_the_ones_of_twilios_create_credential_request() -> None:
    schema = _form_schema("/v1/Credentials")
    declared = schema["properties"]
    assert {f.form for f in FIELDS} == set(declared)
    enums = spec()["components"]["schemas"]
    for f in FIELDS:
        prop = declared[f.form]
        kind = enums[prop["$ref"].rsplit("/", 1)[1]]["type"] if "$ref" in prop else prop["type"]
        assert kind == ("boolean" if f.kind is bool else "string"), f.form
    assert schema["required"] == ["Type"]
    assert set(enums["credential_enum_push_type"]["enum"]) == set(credential.TYPES)


@needs_spec
def test_an_update_sends_every_field_of_update_credential_request_but_the_type() -> None:
    declared = set(_form_schema("/v1/Credentials/{Sid}")["properties"])
    forms = {f.path: f.form for f in FIELDS}
    assert {forms[name] for name in UPDATE_FIELDS} == declared - {"Type"}
    assert REPLACE_FIELDS == {"type"}


@needs_spec
def test_which_type_takes_which_field_is_what_the_spec_says() -> None:
    # The spec marks each type-specific field "[APN only]", "[GCM only]" or "[FCM only]".
    declared = _form_schema("/v1/Credentials")["properties"]
    tagged: dict[str, set[str]] = {}
    for f in FIELDS:
        description = declared[f.form].get("description", "")
        if description.startswith("["):
            tagged.setdefault(description[1:4].lower(), set()).add(f.path)
    assert tagged == {kind: set(names) for kind, names in credential.ALLOWS.items()}


@needs_spec
def test_outputs_are_twilios_credential_schema_which_holds_no_secret() -> None:
    properties = spec()["components"]["schemas"]["conversations.v1.credential"]["properties"]
    assert set(OUTPUT_FIELDS) == set(properties)
    assert not SECRET_FIELDS & set(properties)  # Twilio never returns them: drift there cannot be seen


@needs_spec
@pytest.mark.parametrize(("path", "method", "status", "example"), [
    ("/v1/Credentials", "post", "201", "create"),
    ("/v1/Credentials", "post", "201", "createPushTypeGcm"),
    ("/v1/Credentials", "post", "201", "createPushTypeFcm"),
    ("/v1/Credentials/{Sid}", "post", "200", "update"),
    ("/v1/Credentials/{Sid}", "get", "200", "fetch"),
])
def test_from_api_reads_the_spec_examples(path: str, method: str, status: str, example: str) -> None:
    content = spec()["paths"][path][method]["responses"][status]["content"]["application/json"]
    body = content["examples"][example]["value"]
    outs = from_api(body)
    assert list(outs) == list(OUTPUT_FIELDS)
    assert outs["sid"].startswith("CR") and outs["account_sid"].startswith("AC")
    assert outs["sandbox"] is False  # the spec's "sandbox": "False", a string
    assert outs["type"] == body["type"]


# --- valid inputs ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("values", [
    pytest.param(APN, id="apn-rsa-key"),
    pytest.param({**APN, "private_key": PKCS8_KEY}, id="apn-pkcs8-key"),
    pytest.param({**APN, "sandbox": True, "friendly_name": "ios-dev"}, id="apn-sandbox"),
    pytest.param({**APN, "certificate": CERT + CERT}, id="apn-certificate-chain"),
    pytest.param({**APN, "certificate": CERT.replace("\n", "\r\n")}, id="apn-windows-line-breaks"),
    # Twilio's Notify docs show the PEM "stripped" onto one line: -----BEGIN CERTIFICATE-----MIIF...-----END ...
    pytest.param({**APN, "certificate": CERT.replace("\n", "")}, id="apn-one-line"),
    pytest.param({"type": "fcm", "secret": SERVER_KEY}, id="fcm-server-key"),
    pytest.param({"type": "fcm", "secret": SERVICE_ACCOUNT}, id="fcm-service-account-json"),
    pytest.param({"type": "fcm", "secret": SERVER_KEY, "sandbox": False}, id="fcm-sandbox-false-is-unset"),
    pytest.param({"type": "gcm", "api_key": SERVER_KEY, "certificate": ""}, id="gcm-empty-is-unset"),
])
def test_valid_inputs(values: dict[str, Any]) -> None:
    ok(**values)


def test_canonical_inputs_hold_every_field_with_its_default() -> None:
    assert ok(type="fcm", secret=SERVER_KEY) == {
        "type": "fcm", "friendly_name": "", "certificate": "", "private_key": "", "sandbox": False,
        "api_key": "", "secret": SERVER_KEY}
    assert list(ok(**APN)) == [f.path for f in FIELDS]


def test_unknown_values_pass_and_stay_in_place() -> None:
    cert, key, kind = Unknown(), Unknown(), Unknown()  # type: ignore[no-untyped-call]
    inputs = ok(type="apn", certificate=cert, private_key=key)
    assert inputs["certificate"] is cert and inputs["private_key"] is key
    # a type not known yet: which fields it needs is checked once it is
    assert ok(type=kind, secret=SERVER_KEY, certificate=CERT)["type"] is kind
    # a secret not known yet counts as given
    assert ok(type="fcm", secret=Unknown())["type"] == "fcm"  # type: ignore[no-untyped-call]


def test_a_read_or_an_import_needs_no_secret() -> None:
    # Twilio never returns them, so the inputs a read builds have none.
    _, problems = validate({"type": "apn", "certificate": "", "private_key": ""}, require=False)
    assert problems == []
    _, problems = validate({"type": "fcm", "api_key": SERVER_KEY}, require=False)
    assert [p.field for p in problems] == ["api_key"]  # a field of another type is still wrong


# --- mistakes -----------------------------------------------------------------------------------------------

BAD: list[tuple[dict[str, Any], str, str]] = [
    # (inputs, the field named, words the reason holds)
    ({}, "type", "is required: 'apn' (Apple), 'fcm' (Firebase) or 'gcm' (Google)"),
    ({"type": "APN", **{k: v for k, v in APN.items() if k != "type"}}, "type", "in lower case: write 'apn'"),
    ({"type": "apns"}, "type", "did you mean 'apn'?"),
    ({"type": 1}, "type", "must be a string"),
    ({"type": "apn", "private_key": RSA_KEY}, "certificate", "is required for type 'apn': the APNs certificate"),
    ({"type": "apn", "certificate": CERT}, "private_key", "is required for type 'apn'"),
    ({"type": "fcm"}, "secret", "is required for type 'fcm': the server key of the Firebase project"),
    ({"type": "gcm"}, "api_key", "is required for type 'gcm'"),
    ({"type": "fcm", "secret": ""}, "secret", "is required for type 'fcm'"),
    ({"type": "fcm", "secret": SERVER_KEY, "api_key": SERVER_KEY}, "api_key",
     "is for type 'gcm', not 'fcm' (type 'fcm' takes secret): remove api_key, or set type='gcm'"),
    ({"type": "gcm", "api_key": SERVER_KEY, "secret": SERVER_KEY}, "secret", "is for type 'fcm', not 'gcm'"),
    ({**APN, "secret": SERVER_KEY}, "secret", "is for type 'fcm', not 'apn' (type 'apn' takes certificate and "
                                              "private_key)"),
    ({"type": "fcm", "secret": SERVER_KEY, "sandbox": True}, "sandbox", "is for type 'apn', not 'fcm'"),
    ({"type": "fcm", "secret": SERVER_KEY, "certificate": CERT}, "certificate", "is for type 'apn'"),
    ({**APN, "sandbox": "true"}, "sandbox", "must be a boolean"),
    ({**APN, "friendly_name": "x" * 65}, "friendly_name", "is 65 characters long; Twilio's limit is 64"),
    ({**APN, "friendly_name": "a\x1bb"}, "friendly_name", "control character"),
    ({**APN, "certificat": CERT}, "certificat", "did you mean 'certificate'?"),
    # the shape of a PEM
    ({**APN, "certificate": RSA_KEY, "private_key": RSA_KEY}, "certificate",
     "is a private key, not a certificate: did you swap certificate and private_key?"),
    ({**APN, "private_key": CERT}, "private_key",
     "is a certificate, not a private key: did you swap certificate and private_key?"),
    ({**APN, "certificate": "MIIByjCCATOgAwIBAgIBATANBgkqhkiG9w0BAQsFADAr"}, "certificate",
     "has no -----BEGIN CERTIFICATE----- line: give the PEM text with its BEGIN and END lines (from a .p12 file: "
     "`openssl pkcs12 -in cert.p12 -clcerts -nokeys -out cert.pem`)"),
    ({**APN, "private_key": "not a key at all"}, "private_key",
     "has no -----BEGIN PRIVATE KEY----- (or RSA PRIVATE KEY) line"),
    ({**APN, "certificate": "certs/apns-dev.pem"}, "certificate", "looks like a file name, not the file's content"),
    ({**APN, "certificate": CERT[:300]}, "certificate",
     "has no -----END CERTIFICATE----- line after its BEGIN line: is it cut short?"),
    ({**APN, "private_key": RSA_KEY[:-40]}, "private_key", "has no -----END RSA PRIVATE KEY----- line"),
    ({**APN, "certificate": "Bag Attributes\n    localKeyID: 01 02\n" + CERT}, "certificate",
     "characters of text outside its BEGIN and END lines (openssl's 'Bag Attributes' lines, for example)"),
    ({**APN, "certificate": CERT.replace("\n", "\\n")}, "certificate", "has its line breaks written as \\n"),
    ({**APN, "certificate": CERT.replace("MII", "MI!", 1)}, "certificate", "is not valid base64"),
    ({**APN, "certificate": "-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----"}, "certificate",
     "has nothing between its BEGIN and END lines"),
    ({**APN, "certificate": "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----"},
     "certificate", "does not hold a certificate or key"),
    ({**APN, "certificate": CERT.replace("-", "%2D").replace(" ", "%20")}, "certificate", "is URL-encoded"),
    ({**APN, "certificate": CERT + RSA_KEY}, "certificate", "holds a private key as well as the certificate"),
    ({**APN, "certificate": PUBLIC_KEY}, "certificate", "is a public key, not a certificate"),
    ({**APN, "private_key": RSA_KEY + CERT}, "private_key", "holds a certificate as well as the private key"),
    ({**APN, "private_key": RSA_KEY + PKCS8_KEY}, "private_key", "holds 2 PEM blocks"),
    ({**APN, "private_key": ENCRYPTED_KEY}, "private_key", "holds an encrypted private key: Twilio needs the key "
                                                           "without its passphrase"),
    ({**APN, "private_key": ENCRYPTED_RSA_KEY}, "private_key", "holds an encrypted private key"),
    ({**APN, "private_key": EC_KEY}, "private_key", "is an EC private key"),
    ({**APN, "private_key": PUBLIC_KEY}, "private_key", "is a public key, not a private key"),
    ({**APN, "certificate": CERT.replace("\n", "\x00", 1)}, "certificate", "contains 1 control character"),
    ({**APN, "certificate": "x" * 70000}, "certificate", "is 70000 characters long; the limit is 65536"),
    # the opaque keys
    ({"type": "fcm", "secret": SERVER_KEY + "\n"}, "secret", "has whitespace (a space or a line break) before or "
                                                           "after it: remove it"),
    ({"type": "gcm", "api_key": " " + SERVER_KEY}, "api_key", "has whitespace"),
    ({"type": "gcm", "api_key": "   "}, "api_key", "is only whitespace"),
    ({"type": "fcm", "secret": ["k"]}, "secret", "must be a string, got list (a secret: its value is not shown)"),
    ({"type": "fcm", "secret": {"k": [[["deep"]]]}}, "secret", "nests objects more than 1 level deep"),
]


@pytest.mark.parametrize(("values", "field", "words"), BAD, ids=[f"{f}:{w[:30]}" for _, f, w in BAD])
def test_a_mistake_names_the_field_and_the_fix(values: dict[str, Any], field: str, words: str) -> None:
    inputs, problems = validate(values)
    assert inputs == {}
    reasons = {p.field: p.reason for p in problems}
    assert field in reasons, problems
    assert words in reasons[field]


def test_every_mistake_is_said_at_once_and_once() -> None:
    _, problems = validate({"type": "fcm", "certificate": CERT, "api_key": "k", "friendly_name": 5})
    assert sorted(p.field for p in problems) == ["api_key", "certificate", "friendly_name", "secret"]
    # A type spelt wrong is one problem, not also "type is required".
    _, problems = validate({"type": "FCM", "secret": SERVER_KEY})
    assert [p.field for p in problems] == ["type"]


def test_the_inputs_must_be_an_object() -> None:
    not_a_mapping: Any = [("type", "apn")]
    assert validate(not_a_mapping) == ({}, [messages.Problem("", "the inputs must be an object, got list")])


# --- the model ------------------------------------------------------------------------------------------------

def test_the_model_takes_what_validate_takes() -> None:
    model = Inputs(type="apn", certificate=CERT, private_key=RSA_KEY, sandbox=True)
    assert validate(models.fields_of(model))[1] == []
    assert Inputs(type="fcm", secret=Unknown()).type == "fcm"  # type: ignore[no-untyped-call]


def test_a_mistake_in_the_model_is_one_settings_error_naming_the_program_line() -> None:
    with pytest.raises(SettingsError) as caught:
        Inputs(type="apn", certificate=RSA_KEY)
    message = str(caught.value)
    line = _line_of('Inputs(type="apn", certificate=RSA_KEY)')
    assert message == (f"Credential(...) at tests/test_credential.py:{line} has invalid inputs:\n"
                       "  certificate: is a private key, not a certificate: did you swap certificate and "
                       "private_key?\n"
                       f"  private_key: is required for type 'apn': {credential._WHAT['private_key']}")
    assert isinstance(caught.value, pulumi.RunError)
    # pydantic's error (which quotes the input) is neither chained nor the context
    assert caught.value.__cause__ is None and caught.value.__context__ is None


def test_a_wrong_type_in_the_model_is_a_settings_error_too() -> None:
    with pytest.raises(SettingsError, match="  sandbox: must be a boolean") as caught:
        Inputs(type="apn", certificate=CERT, private_key=RSA_KEY, sandbox="yes")
    # pydantic's ValidationError quotes every input, the certificate too: it must not ride along as the context
    assert caught.value.__context__ is None and CERT[30:60] not in "".join(traceback.format_exception(caught.value))
    with pytest.raises(SettingsError, match="did you mean 'secret'"):
        Inputs(type="fcm", secrett=SERVER_KEY)  # type: ignore[call-arg]


def test_the_models_repr_and_str_hide_the_secrets() -> None:
    model = Inputs(type="apn", certificate=CERT, private_key=RSA_KEY, friendly_name="ios")
    for text in (repr(model), str(model), f"{model!r}"):
        assert "BEGIN" not in text and "<secret>" in text and "ios" in text
    assert model.model_dump()["certificate"] == CERT  # the provider still gets the value


def _line_of(code: str) -> int:
    lines = Path(__file__).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if code in line and "_line_of" not in line)


# --- the wire -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("values", "form"), [
    (APN, {"Type": "apn", "Certificate": CERT, "PrivateKey": RSA_KEY, "Sandbox": "false"}),
    ({**APN, "sandbox": True, "friendly_name": "ios"},
     {"Type": "apn", "FriendlyName": "ios", "Certificate": CERT, "PrivateKey": RSA_KEY, "Sandbox": "true"}),
    ({"type": "fcm", "secret": SERVER_KEY}, {"Type": "fcm", "Secret": SERVER_KEY}),
    ({"type": "gcm", "api_key": SERVER_KEY, "friendly_name": "android"},
     {"Type": "gcm", "FriendlyName": "android", "ApiKey": SERVER_KEY}),
])
def test_a_create_sends_the_type_and_its_fields(values: dict[str, Any], form: dict[str, str]) -> None:
    assert to_form(ok(**values)) == form


@pytest.mark.parametrize(("only", "form"), [
    (["friendly_name"], {"FriendlyName": ""}),  # a name taken away is cleared
    (["sandbox"], {"Sandbox": "true"}),
    # a certificate goes with its key, so that Twilio never pairs it with the old one
    (["certificate"], {"Certificate": CERT, "PrivateKey": PKCS8_KEY}),
    (["private_key"], {"Certificate": CERT, "PrivateKey": PKCS8_KEY}),
    ([], {}),
])
def test_an_update_sends_the_changed_fields(only: list[str], form: dict[str, str]) -> None:
    assert to_form(ok(**{**APN, "private_key": PKCS8_KEY, "sandbox": True}), only=only) == form


def test_an_update_never_sends_the_type() -> None:
    with pytest.raises(KeyError, match="a new type is a replace"):
        to_form(ok(**APN), only=["type"])


def test_from_api_types_the_answer() -> None:
    body = {"sid": "CR" + "a" * 32, "account_sid": "AC" + "b" * 32, "friendly_name": None, "type": "apn",
            "sandbox": "True", "date_created": "2015-10-07T17:50:01Z", "date_updated": None, "url": None}
    outs = from_api(body)
    assert outs["sandbox"] is True and outs["friendly_name"] == "" and outs["url"] == ""
    assert from_api({**body, "sandbox": False})["sandbox"] is False
    assert from_api({**body, "sandbox": "false"})["sandbox"] is False
    assert from_api({**body, "sandbox": None})["sandbox"] is False
    assert from_api({**body, "type": "voip"})["type"] == "voip"  # kept, not guessed: a diff shows a replace


@pytest.mark.parametrize("body", [[], "x", None, {"sandbox": "yes"}, {"sandbox": 1}, {"sid": 5},
                                  {"friendly_name": {"a": 1}}, {"type": ["apn"]}])
def test_from_api_refuses_a_malformed_answer(body: Any) -> None:
    with pytest.raises(MalformedResponse):
        from_api(body)


def test_from_api_scrubs_a_secret_a_server_echoes() -> None:
    # A misbehaving server (or proxy) echoing the request must not put a key into the state or an error.
    inputs = ok(type="fcm", secret=SERVER_KEY)
    outs = from_api({"friendly_name": f"echo {SERVER_KEY}"}, secrets=credential.secret_values(inputs))
    assert SERVER_KEY not in outs["friendly_name"] and scrub.REDACTED in outs["friendly_name"]
    with pytest.raises(MalformedResponse) as caught:
        from_api({"sandbox": SERVER_KEY}, secrets=credential.secret_values(inputs))
    assert SERVER_KEY[:scrub.WINDOW] not in str(caught.value)
    pem = ok(**APN)
    with pytest.raises(MalformedResponse) as caught:
        from_api({"sandbox": CERT}, secrets=credential.secret_values(pem))
    assert "MII" not in str(caught.value)


# --- refresh and diff ----------------------------------------------------------------------------------------

def _answer(form: dict[str, str], sid: str = "CR" + "c" * 32) -> dict[str, Any]:
    """What Twilio answers for a stored form: no secret, sandbox as a string."""
    return {"sid": sid, "account_sid": "AC" + "a" * 32, "friendly_name": form.get("FriendlyName"),
            "type": form["Type"], "sandbox": "True" if form.get("Sandbox") == "true" else "False",
            "date_created": "2025-01-01T00:00:00Z", "date_updated": "2025-01-01T00:00:00Z",
            "url": f"https://conversations.twilio.com/v1/Credentials/{sid}"}


@pytest.mark.parametrize("values", [
    {**APN, "sandbox": True, "friendly_name": "ios"}, {"type": "fcm", "secret": SERVER_KEY},
    {"type": "gcm", "api_key": SERVER_KEY},
])
def test_up_then_preview_shows_no_changes(values: dict[str, Any]) -> None:
    inputs = ok(**values)
    state = with_secrets(from_api(_answer(to_form(inputs))), inputs)
    assert changed(state, inputs) == []
    # and a refresh reads back the same inputs, the secrets from the previous ones
    assert read_inputs(state, inputs) == inputs


def test_a_new_secret_in_the_program_is_an_update_of_that_field() -> None:
    old = ok(**APN)
    state = with_secrets(from_api(_answer(to_form(old))), old)
    new = ok(**{**APN, "private_key": PKCS8_KEY})
    assert changed(state, new) == ["private_key"]
    assert replaces(state, new) == []
    assert set(to_form(new, only=changed(state, new))) == {"Certificate", "PrivateKey"}


def test_a_new_type_is_a_replace() -> None:
    old = ok(type="fcm", secret=SERVER_KEY)
    state = with_secrets(from_api(_answer(to_form(old))), old)
    new = ok(type="gcm", api_key=SERVER_KEY)
    assert changed(state, new) == ["type", "api_key", "secret"]
    assert replaces(state, new) == ["type"]
    assert replaces(state, ok(type=Unknown(), api_key=SERVER_KEY)) == ["type"]  # type: ignore[no-untyped-call]


def test_drift_refresh_sees_and_the_one_it_cannot() -> None:
    inputs = ok(**{**APN, "friendly_name": "ios"})
    # Someone renamed the credential, turned on the sandbox and uploaded another certificate in the console:
    live = from_api({**_answer(to_form(inputs)), "friendly_name": "renamed", "sandbox": "True"})
    read = read_inputs(live, inputs)
    assert read["friendly_name"] == "renamed" and read["sandbox"] is True
    assert read["certificate"] == CERT  # the new certificate is invisible: Twilio never returns it
    assert changed(with_secrets(live, read), inputs) == ["friendly_name", "sandbox"]


def test_sandbox_means_nothing_to_fcm_whatever_twilio_answers() -> None:
    inputs = ok(type="fcm", secret=SERVER_KEY)
    live = from_api({**_answer(to_form(inputs)), "sandbox": "True"})
    assert changed(with_secrets(live, inputs), inputs) == []
    assert read_inputs(live, inputs)["sandbox"] is False


def test_an_import_reads_inputs_without_secrets_that_the_first_up_then_sends() -> None:
    live = from_api(_answer({"Type": "apn", "FriendlyName": "ios", "Sandbox": "true"}))
    read = read_inputs(live, {})
    assert read == {"type": "apn", "friendly_name": "ios", "certificate": "", "private_key": "", "sandbox": True,
                    "api_key": "", "secret": ""}
    assert validate(read, require=False)[1] == []
    program = ok(**{**APN, "friendly_name": "ios", "sandbox": True})
    assert changed(with_secrets(live, read), program) == ["certificate", "private_key"]


# --- no secret in any message ---------------------------------------------------------------------------------

_OUR_TEXT = "\n".join(Path(m.__file__ or "").read_text() for m in (credential, validation, models, messages))
_OUR_TEXT += "\n" + Path(__file__).read_text() + str(Path.cwd())
_SECRETS = st.text(min_size=8, max_size=120)
_WINDOWS = 8


def _pieces(secret: str) -> set[str]:
    return {secret[i:i + _WINDOWS] for i in range(len(secret) - _WINDOWS + 1)}


# The ways a secret reaches validation: as it is, inside PEM armour of each kind, swapped, around a real
# PEM, cut short, of the wrong type, under a misspelt field name.
_SHAPES: list[Callable[[str], Any]] = [
    lambda s: s,
    lambda s: f"-----BEGIN CERTIFICATE-----\n{s}\n-----END CERTIFICATE-----\n",
    lambda s: f"-----BEGIN RSA PRIVATE KEY-----\n{s}\n-----END RSA PRIVATE KEY-----\n",
    lambda s: f"-----BEGIN PRIVATE KEY-----\n{s}",
    lambda s: f"{s}\n{CERT}",
    lambda s: f"{RSA_KEY}{s}",
    lambda s: [s],
    lambda s: {"value": s},
    lambda s: s.encode("utf-8", "surrogatepass"),
]


_texts = credential_texts


@settings(max_examples=300, deadline=None)
@example(secret="MIIByjCCATOgAwIBAgIBATANBgkqhkiG9w0B", field="certificate", kind="apn", shape=1)
@example(secret="AAAAexample:APA91bHun4Mx ", field="secret", kind="fcm", shape=0)
@given(secret=_SECRETS, field=st.sampled_from(sorted(SECRET_FIELDS)), kind=st.sampled_from(["apn", "fcm", "gcm"]),
       shape=st.integers(0, len(_SHAPES) - 1))
def test_no_secret_ever_appears_in_a_message_or_a_repr(secret: str, field: str, kind: str, shape: int) -> None:
    pieces = _pieces(secret)
    # A "secret" made of our own words (hypothesis draws constants from the code) proves nothing.
    assume(not any(piece in _OUR_TEXT for piece in pieces))
    values = {"type": kind, field: _SHAPES[shape](secret)}
    baseline = " ".join(_texts({"type": kind, field: _SHAPES[shape]("\ue000" * len(secret))}))
    assume(not any(piece in baseline for piece in pieces))
    for misspelt in (False, True):
        given_values = {"type": kind, f"{field}x": values[field]} if misspelt else values
        for text in _texts(given_values):
            leaked = [piece for piece in pieces if piece in text]
            assert not leaked, text
