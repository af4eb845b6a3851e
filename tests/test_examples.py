"""Every example program runs here, so none can rot.

Each program runs under Pulumi's mocks with each of its stacks' config (what it registers), and then
its resources go through the engine-protocol harness against the emulator (what they do).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import runpy
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlsplit

import dill
import pulumi
import pytest
import yaml
from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID
from pulumi.output import Unknown
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.rpc import _special_secret_sig, _special_sig_key
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from pulumi_twilio_conversations.core.credential import CREDENTIAL
from pulumi_twilio_conversations.emulator import Emulator, StoredCredential, default_settings_raw

from conftest import MockRecorder, run_export
from harness import (
    AutomationStack,
    Checkpoint,
    EngineError,
    ProviderServer,
    Ref,
    Resource,
    Stack,
    delete_protected_message,
    urn,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
sys.path.insert(0, str(EXAMPLES))

import runner  # noqa: E402 (examples/ is not a package)

PASSPHRASE = b"pulumi-twilio-conversations-examples"
TYPE = "pulumi-python:dynamic/twilio:ServiceNotifications"
# the accounts lib.sh starts the emulator with
TOKENS = {
    "AC00000000000000000000000000000000": "emulator-auth-token",
    "ACdededededededededededededededede": "dev-emulator-token",
    "AC5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a": "staging-emulator-token",
    "AC9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d": "prod-emulator-token",
    "ACa5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5": "us-emulator-token",
    "ACe0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0": "eu-emulator-token",
}


def project_name(example: str) -> str:
    return str(yaml.safe_load((EXAMPLES / example / "Pulumi.yaml").read_text())["name"])


def stack_config(example: str, stack: str) -> dict[str, Any]:
    """The stack's plain config plus the project's defaults, as `pulumi.Config` would see them."""
    project = yaml.safe_load((EXAMPLES / example / "Pulumi.yaml").read_text())
    config: dict[str, Any] = {}
    for key, spec in (project.get("config") or {}).items():
        if isinstance(spec, dict) and "default" in spec:
            config[f"{project['name']}:{key}"] = str(spec["default"]).lower() if isinstance(spec["default"], bool) \
                else str(spec["default"])
    path = EXAMPLES / example / f"Pulumi.{stack}.yaml"
    if path.exists():
        for key, value in (yaml.safe_load(path.read_text())["config"] or {}).items():
            config[key] = value if not isinstance(value, dict) else decrypt(path, value["secure"])
    return config


def decrypt(path: Path, secure: str, passphrase: bytes = PASSPHRASE) -> str:
    """Pulumi's passphrase secrets: AES-256-GCM, key from PBKDF2-SHA256 (1,000,000 rounds) of the salt.

    sdk/go/common/resource/config/crypt.go: NewSymmetricCrypterFromPassphrase derives the 32-byte key;
    DecryptValue takes "v1:<base64 12-byte nonce>:<base64 ciphertext and tag>", no additional data.
    """
    salt = base64.b64decode(yaml.safe_load(path.read_text())["encryptionsalt"].split(":")[1])
    key = hashlib.pbkdf2_hmac("sha256", passphrase, salt, 1_000_000, 32)
    version, nonce, ciphertext = secure.split(":")
    assert version == "v1", secure
    return AESGCM(key).decrypt(base64.b64decode(nonce), base64.b64decode(ciphertext), None).decode()


def passphrase_check(path: Path, passphrase: bytes = PASSPHRASE) -> str:
    """What the stack's ``encryptionsalt`` decrypts to: the CLI accepts a passphrase only if it is "pulumi".

    pkg/secrets/passphrase/manager.go: NewPassphraseSecretsManager writes
    "v1:<base64 8-byte salt>:" + EncryptValue("pulumi"); symmetricCrypterFromPhraseAndState splits off
    "v1" and the salt, derives the key from them, decrypts the rest and returns ErrIncorrectPassphrase
    unless the result is "pulumi".
    """
    version, salt, check = yaml.safe_load(path.read_text())["encryptionsalt"].split(":", 2)
    assert version == "v1" and len(base64.b64decode(salt)) == 8, path
    try:
        return decrypt(path, check, passphrase)
    except InvalidTag:
        return "(incorrect passphrase)"


def run_program(example: str, stack: str, config: dict[str, Any]) -> list[pulumi.runtime.MockResourceArgs]:
    """Run the example's __main__.py under mocks; returns what it registered."""
    return run_program_at(EXAMPLES / example, project_name(example), config, stack)


def run_program_at(directory: Path, project: str, config: dict[str, Any],
                   stack: str = "dev") -> list[pulumi.runtime.MockResourceArgs]:
    recorder = MockRecorder()
    pulumi.runtime.set_mocks(recorder, project=project, stack=stack, preview=True)
    pulumi.runtime.set_all_config(config)
    sys.path.insert(0, str(directory))  # as Pulumi runs a program: its own modules (rules.py) importable

    def program() -> None:
        runpy.run_path(str(directory / "__main__.py"))

    try:
        _sync_await(run_pulumi_func(program))
    finally:
        sys.path.remove(str(directory))
        sys.modules.pop("rules", None)
        pulumi.runtime.set_all_config({})
    return [r for r in recorder.resources if r.typ == TYPE]


def as_harness_program(registered: list[pulumi.runtime.MockResourceArgs]) -> dict[str, Resource]:
    """What a program registered, as the harness replays it (namespace read from the pickled provider)."""
    program = {}
    for args in registered:
        provider = dill.loads(base64.b64decode(args.inputs["__provider"]))
        props = {k: v for k, v in args.inputs.items() if k != "__provider"}
        program[args.name] = Resource(props, namespace=provider.config_namespace)
    return program


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(accounts=TOKENS) as emu:
        for sid, owner in {
            "IS00000000000000000000000000000000": "AC00000000000000000000000000000000",
            "IS01010101010101010101010101010101": "AC00000000000000000000000000000000",
            "ISadadadadadadadadadadadadadadadad": "AC00000000000000000000000000000000",
            "ISd0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0": "ACdededededededededededededededede",
            "IS50505050505050505050505050505050": "AC5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a",
            "IS90909090909090909090909090909090": "AC9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d",
            "ISa0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0": "ACa5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5",
            "ISe1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1": "ACe0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0",
        }.items():
            emu.state.add_service(sid, owner)
        yield emu


def provider_config(config: dict[str, Any], emu: Emulator) -> dict[str, Any]:
    """The stack's config with the emulator's URL in place of the examples' fixed port."""
    return {k: (emu.url if k.endswith(":baseUrl") else v) for k, v in config.items()}


def lifecycle(example: str, stack: str, emu: Emulator, config: dict[str, Any]) -> Stack:
    """up, then a preview with no changes; returns the stack for more steps."""
    program = as_harness_program(run_program(example, stack, config))
    assert program
    server = ProviderServer(provider_config(config, emu))
    st = Stack(server)
    st.up(program)
    assert st.preview(program).changes == {}
    return st


# --- multi-environment ---------------------------------------------------------------------------------

STACK_FILES = sorted(EXAMPLES.glob("*/Pulumi.*.yaml"))


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_cli_accepts_the_documented_passphrase(path: Path) -> None:
    assert passphrase_check(path) == "pulumi"
    assert passphrase_check(path, PASSPHRASE + b"x") == "(incorrect passphrase)"


def test_stack_secrets_decrypt_with_the_documented_passphrase() -> None:
    assert STACK_FILES
    for path in STACK_FILES:
        config = stack_config(path.parent.name, path.stem.split(".", 1)[1])
        for key, value in config.items():
            if key.endswith(":authToken"):
                account = config[key.replace(":authToken", ":accountSid")]
                assert value == TOKENS[account], path


@pytest.mark.parametrize(("stack", "badge", "template", "broken"), [
    ("dev", False, "[dev] ${MESSAGE}", False),
    ("dev", False, "${MESSAGE}", True),
    ("staging", True, "[staging] ${MESSAGE}", False),
    ("prod", True, "${MESSAGE}", False),
    ("prod", False, "${MESSAGE}", True),
])
def test_stack_rules(stack: str, badge: bool, template: str, broken: bool) -> None:
    sys.path.insert(0, str(EXAMPLES / "multi-environment"))
    try:
        from rules import stack_problems  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(EXAMPLES / "multi-environment"))
        sys.modules.pop("rules", None)
    assert bool(stack_problems(stack, badge, template)) is broken


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_each_environment_registers_its_own_settings(stack: str) -> None:
    config = stack_config("multi-environment", stack)
    (resource,) = run_program("multi-environment", stack, config)
    assert resource.inputs["chat_service_sid"] == config["support-notifications:serviceSid"]
    assert resource.inputs["new_message"]["template"] == config["support-notifications:newMessageTemplate"]
    assert resource.inputs["new_message"]["badge_count_enabled"] is (stack != "dev")


def test_prod_without_badge_counts_fails_at_preview() -> None:
    config = stack_config("multi-environment", "prod")
    config["support-notifications:badgeCount"] = "false"
    with pytest.raises(pulumi.RunError, match="prod must enable badge counts"):
        run_program("multi-environment", "prod", config)


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_each_environment_deploys_to_its_own_account(stack: str, emulator: Emulator) -> None:
    config = stack_config("multi-environment", stack)
    st = lifecycle("multi-environment", stack, emulator, config)
    try:
        outs = st.outputs("support-push")
        assert outs["account_sid"] == config["twilio:accountSid"]
        assert {r.username for r in emulator.api_requests()} == {config["twilio:accountSid"]}
        st.destroy()
    finally:
        st.server.stop()


# --- multi-account -------------------------------------------------------------------------------------

def test_two_accounts_in_one_stack(emulator: Emulator) -> None:
    config = stack_config("multi-account", "dev")
    st = lifecycle("multi-account", "dev", emulator, config)
    try:
        assert st.outputs("us-push")["account_sid"] == config["twilio:accountSid"]
        assert st.outputs("eu-push")["account_sid"] == config["twilio-eu:accountSid"]
        for request in emulator.api_requests():
            eu = request.path.split("/")[3] == config["notifications-two-accounts:euServiceSid"]
            assert request.username == config["twilio-eu:accountSid" if eu else "twilio:accountSid"]
    finally:
        st.server.stop()


# --- quickstart and drift -----------------------------------------------------------------------------------

QUICKSTART_CONFIG = {
    "twilio:accountSid": "AC00000000000000000000000000000000", "twilio:authToken": "emulator-auth-token",
    "twilio:baseUrl": "http://127.0.0.1:8787",
}


def test_quickstart_lifecycle(emulator: Emulator) -> None:
    root_project = yaml.safe_load((EXAMPLES.parent / "Pulumi.yaml").read_text())
    assert root_project["main"] == "examples/quickstart/"
    sid = root_project["config"]["serviceSid"]["default"]
    config = {**QUICKSTART_CONFIG, f"{root_project['name']}:serviceSid": sid}
    registered = run_program_at(EXAMPLES / "quickstart", root_project["name"], config)
    server = ProviderServer(provider_config(config, emulator))
    try:
        st = Stack(server)
        program = as_harness_program(registered)
        st.up(program)
        assert emulator.settings(sid)["new_message"]["sound"] == "ring"
        assert st.preview(program).changes == {}
        st.destroy()
        assert emulator.settings(sid) == default_settings_raw()
    finally:
        server.stop()


ROOT_PROJECT = yaml.safe_load((EXAMPLES.parent / "Pulumi.yaml").read_text())


def quickstart_program(config: dict[str, Any]) -> Mapping[str, Resource]:
    """What examples/quickstart/__main__.py declares with this config (the root project's program)."""
    return as_harness_program(run_program_at(EXAMPLES / "quickstart", ROOT_PROJECT["name"], config))


def quickstart_run(checkpoint: Checkpoint) -> AutomationStack:
    """The stack one `examples/quickstart/run.sh` process drives; ``checkpoint`` is the state all runs share."""
    return AutomationStack(checkpoint, quickstart_program, name=runner.QUICKSTART_STACK, project=ROOT_PROJECT["name"])


def recorded(checkpoint: Checkpoint) -> str | None:
    return runner.recorded_base_url(checkpoint.deployment(runner.QUICKSTART_STACK, ROOT_PROJECT["name"]))


@pytest.mark.parametrize("later", ["destroy", "up"])
def test_a_later_quickstart_run_reaches_the_emulator_the_state_records(
        later: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`run.sh`, then `run.sh destroy` (or `run.sh` again) as a user's next run: a process of its own, with
    an emulator of its own, over the same state. Destroy, and the refresh `up --refresh` runs first,
    configure the provider with the config the first `up` stored, whatever this run sets. Under the
    Pulumi CLI 3.259 the destroy failed with `connection failed (127.0.0.1:<the first run's port>)`."""
    checkpoint = Checkpoint()
    runner.run_quickstart("up", quickstart_run(checkpoint))
    assert '"sound": "ring"' in capsys.readouterr().out  # the emulator's settings after up
    first = recorded(checkpoint)
    assert first is not None and first.startswith("http://127.0.0.1:")

    runner.run_quickstart(later, quickstart_run(checkpoint))
    out, err = capsys.readouterr()
    assert f"at {first} (the URL the stack's state records)" in err
    if later == "destroy":
        assert checkpoint.resources == {} and recorded(checkpoint) is None
    else:
        assert '"sound": "ring"' in out and recorded(checkpoint) == first


def test_a_quickstart_whose_recorded_port_is_taken_says_so_and_runs_once_it_is_free() -> None:
    checkpoint = Checkpoint()
    runner.run_quickstart("up", quickstart_run(checkpoint))
    first = recorded(checkpoint)
    assert first is not None
    port = urlsplit(first).port
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", port or 0))
        squatter.listen()
        with pytest.raises(runner.QuickstartError) as refused:
            runner.run_quickstart("destroy", quickstart_run(checkpoint))
    message = str(refused.value)
    assert f"Port {port} on 127.0.0.1 is in use" in message and first in message
    assert "twilio:baseUrl" in message and "run this again" in message
    assert checkpoint.resources  # nothing was attempted
    runner.run_quickstart("destroy", quickstart_run(checkpoint))
    assert checkpoint.resources == {}


def test_drift_walkthrough(emulator: Emulator) -> None:
    config = {**QUICKSTART_CONFIG, **stack_config("drift", "walkthrough")}
    sid = config["notifications-drift:serviceSid"]
    st = lifecycle("drift", "walkthrough", emulator, config)
    try:
        program = as_harness_program(run_program("drift", "walkthrough", config))
        emulator.edit(sid, {"NewMessage.Sound": "chime", "LogEnabled": "false"})
        st.refresh()
        assert st.preview(program).changes == {"support-push": "update"}
        emulator.clear_requests()
        st.up(program)
        assert [r.form for r in emulator.api_requests()] == [{"LogEnabled": "true", "NewMessage.Sound": "ring"}]
        assert st.preview(program).changes == {}
    finally:
        st.server.stop()


# --- adopt ------------------------------------------------------------------------------------------------

def test_adopt_program_is_exactly_what_export_prints(emulator: Emulator) -> None:
    sid = "ISadadadadadadadadadadadadadadadad"
    form = json.loads((EXAMPLES / "adopt" / "existing-settings.json").read_text())
    emulator.edit(sid, form)
    result = run_export(emulator, sid, "--settings-only", "--name", "support-push")
    assert result.returncode == 0, result.stderr
    exported = result.stdout
    program = (EXAMPLES / "adopt" / "__main__.py").read_text()
    assert program.split("# --- pasted from export ---\n", 1)[1] == exported

    before = emulator.settings(sid)
    config = {**QUICKSTART_CONFIG}
    st = lifecycle("adopt", "adopt", emulator, config)
    try:
        assert emulator.settings(sid) == before  # adopting changed nothing on Twilio's side
    finally:
        st.server.stop()


# --- push-stack ---------------------------------------------------------------------------------------------

PUSH = "push-stack"
DYNAMIC = "pulumi-python:dynamic/twilio:"
SID_PREFIX = {"Service": "IS", "Credential": "CR"}
"""The SIDs Twilio gives (its spec's sid patterns ^IS[0-9a-fA-F]{32}$, ^CR[0-9a-fA-F]{32}$)."""


def mock_sid(kind: str, name: str) -> str:
    return SID_PREFIX[kind] + hashlib.sha256(name.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Registration:
    """One RegisterResource request as the program sent it: what ``MockResourceArgs`` leaves out too."""

    kind: str
    inputs: dict[str, Any]
    """Without ``__provider``; a secret is ``{SECRET_SIG: ..., "value": ...}``, an unknown an ``Unknown``."""
    namespace: str
    """The config namespace of its provider (read from the pickled ``__provider``)."""
    protect: bool
    secret_outputs: frozenset[str]
    depends_on: dict[str, frozenset[str]]
    """Each input's dependencies: the names of the resources its value came from."""


SECRET_SIG = {_special_sig_key: _special_secret_sig}
"""How a secret goes over the wire (sdk/go/common/resource/sig/sig.go Secret)."""


class RecordingMonitor(MockMonitor):
    """Pulumi's mock monitor, keeping each registration as sent (options, secrets, dependencies)."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registered: dict[str, Registration] = {}

    def RegisterResource(self, request: Any) -> Any:  # the monitor's gRPC method
        if request.type != "pulumi:pulumi:Stack":
            inputs = rpc.deserialize_properties(request.object)  # keeps secrets wrapped, as the engine gets them
            provider = dill.loads(base64.b64decode(inputs.pop("__provider")))
            self.registered[request.name] = Registration(
                kind=request.type.removeprefix(DYNAMIC), inputs=inputs, namespace=provider.config_namespace,
                protect=request.protect,
                secret_outputs=frozenset(request.additionalSecretOutputs),
                depends_on={key: frozenset(u.rsplit("::", 1)[1] for u in deps.urns)
                            for key, deps in request.propertyDependencies.items() if deps.urns})
        return super().RegisterResource(request)  # type: ignore[no-untyped-call]


class TwilioMocks(pulumi.runtime.Mocks):
    """Twilio as a program sees it: a Service or a Credential gets its SID, except in a preview (``preview``:
    not created yet, so unknown, as in a first ``pulumi preview``)."""

    def __init__(self, preview: bool) -> None:
        self.preview = preview

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        outs = {k: v for k, v in args.inputs.items() if v is not None}
        kind = args.typ.removeprefix(DYNAMIC)
        if kind in SID_PREFIX and not self.preview:
            outs["sid"] = mock_sid(kind, args.name)
        return outs.get("sid", ""), outs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        return {}, []


def register_push_stack(stack: str, config: Mapping[str, Any], preview: bool = False) -> dict[str, Registration]:
    """What examples/push-stack registers with this stack's config, by resource name."""
    mocks = TwilioMocks(preview)
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project=project_name(PUSH), stack=stack, preview=preview, monitor=monitor)
    pulumi.runtime.set_all_config(dict(config))

    def program() -> None:
        runpy.run_path(str(EXAMPLES / PUSH / "__main__.py"))

    try:
        _sync_await(run_pulumi_func(program))
    finally:
        pulumi.runtime.set_all_config({})
    return monitor.registered


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.items() >= SECRET_SIG.items()


def as_push_harness_program(registered: Mapping[str, Registration]) -> dict[str, Resource]:
    """What the program registered, as the harness replays it: its options (protect), its secrets unwrapped
    and named, and an input that came from another resource (its dependency) as a Ref to that resource's
    SID, the one output this program passes on (the mocks' SID stood for it)."""
    program = {}
    for name, r in registered.items():
        props = {key: revealed(value) if is_secret(value) else value for key, value in r.inputs.items()}
        for key, sources in r.depends_on.items():
            (source,) = sources
            assert props[key] == mock_sid(registered[source].kind, source), (name, key)
            props[key] = Ref(source, "sid")
        secrets = frozenset(key for key, value in r.inputs.items() if is_secret(value))
        program[name] = Resource(props, namespace=r.namespace, secrets=secrets, kind=r.kind, protect=r.protect)
    return program


@dataclass(frozen=True)
class Holdings:
    """What an account holds, as its console lists it (the credentials with the secrets Twilio received)."""

    services: dict[str, tuple[Optional[str], dict[str, Any]]]
    """SID -> (friendly name, notification settings)."""
    credentials: dict[str, StoredCredential]


def holdings(emu: Emulator, account: str) -> Holdings:
    return Holdings(
        services={r.sid: (r.friendly_name, emu.settings(r.sid)) for r in emu.service_records()
                  if r.account_sid == account},
        credentials={c.sid: c for c in emu.credentials() if c.account_sid == account})


def revealed(value: Any) -> Any:
    """A secret's value (the engine stores it encrypted)."""
    assert is_secret(value), "not a secret"
    return value["value"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_each_push_stack_declares_a_service_two_credentials_and_the_services_settings(stack: str) -> None:
    registered = register_push_stack(stack, stack_config(PUSH, stack))
    assert {name: r.kind for name, r in registered.items()} == {
        "ios": "Credential", "android": "Credential", "support": "Service", "support-push": "ServiceNotifications"}
    ios, android, support, push = (registered[n] for n in ("ios", "android", "support", "support-push"))
    assert ios.inputs["type"] == "apn" and android.inputs["type"] == "fcm"
    assert ios.inputs["sandbox"] is (stack != "prod")  # prod's app builds talk to APNs production
    assert support.inputs == {"friendly_name": f"support-{stack}"}
    assert support.protect  # deletion_protection is on: the engine refuses a destroy at its preview
    assert push.inputs == {"chat_service_sid": mock_sid("Service", "support"), "new_message": {"enabled": True}}
    assert push.depends_on == {"chat_service_sid": {"support"}}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_push_stack_secrets_come_from_the_stacks_encrypted_config_and_stay_secret(stack: str) -> None:
    config = stack_config(PUSH, stack)
    registered = register_push_stack(stack, config)
    sent = {("ios", "certificate"): "apnsCert", ("ios", "private_key"): "apnsKey", ("android", "secret"): "fcmKey"}
    for (name, field), key in sent.items():
        assert revealed(registered[name].inputs[field]) == config[f"{PUSH}:{key}"], (name, field)
        assert field in registered[name].secret_outputs, (name, field)
    stack_file = yaml.safe_load((EXAMPLES / PUSH / f"Pulumi.{stack}.yaml").read_text())["config"]
    assert all("secure" in stack_file[f"{PUSH}:{key}"] for key in sent.values())
    project = yaml.safe_load((EXAMPLES / PUSH / "Pulumi.yaml").read_text())["config"]
    assert all(project[key]["secret"] is True for key in sent.values())  # the CLI refuses them in plain text


def test_a_first_push_stack_preview_declares_the_settings_with_the_services_sid_unknown() -> None:
    registered = register_push_stack("dev", stack_config(PUSH, "dev"), preview=True)
    push = registered["support-push"]
    assert isinstance(push.inputs["chat_service_sid"], Unknown)
    assert push.depends_on == {"chat_service_sid": {"support"}}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_push_stack_apns_certificate_and_key_are_real_shaped_test_material(stack: str) -> None:
    """The PEMs parse as a certificate and its key (they pass the provider's checks as Twilio's would take
    them), and say what they are: throwaway test material, distinct per stack."""
    config = stack_config(PUSH, stack)
    cert_pem, key_pem = config[f"{PUSH}:apnsCert"], config[f"{PUSH}:apnsKey"]
    certificate = x509.load_pem_x509_certificate(cert_pem.encode())
    key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    assert certificate.public_key() == key.public_key()
    (common_name,) = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    assert f"({stack}, test material)" in str(common_name.value)
    _, problems = CREDENTIAL.validate({"type": "apn", "certificate": cert_pem, "private_key": key_pem})
    assert problems == []
    _, problems = CREDENTIAL.validate({"type": "fcm", "secret": config[f"{PUSH}:fcmKey"]})
    assert problems == []
    others = {v for s in ("dev", "prod") if s != stack for v in stack_config(PUSH, s).values()}
    assert not {cert_pem, key_pem, config[f"{PUSH}:fcmKey"]} & others


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_push_stack_goes_to_push_ready_then_refuses_a_destroy_deleting_nothing(stack: str, emulator: Emulator) -> None:
    """run.sh's steps through the engine-protocol harness, on the accounts lib.sh starts the emulator with:
    one up from no push set-up to push-ready, no changes on the next preview, and a destroy refused at its
    preview (the Service's protect), with no request at all to Twilio."""
    config = stack_config(PUSH, stack)
    account = config["twilio:accountSid"]
    program = as_push_harness_program(register_push_stack(stack, config))
    before = holdings(emulator, account)
    assert before.credentials == {}
    server = ProviderServer(provider_config(config, emulator))
    try:
        st = Stack(server)
        assert st.up(program, refresh=True).changes == dict.fromkeys(program, "create")
        ready = holdings(emulator, account)
        (sid,) = set(ready.services) - set(before.services)
        name, settings = ready.services[sid]
        assert name == f"support-{stack}" and settings["new_message"]["enabled"] is True
        assert {s: ready.services[s] for s in before.services} == before.services  # the others untouched
        assert {(c.type, c.sandbox) for c in ready.credentials.values()} == {("apn", stack != "prod"), ("fcm", False)}
        apn = next(c for c in ready.credentials.values() if c.type == "apn")
        fcm = next(c for c in ready.credentials.values() if c.type == "fcm")
        assert (apn.certificate, apn.private_key, fcm.secret) == (
            config[f"{PUSH}:apnsCert"], config[f"{PUSH}:apnsKey"], config[f"{PUSH}:fcmKey"])
        assert (st.outputs("ios")["sid"], st.outputs("support-push")["chat_service_sid"]) == (apn.sid, sid)
        assert st.state["ios"].secrets == {"certificate", "private_key"} and st.state["android"].secrets == {"secret"}

        assert st.preview(program, refresh=True).changes == {}
        emulator.clear_requests()
        with pytest.raises(EngineError) as refused:
            st.destroy()
        assert refused.value.messages == [delete_protected_message(urn("support", "Service"))]
        assert emulator.api_requests() == []
        assert holdings(emulator, account) == ready
        for secret in (apn.certificate, apn.private_key, fcm.secret):
            assert secret is not None and secret not in server.stderr
    finally:
        server.stop()


def test_a_later_push_stack_run_finds_what_the_last_one_made_gone_and_makes_it_again(emulator: Emulator) -> None:
    """run.sh's next run: its emulator, at the same URL, holds nothing the last run made. `up --refresh`
    drops those from the state (the same account at the same endpoint answers 404: gone) and creates
    them again, leaving the account's other service alone."""
    config = stack_config(PUSH, "dev")
    account = config["twilio:accountSid"]
    program = as_push_harness_program(register_push_stack("dev", config))
    before = holdings(emulator, account)
    server = ProviderServer(provider_config(config, emulator))
    try:
        st = Stack(server)
        st.up(program)
        first = holdings(emulator, account)
        for sid in set(first.services) - set(before.services):
            emulator.state.remove_service(sid)
        for sid in first.credentials:
            emulator.state.remove_credential(sid)
        assert st.up(program, refresh=True).changes == dict.fromkeys(program, "create")
        again = holdings(emulator, account)
        made_first = set(first.credentials) | (set(first.services) - set(before.services))
        made_again = set(again.credentials) | (set(again.services) - set(before.services))
        assert len(made_again) == 3 and not made_again & made_first
        assert st.preview(program).changes == {}
    finally:
        server.stop()

# --- the scripts' arguments -----------------------------------------------------------------------------

def script_checkout(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The example scripts in a checkout of their own, with no virtualenv, and an environment whose PATH
    holds nothing but dirname and basename: whatever a script does past its argument check (python3, pip,
    pulumi) fails there with another exit code and message than a refusal's."""
    checkout = tmp_path / "checkout"
    for script in [*EXAMPLES.glob("*.sh"), *EXAMPLES.glob("*/run.sh")]:  # run.sh and what it sources
        target = checkout / script.relative_to(EXAMPLES.parent)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(script, target)
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in ("dirname", "basename"):
        found = shutil.which(tool)
        assert found is not None, tool
        (tools / tool).symlink_to(found)
    return checkout, {"PATH": str(tools), "HOME": str(tmp_path)}


def run_script(tmp_path: Path, example: str, args: list[str]) -> subprocess.CompletedProcess[str]:
    bash = shutil.which("bash")
    assert bash is not None
    checkout, env = script_checkout(tmp_path)
    return subprocess.run([bash, str(checkout / "examples" / example / "run.sh"), *args], cwd=checkout, env=env,
                          capture_output=True, text=True, timeout=60, check=False)


ENVIRONMENTS = "dev|staging|prod [up|preview|refresh|destroy]"


@pytest.mark.parametrize(("example", "args", "why", "usage"), [
    ("multi-environment", [], "no stack given", ENVIRONMENTS),
    ("multi-environment", ["qa"], "unknown stack 'qa'", ENVIRONMENTS),
    ("multi-environment", ["dev", "deploy"], "unknown command 'deploy'", ENVIRONMENTS),
    ("multi-account", ["deploy"], "unknown command 'deploy'", "[up|preview|destroy]"),
    ("yaml", ["deploy"], "unknown command 'deploy'", "[up|preview|destroy]"),
    ("typescript", ["deploy"], "unknown command 'deploy'", "[up|preview|destroy]"),
    ("quickstart", ["preview"], "unknown command 'preview'", "[up|destroy]"),
    ("push-stack", [], "no stack given", "dev|prod [up|preview]"),
    ("push-stack", ["staging"], "unknown stack 'staging'", "dev|prod [up|preview]"),
    ("push-stack", ["prod", "destroy"], "unknown command 'destroy'", "dev|prod [up|preview]"),
    ("yaml-push", ["destroy"], "unknown command 'destroy'", "[up|preview]"),
])
def test_a_script_refuses_a_wrong_argument_with_its_usage_first(tmp_path: Path, example: str, args: list[str],
                                                                 why: str, usage: str) -> None:
    """One line naming what is wrong and every choice, exit 2, before anything is installed: no Pulumi
    CLI, Python or virtualenv is needed to be told."""
    result = run_script(tmp_path, example, args)
    script = f"examples/{example}/run.sh"
    assert (result.returncode, result.stdout, result.stderr) == (2, "", f"{script}: {why}; usage: {script} {usage}\n")


@pytest.mark.parametrize(("example", "args"), [
    ("multi-environment", ["prod"]), ("multi-environment", ["staging", "refresh"]), ("multi-account", []),
    ("yaml", ["preview"]), ("typescript", ["destroy"]), ("quickstart", []),
    ("push-stack", ["dev"]), ("push-stack", ["prod", "preview"]), ("yaml-push", []),
])
def test_a_script_goes_on_with_right_arguments(tmp_path: Path, example: str, args: list[str]) -> None:
    result = run_script(tmp_path, example, args)
    assert result.returncode != 2 and "usage:" not in result.stderr
    assert "python3" in result.stderr  # it went on to build the virtualenv, which this PATH cannot


# --- what the examples leave in the checkout ------------------------------------------------------------

REPO = EXAMPLES.parent


def git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=60, check=False)


def created_stacks() -> list[Path]:
    """Every stack file a script creates: `pulumi stack select --create NAME` in the example's directory,
    and ``run_stack``'s "dev" for the examples that source plugin.sh."""
    found = []
    for script in sorted(EXAMPLES.glob("*/*.sh")):
        text = script.read_text()
        names = re.findall(r"pulumi stack select --create (\w[\w-]*)", text)
        if "run_stack" in text:
            names.append("dev")
        found += [script.parent / f"Pulumi.{name}.yaml" for name in names]
    return found


def test_every_stack_file_an_example_creates_is_committed_or_ignored() -> None:
    """`git status` stays clean after running the examples: a stack file `pulumi config set` writes is
    either committed with the example's config or gitignored."""
    stacks = created_stacks()
    assert {EXAMPLES / "adopt" / "Pulumi.adopt.yaml", EXAMPLES / "drift" / "Pulumi.walkthrough.yaml"} <= set(stacks)
    for path in stacks:
        relative = str(path.relative_to(REPO))
        tracked = git("ls-files", "--error-unmatch", relative).returncode == 0
        ignored = git("check-ignore", "-q", "--no-index", relative).returncode == 0
        assert tracked or ignored, f"{relative}: neither committed nor in .gitignore"


def npm_order(name: str) -> tuple[tuple[tuple[int, str], ...], tuple[bool, ...]]:
    """The order npm writes dependencies in: ``a.localeCompare(b, 'en')`` (npm/package-json
    lib/update-dependencies.js orderDeps), for the characters a package name may hold. ICU's root
    collation compares punctuation first (``_ - . @ / ~`` in that order), then digits, then letters
    regardless of case; case decides only between otherwise equal names, lower case first."""
    punctuation = "_-.@/~"
    primary = tuple((0, str(punctuation.index(c))) if c in punctuation else (1, c) if c.isdigit() else (2, c.lower())
                    for c in name)
    return primary, tuple(c.isupper() for c in name)


NAMES = ["@pulumi/pulumi", "@pulumi-twilio-conversations/native", "@types/node", "typescript", "a_b", "a-b", "a.b",
         "a~b", "a1", "ab", "aB", "a", "@a/b", "@a-b/c", "@a.b/c", "@a_b/c", "z", "0x"]


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to compare with its localeCompare")
def test_npm_order_is_nodes_locale_compare() -> None:
    script = "console.log(JSON.stringify(JSON.parse(process.argv[1]).sort((a, b) => a.localeCompare(b, 'en'))))"
    node = subprocess.run(["node", "-e", script, json.dumps(NAMES)], capture_output=True, text=True, timeout=60,
                          check=True)
    assert sorted(NAMES, key=npm_order) == json.loads(node.stdout)


TYPESCRIPT_PACKAGE = EXAMPLES / "typescript" / "package.json"


def test_the_typescript_package_json_is_in_the_order_npm_writes() -> None:
    package = json.loads(TYPESCRIPT_PACKAGE.read_text())
    for kind in ("dependencies", "devDependencies"):
        assert list(package[kind]) == sorted(package[kind], key=npm_order), kind


@pytest.mark.skipif(shutil.which("npm") is None, reason="needs npm, which `pulumi package add` runs")
def test_package_add_leaves_the_typescript_package_json_as_it_is(tmp_path: Path) -> None:
    """What `pulumi package add` runs in a Node.js project to link the SDK (sdk/nodejs/npm/npm.go Link,
    manager.go getLinkPackageProperty), on a copy: the committed file comes back byte for byte."""
    shutil.copy(TYPESCRIPT_PACKAGE, tmp_path / "package.json")
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "npm_config_cache": str(tmp_path / "npm-cache"),
           "npm_config_update_notifier": "false"}
    path = "sdks/twilio-conversations"
    for args in (["pkg", "set", f"dependencies[@pulumi-twilio-conversations/native]=file:{path}"],
                 ["pkg", "set", "--json", "allowScripts=" + json.dumps({f"file:{path}": True})]):
        subprocess.run(["npm", *args], cwd=tmp_path, env=env, capture_output=True, timeout=120, check=True)
    assert (tmp_path / "package.json").read_text() == TYPESCRIPT_PACKAGE.read_text()
