"""The secrets suite (issue 18): no push-credential secret appears anywhere but in encrypted state.

Three parts:

- the engine's rules for secrets, as the harness models them (harness.py ``unmarshal``, ``checked_secrets``,
  ``stored_secrets``, ``Checkpoint``), as tables; and the dynamic ``Credential`` class, under Pulumi's mocks,
  registering what a harness program says it registers (its secret inputs and ``additional_secret_outputs``);
- the scan: a stack with a Service, an apn and an fcm Credential and the service's ServiceNotifications
  goes through up, preview, refresh, rotations, a replace, calls failing with answers that echo the secrets,
  a check failure, and destroy, on both front ends; every channel a secret could leak through is collected
  (``Harvest``) and searched for every secret, whole and in pieces, plain and encoded (``find_leaks``). The
  scanner itself is proven on planted leaks;
- hostile secrets (hypothesis): PEM-like, with control characters, huge, unicode, through validation, the
  models and both front ends' Check: no text holds the secret or a 12-character piece of it.
"""

from __future__ import annotations

import base64
import datetime
import json
import re
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, Optional
from urllib.parse import quote, quote_plus

import pulumi
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.protobuf import struct_pb2
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from pem import CERT, RSA_KEY, SERVER_KEY, credential_texts
from pulumi.runtime.mocks import MockMonitor

from pulumi_twilio_conversations import Credential
from pulumi_twilio_conversations import emulator as emulator_module
from pulumi_twilio_conversations.core import credential as credential_module
from pulumi_twilio_conversations.core import messages, models, validation
from pulumi_twilio_conversations.core.credential import MAX_SECRET_LENGTH, SECRET_FIELDS, validate
from pulumi_twilio_conversations.core.models import SettingsError
from pulumi_twilio_conversations.dynamic import resource as dynamic_resource
from pulumi_twilio_conversations.dynamic import resources as dynamic_resources
from pulumi_twilio_conversations.emulator import Emulator
from pulumi_twilio_conversations.native import provider as native_provider
from pulumi_twilio_conversations.native.schema import RESOURCE_TYPES, camel_word

import harness
from conftest import TOKEN, MockRecorder, stack_config
from frontends import FrontEnd, Server, both
from harness import (
    Answer,
    CheckFailed,
    Checkpoint,
    ProviderError,
    Ref,
    Resource,
    StateEntry,
    checked_secrets,
    stored_secrets,
    unmarshal,
)

runtime_test: Callable[[Callable[..., Any]], Callable[..., Any]] = pulumi.runtime.test
SIG_KEY, SECRET_SIG = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"


# --- more PEM material: the rotations' certificates and keys, each recognizable --------------------------------

def _pair(name: str) -> tuple[str, str]:
    """A self-signed certificate and its RSA key, as PEM text (made once per test run: each run's differ)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    start = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(2).not_valid_before(start).not_valid_after(start + datetime.timedelta(days=365))
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM).decode(),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                              serialization.NoEncryption()).decode())


CERT2, KEY2 = _pair("Apple Push Services: com.example.rotated")
CERT3, _ = _pair("Apple Push Services: com.example.cut-short")
CUT_SHORT = CERT3.split("-----END")[0]
"""A certificate whose END line is missing (a paste cut short): Check refuses it, its body lines are secret."""
SERVER_KEY2 = "AAAArotated:APA91bRotatedKey-7Qw3ErTy-UiOp4AsDfGhJkL"
SERVER_KEY3 = "AAAAweb:APA91bWebClientKey-ZxCvBnM-0987QwErTyUiOpAs"
API_KEY = "AIzaSyGcmApiKey-RECOGNIZABLE-0a1b2c3d4e5f6g7h8i9j"
API_KEY2 = "AIzaSyRotatedGcmKey-9z8y7x6w5v4u3t2s1r0q-pOnMlKjI"
PUSH_SECRETS = (CERT, RSA_KEY, SERVER_KEY, CERT2, KEY2, SERVER_KEY2, SERVER_KEY3, API_KEY, API_KEY2, CUT_SHORT)
SECRETS = (*PUSH_SECRETS, TOKEN)


# --- the scanner ----------------------------------------------------------------------------------------------

def fragments(secret: str) -> dict[str, str]:
    """The secret and pieces of it that belong to it alone: each base64 line of a PEM's body (not its BEGIN
    and END lines, which every PEM shares), or the head and tail of a one-line key (a truncated echo)."""
    found = {"whole": secret}
    lines = [line.strip() for line in secret.splitlines()]
    body = [line for line in lines if len(line) >= 16 and not line.startswith("-----")]
    if len(lines) > 1:
        found.update({f"line {n}": line for n, line in enumerate(body)})
    elif len(secret) >= 24:
        found.update({"head": secret[:16], "tail": secret[-16:]})
    return found


def encodings(text: str) -> dict[str, str]:
    """``text`` as it may be written where it leaks: as is, URL-encoded (a form or a link, either case of
    hex digits), JSON-escaped (a state file, a JSON answer: PEM line breaks as ``\\n``)."""
    forms = {"plain": text, "url": quote(text, safe=""), "url-path": quote(text), "form": quote_plus(text),
             "json": json.dumps(text)[1:-1], "json-ascii": json.dumps(text, ensure_ascii=True)[1:-1]}
    forms["url-lower"] = re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), forms["url"])
    unique: dict[str, str] = {}
    for name, form in forms.items():
        if form not in unique.values():
            unique[name] = form
    return unique


@cache
def _needles(secrets: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(what it is, the text to look for) for every fragment of every secret in every encoding."""
    return tuple((f"secret {n} {piece} ({how})", form)
                 for n, secret in enumerate(secrets) for piece, text in fragments(secret).items()
                 for how, form in encodings(text).items())


def sealed(tree: Any) -> Any:
    """A state with each encrypted secret (the signature and a ciphertext, nothing else) left out: what is
    left is what anyone who reads the state file reads. A secret written with its plaintext stays in."""
    if isinstance(tree, Mapping):
        if tree.get(SIG_KEY) == SECRET_SIG and set(tree) == {SIG_KEY, "ciphertext"}:
            return "[secret]"
        return {k: sealed(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return [sealed(v) for v in tree]
    return tree


KINDS = {kind.name: kind for kind in RESOURCE_TYPES}


def declared_secrets(urn: str) -> frozenset[str]:
    """The inputs a resource type declares secret (core ResourceType.secret_inputs), in both front ends'
    names, from a URN's type (``...::pulumi-python:dynamic/twilio:Credential::ios``)."""
    parts = urn.split("::")
    kind = KINDS.get(parts[2].rsplit(":", 1)[-1]) if len(parts) >= 4 else None
    if kind is None:  # the provider's own calls (its URN's type is pulumi:providers:<package>)
        return frozenset()
    return frozenset(kind.secret_inputs | {camel_word(name) for name in kind.secret_inputs})


def in_the_clear(answer: Answer) -> Any:
    """What of an RPC answer is not secret. The secrets a provider marks are left out (the engine keeps
    them secret), and so are the properties named like the type's declared secrets: a provider answering
    acceptSecrets=False returns those in plain and the engine marks them (annotateSecrets, additional secret
    outputs); whether the state then holds them encrypted is the state's check. Everything else, a secret
    in any other property, a check failure, an error, a diff, is scanned."""
    def unwrapped(tree: Any) -> Any:
        if harness.is_secret(tree):
            return "[secret]"
        if isinstance(tree, Mapping):
            return {k: unwrapped(v) for k, v in tree.items()}
        if isinstance(tree, list):
            return [unwrapped(v) for v in tree]
        return tree

    declared = declared_secrets(answer.urn)
    response = unwrapped(answer.response or {})
    for key in ("inputs", "properties"):
        if isinstance(response.get(key), Mapping):
            response[key] = {k: v for k, v in response[key].items() if k not in declared}
    return {"response": response, "error": answer.error}


@dataclass
class Harvest:
    """Every channel a secret could leak through, as collected from a scenario (``channels`` lists them)."""

    states: list[Any] = field(default_factory=list)
    """Each ``pulumi stack export`` (Checkpoint.deployment) taken along the way."""
    answers: list[Answer] = field(default_factory=list)
    """Every RPC answer of the provider (harness.py PluginProcess.answers)."""
    errors: list[str] = field(default_factory=list)
    """Every error a user saw: a provider's, a check failure's, the engine's."""
    stderr: str = ""
    """The provider process's stderr: each line becomes a message on the stack (plugin.go newPlugin)."""
    logs: list[str] = field(default_factory=list)
    """The engine Log messages the plugin sent (native FakeEngine)."""
    emulator: list[Any] = field(default_factory=list)
    """Every answer "Twilio" (the emulator) made, its injected faults aside."""
    shown: list[Any] = field(default_factory=list)
    """What the CLI prints of each plan: ``[diff: ~secret]`` and the paths ``--diff`` names."""

    def channels(self) -> Iterator[tuple[str, Any]]:
        for n, state in enumerate(self.states):
            yield f"state export {n}", sealed(state)
        for n, answer in enumerate(self.answers):
            yield f"{answer.method} answer {n} ({answer.urn or 'provider'})", in_the_clear(answer)
        for n, error in enumerate(self.errors):
            yield f"error {n}", error
        yield "stderr", self.stderr
        for n, log in enumerate(self.logs):
            yield f"engine log {n}", log
        for n, answer in enumerate(self.emulator):
            yield f"emulator answer {n}", answer
        for n, plan in enumerate(self.shown):
            yield f"plan {n}", plan


def _strings(tree: Any) -> Iterator[str]:
    if isinstance(tree, str):
        yield tree
    elif isinstance(tree, Mapping):
        for k, v in tree.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(tree, list):
        for v in tree:
            yield from _strings(v)


def find_leaks(harvest: Harvest, secrets: tuple[str, ...] = SECRETS) -> list[str]:
    """Where any fragment of any secret shows, in any encoding: each channel's JSON text (escaped, as a state
    file or an answer holds it) and each of its strings (as printed)."""
    leaks = []
    for channel, content in harvest.channels():
        texts = [json.dumps(content, ensure_ascii=False), *_strings(content)]
        for what, needle in _needles(secrets):
            if any(needle in text for text in texts):
                leaks.append(f"{channel}: {what}")
    return leaks


# --- the engine's rules, as the harness models them --------------------------------------------------------------

def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct


def _wire(value: Any) -> dict[str, Any]:
    return {SIG_KEY: SECRET_SIG, "value": value}


@pytest.mark.parametrize(("answer", "plain", "secret_keys"), [
    ({"type": "fcm", "secret": "k"}, {"type": "fcm", "secret": "k"}, set()),
    ({"type": "fcm", "secret": _wire("k")}, {"type": "fcm", "secret": "k"}, {"secret"}),
    # a secret inside an object: the whole top-level key is kept secret
    ({"newMessage": {"template": _wire("t"), "enabled": True}}, {"newMessage": {"template": "t", "enabled": True}},
     {"newMessage"}),
    ({"links": [_wire("a"), "b"]}, {"links": ["a", "b"]}, {"links"}),
    ({"secret": _wire({"deep": _wire("x")})}, {"secret": {"deep": "x"}}, {"secret"}),
])
def test_a_providers_secrets_are_unwrapped_and_their_keys_kept(answer: dict[str, Any], plain: dict[str, Any],
                                                               secret_keys: set[str]) -> None:
    assert unmarshal(_struct(answer)) == (plain, frozenset(secret_keys))
    assert harness.from_struct(_struct(answer)) == plain


@pytest.mark.parametrize(("checked", "marked", "news_secrets", "expected"), [
    ({"type": "fcm", "secret": "k"}, set(), set(), set()),  # nobody marked it: plain in the state
    ({"type": "fcm", "secret": "k"}, {"secret"}, set(), {"secret"}),  # the plugin's Check marks it
    ({"type": "fcm", "secret": "k"}, set(), {"secret"}, {"secret"}),  # the program marked it (annotateSecrets)
    ({"type": "fcm"}, set(), {"secret"}, set()),  # a key Check dropped is no input
])
def test_checked_inputs_are_secret_where_the_provider_or_the_program_marked_them(
        checked: dict[str, Any], marked: set[str], news_secrets: set[str], expected: set[str]) -> None:
    assert checked_secrets(checked, frozenset(marked), frozenset(news_secrets)) == expected


@pytest.mark.parametrize(("outputs", "marked", "secret_inputs", "additional", "expected"), [
    ({"sid": "CR1", "secret": "k"}, set(), set(), (), set()),
    ({"sid": "CR1", "secret": "k"}, {"secret"}, set(), (), {"secret"}),  # the plugin marks its outputs
    ({"sid": "CR1", "secret": "k"}, set(), {"secret"}, (), {"secret"}),  # a secret input's namesake
    ({"sid": "CR1", "secret": "k", "api_key": ""}, set(), set(), ("api_key", "secret"), {"api_key", "secret"}),
    ({"sid": "CR1"}, set(), {"secret"}, ("api_key",), set()),  # nothing to mark that is not an output
])
def test_outputs_are_secret_where_marked_named_or_their_input_is_secret(
        outputs: dict[str, Any], marked: set[str], secret_inputs: set[str], additional: tuple[str, ...],
        expected: set[str]) -> None:
    assert stored_secrets(outputs, frozenset(marked), frozenset(secret_inputs), additional) == expected


@pytest.mark.parametrize(("failures", "printed"), [
    ([("type", "must be one of 'apn', 'fcm', 'gcm'")],
     ["pulumi-python:dynamic/twilio:Credential resource 'ios': property type value {APN} has a problem: must be one "
      "of 'apn', 'fcm', 'gcm'"]),
    ([("new_message.sound", "too long")],  # a nested path is no input key: its value prints as nil
     ["pulumi-python:dynamic/twilio:Credential resource 'ios': property new_message.sound value {<nil>} has a "
      "problem: too long"]),
    ([("", "certificate: has no -----END CERTIFICATE----- line")],
     ["pulumi-python:dynamic/twilio:Credential resource 'ios' has a problem: certificate: has no -----END "
      "CERTIFICATE----- line"]),
])
def test_a_check_failure_is_printed_with_the_value_of_the_property_it_names(failures: list[tuple[str, str]],
                                                                            printed: list[str]) -> None:
    failed = CheckFailed(failures, harness.urn("ios", "Credential"), {"type": "APN", "certificate": CERT})
    assert failed.printed == printed


def test_the_state_file_encrypts_every_secret_input_and_output_and_nothing_else() -> None:
    entry = StateEntry("CR1", {"type": "fcm", "secret": SERVER_KEY}, {"sid": "CR1", "secret": SERVER_KEY},
                       secrets=frozenset({"secret"}), kind="Credential", secret_inputs=frozenset({"secret"}),
                       additional_secret_outputs=("secret",))
    checkpoint = Checkpoint({"android": entry}, {"twilio:authToken": harness.Secret(TOKEN), "twilio:region": "ie1"})
    deployment = checkpoint.deployment("dev", "push")
    _stack, provider, android = deployment["resources"]
    assert SERVER_KEY not in json.dumps(deployment) and TOKEN not in json.dumps(deployment)
    for stored in (android["inputs"]["secret"], android["outputs"]["secret"], provider["inputs"]["twilio:authToken"]):
        assert set(stored) == {SIG_KEY, "ciphertext"} and stored["ciphertext"].startswith("v1:")
    assert checkpoint.decrypt(android["outputs"]["secret"]) == SERVER_KEY
    assert checkpoint.decrypt(provider["inputs"]["twilio:authToken"]) == TOKEN
    assert (android["inputs"]["type"], android["outputs"]["sid"], provider["inputs"]["twilio:region"]) == (
        "fcm", "CR1", "ie1")
    assert android["additionalSecretOutputs"] == ["secret"]
    # two encryptions of one value differ (a fresh nonce each): the ciphertext says nothing of equal values
    assert checkpoint.encrypt(SERVER_KEY) != checkpoint.encrypt(SERVER_KEY)


# --- the program side: what the dynamic Credential registers ---------------------------------------------------

def dynamic_credential(props: dict[str, Any]) -> Resource:
    """The dynamic ``Credential`` as a harness program declares it: each secret it is given wrapped in
    ``Output.secret`` and ``additional_secret_outputs`` naming every secret (dynamic/resources.py _register).
    ``test_the_dynamic_credential_registers_what_the_harness_program_says`` proves that the class does so."""
    return Resource(dict(props), kind="Credential", secrets=frozenset(k for k in SECRET_FIELDS if props.get(k)),
                    additional_secret_outputs=tuple(sorted(SECRET_FIELDS)))


def credential(front_end: FrontEnd, props: dict[str, Any]) -> Resource:
    """A Credential in a program of the front end. On the plugin, with no mark at all: a YAML program with the
    values written inline, the worst case, where the plugin alone must make them secret."""
    return dynamic_credential(props) if front_end.name == "dynamic" else Resource(dict(props), kind="Credential")


class RecordingMonitor(MockMonitor):
    """Pulumi's mock resource monitor, keeping each RegisterResource request as the engine receives it."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.requests: list[Any] = []

    def RegisterResource(self, request: Any) -> Any:
        self.requests.append(request)
        return super().RegisterResource(request)  # type: ignore[no-untyped-call]


@pytest.fixture
def monitor() -> RecordingMonitor:
    recorder = MockRecorder()
    recording = RecordingMonitor(recorder)
    pulumi.runtime.set_mocks(recorder, project="test", stack="dev", preview=False, monitor=recording)
    return recording


APN_PROPS = {"type": "apn", "certificate": CERT, "private_key": RSA_KEY, "sandbox": True}
FCM_PROPS = {"type": "fcm", "secret": SERVER_KEY, "friendly_name": "android"}
GCM_PROPS = {"type": "gcm", "api_key": API_KEY}


@pytest.mark.parametrize("props", [APN_PROPS, FCM_PROPS, GCM_PROPS], ids=["apn", "fcm", "gcm"])
@runtime_test
def test_the_dynamic_credential_registers_what_the_harness_program_says(monitor: RecordingMonitor,
                                                                       props: dict[str, Any]) -> Any:
    cred = Credential("push", **props)

    def verify(_: Any) -> None:
        (request,) = [r for r in monitor.requests if r.name == "push"]
        # the registration's inputs, secrets marked as the SDK serialized them (pulumi/runtime/rpc.py)
        inputs, secret_inputs = unmarshal(request.object)
        program = dynamic_credential(props)
        assert request.type == harness.type_token("Credential")
        assert secret_inputs == program.secrets and secret_inputs  # each secret given, and only those
        assert tuple(request.additionalSecretOutputs) == program.additional_secret_outputs
        assert {k: v for k, v in inputs.items() if v is not None and k != "__provider"} == props

    return cred.urn.apply(verify)


# --- the scan: a whole lifecycle, on both front ends -----------------------------------------------------------

def push_stack(front_end: FrontEnd, ios: dict[str, Any], android: dict[str, Any],
               web: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """The push story of one environment: a service, its push credentials and its notification settings."""
    program: dict[str, Any] = {
        "support": Resource({"friendly_name": "support-dev", "deletion_protection": False}, kind="Service"),
        "ios": credential(front_end, {"type": "apn", "friendly_name": "ios", "sandbox": True, **ios}),
        "android": credential(front_end, {"friendly_name": "android", **android}),
        "support-push": {"chat_service_sid": Ref("support", "sid"), "new_message": {"enabled": True}},
    }
    if web is not None:
        program["web"] = credential(front_end, {"type": "fcm", **web})
    return program


def echo(status: int, *quoted: str) -> str:
    """A Twilio error body quoting what it was sent, as a proxy or a debugging gateway may: the first text in
    the message, the second URL-encoded in more_info."""
    more = f"https://proxy.example/debug?sent={quote_plus(quoted[1])}" if len(quoted) > 1 else None
    return json.dumps({"code": 20001, "message": f"rejected: {quoted[0]}", "more_info": more, "status": status})


def pem_line(pem: str, n: int = 2) -> str:
    return list(fragments(pem).values())[1 + n]


def record_emulator_answers(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every answer the emulator's API makes (its ``_api``: what Twilio would say), faults aside."""
    answers: list[Any] = []
    original = emulator_module._Handler._api

    def recording(self: Any, *args: Any) -> Any:
        answer = original(self, *args)
        answers.append(answer[1])
        return answer

    monkeypatch.setattr(emulator_module._Handler, "_api", recording)
    return answers


@dataclass
class Scenario:
    """A front end's stack and what the scan collects from it."""

    front_end: FrontEnd
    server: Server
    config: dict[str, Any]
    harvest: Harvest = field(default_factory=Harvest)

    def __post_init__(self) -> None:
        self.stack = self.front_end.stack(self.server)

    def up(self, program: Mapping[str, Any]) -> dict[str, str]:
        return self._shown(self.stack.up(program))

    def preview(self, program: Mapping[str, Any]) -> dict[str, str]:
        return self._shown(self.stack.preview(program))

    def _shown(self, plan: harness.Plan) -> dict[str, str]:
        """The plan's changes; what the CLI prints of it is kept for the scan."""
        self.harvest.shown.append({"display": plan.display, "detail": plan.detail})
        return plan.changes

    def export(self) -> Checkpoint:
        """``pulumi stack export`` now: kept for the scan, and returned to read its secrets back."""
        checkpoint = self.front_end.checkpoint(self.stack.state, self.config)
        self.harvest.states.append(checkpoint.deployment("dev", "push"))
        return checkpoint

    def fails(self, step: Callable[[], Any], error: type[Exception] = ProviderError) -> str:
        with pytest.raises(error) as failed:
            step()
        text = str(failed.value)
        self.harvest.errors.append(text)
        if isinstance(failed.value, CheckFailed):  # each failure, and the error the engine prints for it
            self.harvest.errors.extend(f"{path}: {reason}" for path, reason in failed.value.failures)
            self.harvest.errors.extend(failed.value.printed)
        return text

    def collect(self, emulator_answers: list[Any]) -> Harvest:
        self.harvest.answers = list(self.server.answers)
        self.harvest.stderr = self.server.stderr
        engine = getattr(self.server, "engine", None)
        self.harvest.logs = [entry.message for entry in engine.logs] if engine is not None else []
        self.harvest.emulator = list(emulator_answers)
        return self.harvest


def stored(checkpoint: Checkpoint, front_end: FrontEnd, name: str, where: str, key: str) -> Any:
    """A secret of the exported state, decrypted; it must be stored as a ciphertext."""
    (resource,) = [r for r in checkpoint.deployment("dev", "push")["resources"] if r["urn"].endswith(f"::{name}")]
    value = resource[where][front_end.path(key)]
    assert set(value) == {SIG_KEY, "ciphertext"}, (where, key, value)
    return checkpoint.decrypt(value)


@both
def test_no_secret_appears_anywhere_but_in_encrypted_state(front_end: FrontEnd, emulator: Emulator,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    answers = record_emulator_answers(monkeypatch)
    config = stack_config(emulator)
    first = push_stack(front_end, {"certificate": CERT, "private_key": RSA_KEY}, {"type": "fcm", "secret": SERVER_KEY})
    rotated = push_stack(front_end, {"certificate": CERT2, "private_key": KEY2},
                         {"type": "fcm", "secret": SERVER_KEY2})
    retyped = push_stack(front_end, {"certificate": CERT2, "private_key": KEY2}, {"type": "gcm", "api_key": API_KEY})
    regenerated = push_stack(front_end, {"certificate": CERT2, "private_key": KEY2},
                             {"type": "gcm", "api_key": API_KEY2})
    back = push_stack(front_end, {"certificate": CERT, "private_key": RSA_KEY}, {"type": "gcm", "api_key": API_KEY2})
    grown = push_stack(front_end, {"certificate": CERT, "private_key": RSA_KEY}, {"type": "gcm", "api_key": API_KEY2},
                       web={"secret": SERVER_KEY3})
    with front_end.server(config) as server:
        run = Scenario(front_end, server, config)
        stack = run.stack
        assert run.up(first) == dict.fromkeys(first, "create")
        exported = run.export()
        # the state holds each secret, encrypted, in its inputs and its outputs
        for where in ("inputs", "outputs"):
            assert stored(exported, front_end, "ios", where, "certificate") == CERT
            assert stored(exported, front_end, "ios", where, "private_key") == RSA_KEY
            assert stored(exported, front_end, "android", where, "secret") == SERVER_KEY
        assert run.preview(first) == {}
        assert stack.refresh() == dict.fromkeys(first, "same")
        run.export()
        # rotating each secret is an update of it
        assert run.preview(rotated) == {"ios": "update", "android": "update"}
        assert run.up(rotated) == {"ios": "update", "android": "update"}
        exported = run.export()
        assert stored(exported, front_end, "ios", "outputs", "private_key") == KEY2
        assert stored(exported, front_end, "android", "inputs", "secret") == SERVER_KEY2
        # a new type replaces the credential
        assert run.up(retyped) == {"android": "replace"}
        assert stored(run.export(), front_end, "android", "outputs", "api_key") == API_KEY
        assert run.up(regenerated) == {"android": "update"}
        assert stored(run.export(), front_end, "android", "inputs", "api_key") == API_KEY2
        # an update and a create whose error answers quote what they were sent
        emulator.inject(status=400, body=echo(400, pem_line(CERT), pem_line(RSA_KEY)), methods=["POST"],
                        paths=["/v1/Credentials/*"])
        run.fails(lambda: stack.up(back))
        emulator.inject(status=400, body=echo(400, SERVER_KEY3, SERVER_KEY3), methods=["POST"],
                        paths=["/v1/Credentials"])
        run.fails(lambda: stack.up(grown))
        assert run.up(grown) == {"web": "create"}
        run.export()
        # a certificate cut short is refused at preview, naming the field, never quoting it
        broken = push_stack(front_end, {"certificate": CUT_SHORT, "private_key": RSA_KEY},
                            {"type": "gcm", "api_key": API_KEY2}, web={"secret": SERVER_KEY3})
        assert "certificate" in run.fails(lambda: stack.preview(broken), CheckFailed)
        stack.destroy()
        assert stack.state == {} and emulator.credentials() == []
        harvest = run.collect(answers)
    # every secret did go where it belongs: to Twilio (the scan would prove nothing otherwise)
    sent = {value for request in emulator.api_requests() for value in request.form.values()}
    assert set(PUSH_SECRETS) - {CUT_SHORT} <= sent
    assert len(harvest.states) == 6 and len(harvest.errors) >= 4 and len(harvest.shown) == 7
    assert len(harvest.emulator) == len(emulator.api_requests()) - 2  # every answer but the two faults
    assert {"Check", "Create", "Read", "Update", "Delete"} <= {a.method for a in harvest.answers}
    assert find_leaks(harvest) == []


# --- the scanner finds what is there ------------------------------------------------------------------------

def _planted(channel: str, text: str) -> Harvest:
    """A harvest with ``text`` in one channel, as a leak there would put it."""
    urn = harness.urn("ios", "Credential")
    plants: dict[str, Callable[[], Harvest]] = {
        "state": lambda: Harvest(states=[{"resources": [{"outputs": {"friendly_name": text}}]}]),
        "state-plaintext": lambda: Harvest(states=[{"outputs": {"certificate": {SIG_KEY: SECRET_SIG,
                                                                                 "plaintext": json.dumps(text)}}}]),
        "answer-output": lambda: Harvest(answers=[Answer("Create", urn, {"properties": {"friendlyName": text}})]),
        "answer-failure": lambda: Harvest(answers=[Answer("Check", urn, {"failures": [{"reason": text}]})]),
        "answer-error": lambda: Harvest(answers=[Answer("Update", urn, error=text)]),
        "answer-other-resource": lambda: Harvest(answers=[Answer("Create", harness.urn("push"),
                                                                 {"properties": {"secret": text}})]),
        "error": lambda: Harvest(errors=[f"error: {text}"]),
        "stderr": lambda: Harvest(stderr=f"debug: {text}\n"),
        "log": lambda: Harvest(logs=[f"warning: {text}"]),
        "emulator": lambda: Harvest(emulator=[{"friendly_name": text}]),
        "plan": lambda: Harvest(shown=[{"display": {"ios": f"[diff: ~{text}]"}}]),
    }
    return plants[channel]()


_CHANNELS = ["state", "state-plaintext", "answer-output", "answer-failure", "answer-error", "answer-other-resource",
             "error", "stderr", "log", "emulator", "plan"]
_PLANTS: list[tuple[str, str]] = [
    ("whole key", SERVER_KEY2), ("whole PEM", CERT2), ("one PEM line", pem_line(KEY2, 5)),
    ("a PEM line URL-encoded", quote_plus(pem_line(CERT2, 3))), ("the PEM JSON-escaped", json.dumps(KEY2)[1:-1]),
    ("a truncated key", SERVER_KEY2[:18]), ("the token", TOKEN),
]


@pytest.mark.parametrize("channel", _CHANNELS)
@pytest.mark.parametrize(("what", "leak"), _PLANTS, ids=[p[0] for p in _PLANTS])
def test_the_scanner_finds_a_secret_planted_in_any_channel(channel: str, what: str, leak: str) -> None:
    leaks = find_leaks(_planted(channel, leak))
    assert leaks, f"{what} in {channel} not found"


def test_the_scanner_passes_what_is_kept_secret() -> None:
    urn = harness.urn("ios", "Credential")
    harvest = Harvest(
        states=[{"outputs": {"certificate": {SIG_KEY: SECRET_SIG, "ciphertext": "v1:bm9uY2U=:c2VhbGVk"}}}],
        answers=[Answer("Create", urn, {"properties": {"certificate": CERT2, "privateKey": _wire(KEY2)}}),
                 Answer("Check", urn, {"inputs": {"secret": SERVER_KEY2, "type": "fcm"}})],
        errors=["Credential 'ios': certificate: has no -----END CERTIFICATE----- line"])
    assert find_leaks(harvest) == []


@both
def test_a_secret_the_state_does_not_mark_is_found_by_the_scan(front_end: FrontEnd, emulator: Emulator) -> None:
    config = stack_config(emulator)
    with front_end.server(config) as server:
        run = Scenario(front_end, server, config)
        run.stack.up({"ios": credential(front_end, {"type": "apn", "certificate": CERT2, "private_key": KEY2})})
        run.export()
        assert find_leaks(run.harvest) == []
        # as if nobody had marked the outputs (no mark from the plugin, no additional_secret_outputs) ...
        entry = run.stack.state["ios"]
        run.stack.state["ios"] = replace(entry, secrets=frozenset())
        run.export()
        leaked = find_leaks(run.harvest)
        assert leaked and all(leak.startswith("state export 1:") for leak in leaked)
        # ... or the inputs
        run.stack.state["ios"] = replace(entry, secret_inputs=entry.secret_inputs - {"private_key"})
        run.harvest.states = []
        run.export()
        assert {leak.split(":")[0] for leak in find_leaks(run.harvest)} == {"state export 0"}


# --- hostile secrets ----------------------------------------------------------------------------------------

PIECE = 12
"""A run of this many characters of a secret is a leak (shorter ones occur in any text by chance)."""
_OUR_TEXT = "\n".join(Path(m.__file__ or "").read_text() for m in (
    credential_module, validation, models, messages, dynamic_resource, dynamic_resources, native_provider))
_OUR_TEXT += "\n" + Path(__file__).read_text() + str(Path.cwd())


def _pieces(secret: str) -> set[str]:
    """The 12-character runs of a secret, but those that are our own words (hypothesis draws constants
    from the code, and a "secret" made of them proves nothing)."""
    runs = {secret[i:i + PIECE] for i in range(len(secret) - PIECE + 1)}  # a huge secret repeats: few distinct
    return {run for run in runs if run not in _OUR_TEXT}


def _armoured(body: bytes, label: str, width: int, tail: str) -> str:
    text = base64.b64encode(body).decode()
    lines = "\n".join(text[i:i + width] for i in range(0, len(text), width))
    return f"-----BEGIN {label}-----\n{lines}\n{tail}"


_LABELS = st.sampled_from(["CERTIFICATE", "RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "PUBLIC KEY"])
_PEM_LIKE = st.builds(
    lambda body, label, width, end, noise: (_armoured(body, label, width, f"-----END {label}-----\n" if end else "")
                                            + noise),
    st.binary(min_size=24, max_size=900), _LABELS, st.sampled_from([64, 76, 40]), st.booleans(),
    st.sampled_from(["", "\n", "Bag Attributes: x\n", "\x00", "\\n"]))
_CONTROL = st.text(alphabet=st.characters(max_codepoint=0x9F), min_size=PIECE, max_size=200)
_UNICODE = st.text(min_size=PIECE, max_size=600)
_HUGE = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=PIECE, max_size=40).map(
    lambda s: s * (MAX_SECRET_LENGTH // len(s) + 2))
SECRET_STRINGS = st.one_of(_PEM_LIKE, _CONTROL, _UNICODE, _HUGE)
PLACES = st.sampled_from([("apn", "certificate"), ("apn", "private_key"), ("fcm", "secret"), ("gcm", "api_key"),
                          ("fcm", "certificate"), ("gcm", "secret"), ("apn", "api_key")])
"""(type, field): mostly the field's own type, whose checks read the value; sometimes another's."""


def _program_texts(values: dict[str, Any]) -> list[str]:
    """Every text a program's author may see for these inputs: each Problem, the model's error and its
    traceback (or its repr and str when valid), and the dynamic Credential's error."""
    texts = credential_texts(values)
    _, problems = validate(values)
    if problems:  # the class checks plain values before it registers anything
        with pytest.raises(SettingsError) as refused:
            Credential("hostile", **values)
        texts += [str(refused.value), "".join(traceback.format_exception(refused.value))]
    return texts


@settings(max_examples=200, deadline=None)
@example(secret=CUT_SHORT, place=("apn", "certificate"))
@example(secret=KEY2 + "\x07", place=("apn", "private_key"))
@example(secret="AAAA" + "k9Xw-" * 50, place=("fcm", "secret"))
@given(secret=SECRET_STRINGS, place=PLACES)
def test_no_message_repr_or_error_holds_a_piece_of_a_hostile_secret(secret: str, place: tuple[str, str]) -> None:
    kind, field_name = place
    pieces = _pieces(secret)
    assume(pieces)
    for values in ({"type": kind, field_name: secret}, {"type": kind, f"{field_name}_": secret}):
        for text in _program_texts(values):
            leaked = [piece for piece in pieces if piece in text]
            assert not leaked, (leaked[:3], text[:500])


@both
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(secret=CUT_SHORT, place=("apn", "certificate"))
@example(secret="AAAA" + "k9Xw-" * 50, place=("fcm", "secret"))
@given(secret=SECRET_STRINGS, place=PLACES)
def test_the_front_ends_check_failures_hold_no_piece_of_a_hostile_secret(server: Server, front_end: FrontEnd,
                                                                       secret: str, place: tuple[str, str]) -> None:
    kind, field_name = place
    pieces = _pieces(secret)
    assume(pieces)
    urn = front_end.urn("hostile", "Credential")
    try:
        server.check(urn, {}, {"type": kind, front_end.path(field_name): secret,
                               **({harness.PROVIDER_KEY: harness.serialized_provider(kind="Credential")}
                                  if front_end.name == "dynamic" else {})})
    except CheckFailed as failed:
        texts = [str(failed), *(f"{p} {r}" for p, r in failed.failures), *failed.printed]
    else:
        texts = []
    texts.append(server.stderr)
    for text in texts:
        leaked = [piece for piece in pieces if piece in text]
        assert not leaked, (leaked[:3], text[:500])
