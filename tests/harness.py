"""Drive the provider the way the Pulumi engine does, without the Pulumi CLI.

``ProviderServer`` starts the real dynamic-provider server (``python -u -m pulumi.dynamic``) and
speaks its gRPC protocol. ``Stack`` holds a small state (inputs and outputs per resource) and
offers the steps users type: ``preview``, ``up``, ``refresh``, ``destroy``. Its driver,
``StackDriver``, is native_harness.py's ``NativeStack``'s too: each front end only says how a program
becomes check inputs, its urns and what its plans show. ``AutomationStack`` runs each step as a CLI run
of its own over a ``Checkpoint`` (the state file), configuring the provider per command as the engine
does: what examples/runner.py drives through Pulumi's Automation API.

A program maps names to resources (``Resource``, or its props alone), of several types (``kind``), which
may take each other's outputs (``Ref``) and carry the ``protect`` option (see PROTECT). ``up`` and ``preview``
take ``replace`` (``--replace``); replaces create first or delete first as the engine orders them (REPLACE).

Secrets are kept as the engine keeps them, per top-level key: what a provider's answer marks
(``unmarshal``), what the program marks or names in ``additional_secret_outputs`` (``checked_secrets``,
``stored_secrets``), sent plain to the provider (both answer acceptSecrets=False); ``Checkpoint.deployment``
writes each as the state file does, a ciphertext. Every RPC's answer is kept (``PluginProcess.answers``) for
the secrets scan (test_secrets.py).

Each behaviour imitated names the engine file it comes from (pulumi/pulumi, read at v3.260):
pkg/resource/deploy/step.go, step_generator.go, step_executor.go, pkg/resource/deploy/providers/registry.go,
pkg/resource/plugin/provider_plugin.go, pkg/engine/project.go, pkg/backend/diy/backend.go,
pkg/backend/display/rows.go and object_diff.go, deployment_executor.go, pkg/backend/apply.go. Where the
harness simplifies (for the dynamic front end, one resource at a time, no parallelism), it says so.
"""

from __future__ import annotations

import base64
import copy
import functools
import importlib
import json
import os
import subprocess
import sys
import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from concurrent import futures
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Generic, Optional, Protocol, TypeVar

import grpc
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi import automation as auto
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown
from pulumi.runtime._serialization import _serialize
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc
from pulumi.runtime.rpc import UNKNOWN, _special_secret_sig, _special_sig_key
from typing_extensions import Self

from pulumi_twilio_conversations.dynamic.resource import _as_input

PROVIDER_KEY = "__provider"
DEFAULT_KIND = "ServiceNotifications"
"""A harness resource's type when it names none: every test written before Service and Credential."""
PROVIDER_MODULE = "pulumi_twilio_conversations.provider"
"""Where the dynamic provider classes live (``<Kind>Provider``): the module state pickles them by."""


def type_token(kind: str = DEFAULT_KIND) -> str:
    """The dynamic resource's type token: ``pulumi.dynamic.Resource(module="twilio", name=kind)``."""
    return f"pulumi-python:dynamic/twilio:{kind}"


TYPE = type_token()
PROVIDER_URN = "urn:pulumi:test::harness::pulumi:providers:pulumi-python::default"
ROOT = Path(__file__).resolve().parent.parent
QUICKSTART_DIR = ROOT / "examples" / "quickstart"
"""The program directory of the root Pulumi.yaml (``main: examples/quickstart/``)."""


def provider_class(kind: str = DEFAULT_KIND) -> type:
    """The dynamic provider class of a resource type, ``<kind>Provider``, looked up when a test uses it
    (so the harness imports before a type's provider exists)."""
    found = getattr(importlib.import_module(PROVIDER_MODULE), f"{kind}Provider", None)
    if not isinstance(found, type):
        raise ValueError(f"resource kind {kind!r}: {PROVIDER_MODULE} has no class {kind}Provider")
    return found


def serialized_provider(namespace: str = "twilio", kind: str = DEFAULT_KIND) -> str:
    """The ``__provider`` value, made exactly as ``pulumi.dynamic.Resource`` makes it."""
    value, _ = _serialize(True, serialize_provider, provider_class(kind)(namespace))
    return str(value)


def to_struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    def marshal(value: Any) -> Any:
        if isinstance(value, Unknown):
            return UNKNOWN
        if isinstance(value, Mapping):
            return {k: marshal(v) for k, v in value.items() if v is not None}
        return value

    struct = struct_pb2.Struct()
    struct.update(marshal(props))
    return struct


def is_secret(value: Any) -> bool:
    """A secret on the wire: ``{sig.Key: sig.Secret, "value": v}`` (sdk/go/common/resource/plugin/rpc.go
    MarshalPropertyValue with KeepSecrets; pulumi/runtime/rpc.py wrap_rpc_secret)."""
    return isinstance(value, Mapping) and value.get(_special_sig_key) == _special_secret_sig


def unmarshal(struct: struct_pb2.Struct) -> tuple[dict[str, Any], frozenset[str]]:
    """A provider's properties as the engine reads them: plain values (unknowns as ``Unknown()``), each secret
    unwrapped, and the top-level keys that held a secret anywhere in their value. The engine unmarshals
    every answer's properties with ``KeepSecrets: true`` (pkg/resource/plugin/provider_plugin.go Check, Create,
    Read, Update), whatever the provider answered to Configure, so what a provider marks stays secret; the
    harness keeps secrets per top-level key (the state encrypts that key's whole value, see Checkpoint)."""

    def plain(value: Any) -> Any:
        if value == UNKNOWN:
            return Unknown()  # type: ignore[no-untyped-call]
        if is_secret(value):
            return plain(value.get("value"))
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    def holds_secret(value: Any) -> bool:
        if is_secret(value):
            return True
        values = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        return any(holds_secret(v) for v in values)

    raw = json_format.MessageToDict(struct)
    return plain(raw), frozenset(k for k, v in raw.items() if holds_secret(v))


def from_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    """A provider's properties as plain values, secrets unwrapped (``unmarshal`` without the secret keys)."""
    return unmarshal(struct)[0]


def checked_secrets(checked: Mapping[str, Any], marked: frozenset[str], news_secrets: frozenset[str]) -> frozenset[str]:
    """The checked inputs' secret keys: those the provider's Check answer marked, and those whose input
    the program marked secret. provider_plugin.go Check: inputs unmarshalled with KeepSecrets, then, for a
    provider that does not accept secrets, ``annotateSecrets(inputs, req.News)``."""
    return frozenset(marked | (news_secrets & checked.keys()))


def stored_secrets(outputs: Mapping[str, Any], marked: frozenset[str], secret_inputs: frozenset[str],
                   additional: tuple[str, ...]) -> frozenset[str]:
    """The outputs' secret keys once a step has run: those the provider marked (or that were secret before,
    for a read), those named by ``additional_secret_outputs``, and those whose same-named input is secret.
    provider_plugin.go Create/Update: ``annotateSecrets(outs, inputs)``; step_executor.go
    continueExecuteStep: ``newState.AdditionalSecretOutputs`` made secret, then "If an input secret is
    potentially leaked as an output, preemptively mark it as secret" (for every step with a new state but a
    replace, a refresh included)."""
    return frozenset(marked | ((secret_inputs | set(additional)) & outputs.keys()))


def _secret(value: Any) -> dict[str, Any]:
    return {_special_sig_key: _special_secret_sig, "value": value}


@dataclass(frozen=True)
class Secret:
    """A stack config value set with ``pulumi config set --secret``."""

    value: str


def _wire_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """Stack config as the engine sends it to a dynamic provider: every key with its namespace, secure
    values wrapped as secrets, whatever their name (pkg/resource/deploy/target.go GetPackageConfig:
    ``property.New(v).WithSecret(c.Secure())``; provider_plugin.go Configure marshals with KeepSecrets)."""
    return {k: _secret(v.value) if isinstance(v, Secret) else v for k, v in config.items()}


class ProviderError(Exception):
    """The provider answered a call with an error (the engine would fail the step)."""


@dataclass(frozen=True)
class Answer:
    """One RPC's answer as it left the provider: for the secrets scan (test_secrets.py), which reads every
    answer's text. ``urn``: the request's (empty for the provider's own calls); ``response``: the answer as
    JSON (MessageToDict), secrets still wrapped; ``error``: the details of an error answer."""

    method: str
    urn: str
    response: Optional[dict[str, Any]] = None
    error: Optional[str] = None


class CheckFailed(Exception):
    """The provider's Check answered failures (``(property, reason)``); ``urn`` and ``news``: the request's."""

    def __init__(self, failures: list[tuple[str, str]], urn: str = "",
                 news: Optional[Mapping[str, Any]] = None) -> None:
        self.failures = failures
        self.urn = urn
        self.news = dict(news or {})
        super().__init__("; ".join(f"{p or '<resource>'}: {r}" for p, r in failures))

    @property
    def printed(self) -> list[str]:
        """The errors the engine prints for these failures (pkg/resource/deploy/step_generator.go
        issueCheckFailures; sdk/go/common/diag/errors.go 2002 and 2003): a failure naming a property prints
        that property's input value beside it, ``inputs[failure.Property]`` formatted as ``{%v}`` (properties.go
        PropertyValue.String, which shows a secret's element too: ``{&{{value}}}``), a nested path's as
        ``{<nil>}``; a failure without one prints the reason alone. The engine then replaces each secure stack
        config value, whole, by ``[secret]`` (pkg/engine/events.go makeEventEmitter -> AddGlobalSecretFilter);
        that is left out here, so that a secret from anywhere else (a file, another output) is still seen."""
        parts = self.urn.split("::")
        type_, name = (parts[2], parts[3]) if len(parts) >= 4 else ("", "")
        lines = []
        for prop, reason in self.failures:
            if prop:
                value = self.news.get(prop)
                lines.append(f"{type_} resource '{name}': property {prop} value "
                             f"{{{'<nil>' if value is None else value}}} has a problem: {reason}")
            else:
                lines.append(f"{type_} resource '{name}' has a problem: {reason}")
        return lines


class PluginProcess:
    """A provider plugin process, its gRPC channel and the resource RPCs: what both front ends' harnesses share.

    The engine reads the port from the plugin's first line on stdout (plugin.go parsePort) and talks
    ResourceProvider over gRPC; stderr is collected for the tests to read.
    """

    process: subprocess.Popen[bytes]
    accept_secrets: Optional[bool] = None
    """Configure's answer (None before it): False means the engine sends secret inputs unwrapped and marks
    outputs of the same names secret itself (provider_plugin.go Configure, then annotateSecrets). The harness
    sends plain values, so it models only such a provider (see StackDriver._plan_one)."""

    def _launch(self, argv: list[str], cwd: Path, env: Mapping[str, str], what: str) -> None:
        self.process = subprocess.Popen(argv, cwd=cwd, env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode().strip()
        if not line.isdigit():
            err = self.process.stderr.read().decode() if self.process.stderr else ""
            raise RuntimeError(f"{what} did not start: {line!r} {err}")
        self.port = int(line)
        self._stderr: list[str] = []
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)
        self.calls: list[str] = []
        """Every RPC made, in order."""
        self.answers: list[Answer] = []
        """Every RPC's answer or error, in order."""
        self._calls_lock = threading.Lock()

    def _drain(self) -> None:
        assert self.process.stderr is not None
        for raw in self.process.stderr:
            self._stderr.append(raw.decode(errors="replace"))

    @property
    def stderr(self) -> str:
        return "".join(self._stderr)

    def stop(self) -> None:
        self.channel.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.stop()

    def _record(self, method: str) -> None:
        with self._calls_lock:
            self.calls.append(method)

    def _answered(self, method: str, request: Any, response: Any = None, error: Optional[str] = None) -> None:
        answer = Answer(method, getattr(request, "urn", ""),
                        json_format.MessageToDict(response) if response is not None else None, error)
        with self._calls_lock:
            self.answers.append(answer)

    def _call(self, method: str, request: Any, tolerant: bool) -> Any:
        self._record(method)
        try:
            response = getattr(self.stub, method)(request, timeout=120)
        except grpc.RpcError as err:
            if tolerant and err.code() == grpc.StatusCode.UNIMPLEMENTED:
                return None
            self._answered(method, request, error=err.details())
            raise ProviderError(err.details()) from None
        self._answered(method, request, response)
        return response

    def _rpc(self, method: str, request: Any) -> Any:
        return self._call(method, request, tolerant=False)

    def _rpc_tolerant(self, method: str, request: Any) -> Any:
        """A call the engine makes but tolerates as UNIMPLEMENTED (provider_plugin.go treats
        Unimplemented as 'not supported': the dynamic server has no Handshake, CheckConfig or DiffConfig)."""
        return self._call(method, request, tolerant=True)

    # One method per resource RPC; props are plain dicts (Unknown() for unknowns), in the front end's names,
    # sent plain as the engine sends them to a provider that does not accept secrets. The ``*_marked`` ones
    # also return the top-level keys the answer marked secret (``unmarshal``).
    def check(self, urn_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        return self.check_marked(urn_, olds, news)[0]

    def check_marked(self, urn_: str, olds: Mapping[str, Any],
                     news: Mapping[str, Any]) -> tuple[dict[str, Any], frozenset[str]]:
        resp = self._rpc("Check", provider_pb2.CheckRequest(urn=urn_, olds=to_struct(olds), news=to_struct(news)))
        if resp.failures:
            raise CheckFailed([(f.property, f.reason) for f in resp.failures], urn_, news)
        return unmarshal(resp.inputs)

    def diff(self, urn_: str, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any],
             old_inputs: Mapping[str, Any], ignore_changes: tuple[str, ...] = ()) -> Any:
        # The engine sends the ignore_changes paths to every provider's Diff and Update (step_generator.go;
        # step.go UpdateStep.Apply); pulumi/dynamic/__main__.py reads none of them.
        return self._rpc("Diff", provider_pb2.DiffRequest(
            urn=urn_, id=id_, olds=to_struct(olds), news=to_struct(news), old_inputs=to_struct(old_inputs),
            ignoreChanges=list(ignore_changes)))

    def create(self, urn_: str, props: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        id_, outs, _ = self.create_marked(urn_, props)
        return id_, outs

    def create_marked(self, urn_: str, props: Mapping[str, Any]) -> tuple[str, dict[str, Any], frozenset[str]]:
        resp = self._rpc("Create", provider_pb2.CreateRequest(urn=urn_, properties=to_struct(props)))
        outs, secrets = unmarshal(resp.properties)
        return resp.id, outs, secrets

    def read(self, urn_: str, id_: str, props: Mapping[str, Any],
             inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any], Optional[dict[str, Any]]]:
        read = self.read_marked(urn_, id_, props, inputs)
        return read.id, read.outputs, read.inputs

    def read_marked(self, urn_: str, id_: str, props: Mapping[str, Any], inputs: Mapping[str, Any]) -> Read:
        resp = self._rpc("Read", provider_pb2.ReadRequest(
            urn=urn_, id=id_, properties=to_struct(props), inputs=to_struct(inputs)))
        outs, secrets = unmarshal(resp.properties)
        new_inputs, input_secrets = unmarshal(resp.inputs) if resp.HasField("inputs") else (None, frozenset())
        return Read(resp.id, outs, secrets, new_inputs, input_secrets)

    def update(self, urn_: str, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any],
               old_inputs: Mapping[str, Any], ignore_changes: tuple[str, ...] = ()) -> dict[str, Any]:
        return self.update_marked(urn_, id_, olds, news, old_inputs, ignore_changes)[0]

    def update_marked(self, urn_: str, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any],
                      old_inputs: Mapping[str, Any],
                      ignore_changes: tuple[str, ...] = ()) -> tuple[dict[str, Any], frozenset[str]]:
        resp = self._rpc("Update", provider_pb2.UpdateRequest(
            urn=urn_, id=id_, olds=to_struct(olds), news=to_struct(news), old_inputs=to_struct(old_inputs),
            ignoreChanges=list(ignore_changes)))
        return unmarshal(resp.properties)

    def delete(self, urn_: str, id_: str, props: Mapping[str, Any], old_inputs: Mapping[str, Any]) -> None:
        self._rpc("Delete", provider_pb2.DeleteRequest(
            urn=urn_, id=id_, properties=to_struct(props), old_inputs=to_struct(old_inputs)))


@dataclass(frozen=True)
class Read:
    """A Read's answer: the id (empty: gone), the outputs and the inputs (None when the answer has none),
    each with the top-level keys it marked secret."""

    id: str
    outputs: dict[str, Any]
    output_secrets: frozenset[str]
    inputs: Optional[dict[str, Any]]
    input_secrets: frozenset[str]


class ProviderServer(PluginProcess):
    """The dynamic-provider process, started and configured like the engine does it.

    ``cwd``: the program's directory, where the engine starts every plugin (pkg/engine/project.go
    getPwdMain, then plugin.go newPlugin(ctx, ctx.Pwd, ...)).
    ``old_config``: the provider config stored in state by the last ``up`` (None: a new stack).
    ``run_program``: False for ``pulumi refresh`` / ``pulumi destroy`` without ``--run-program``: the
    engine then configures the provider from the config stored in state (``old_config``) and skips
    CheckConfig/DiffConfig (pkg/resource/deploy/deployment.go EnsureProvider -> SameProvider ->
    registry.go Same).
    """

    def __init__(self, config: Optional[Mapping[str, Any]] = None, env: Optional[Mapping[str, str]] = None,
                 cwd: Path = QUICKSTART_DIR, old_config: Optional[Mapping[str, Any]] = None,
                 run_program: bool = True) -> None:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO")}
        full_env.update({"PULUMI_PROJECT": "harness", "PYTHONUNBUFFERED": "1"})
        full_env.update(env or {})
        self._launch([sys.executable, "-u", "-m", "pulumi.dynamic"], cwd, full_env, "provider server")
        self._start(dict(config or {}), None if old_config is None else dict(old_config), run_program)

    def _start(self, config: dict[str, Any], old_config: Optional[dict[str, Any]], run_program: bool) -> None:
        """The engine's start-up calls (provider_plugin.go dialPlugin/handshake; pkg/host/host.go Provider;
        registry.go Check, Diff, Create/Update/Same)."""
        self._rpc_tolerant("Handshake", provider_pb2.ProviderHandshakeRequest(
            engine_address="127.0.0.1:0", root_directory=str(ROOT), program_directory=str(ROOT)))
        self._rpc("GetPluginInfo", empty_pb2.Empty())
        if not run_program:
            self.configure(old_config if old_config is not None else config)
            return
        # CheckConfig: UNIMPLEMENTED in the dynamic server; the engine then keeps the news as they are.
        self._rpc_tolerant("CheckConfig", provider_pb2.CheckRequest(
            urn=PROVIDER_URN, olds=to_struct(_wire_config(old_config or {})), news=to_struct(_wire_config(config))))
        if old_config is not None:  # only for a provider already in state
            self._rpc_tolerant("DiffConfig", provider_pb2.DiffRequest(
                urn=PROVIDER_URN, id="default", olds=to_struct(_wire_config(old_config)),
                news=to_struct(_wire_config(config)), old_inputs=to_struct(_wire_config(old_config))))
        self.configure(config)

    def configure(self, config: Mapping[str, Any]) -> None:
        """Configure with the stack config (see _wire_config)."""
        resp = self._rpc("Configure", provider_pb2.ConfigureRequest(args=to_struct(_wire_config(config)),
                                                                    acceptSecrets=True))
        self.accept_secrets = resp.acceptSecrets


@dataclass
class StateEntry:
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    secrets: frozenset[str] = frozenset()
    """Top-level output keys the engine stores as secrets (``stored_secrets``): those the provider marked,
    those named by ``additional_secret_outputs``, and those whose input was secret."""
    retain_on_delete: bool = False
    """Stored from the resource's options; DeleteStep.Apply reads it from the old state (step.go)."""
    kind: str = DEFAULT_KIND
    """The resource's type (``Service``, ``ServiceNotifications``): each front end makes its URN of it."""
    protect: bool = False
    """Stored from the program at each up, a same step too (step_generator.go: the new state's
    ``Protect`` is the goal's); DeleteStep.Apply and a replace read the stored one (see PROTECT)."""
    dependencies: tuple[str, ...] = ()
    """The resources (names) its inputs referenced (``Ref``) at the last up: the state's
    ``dependencies``, which order deletes (step_generator.go ScheduleDeletes)."""
    secret_inputs: frozenset[str] = frozenset()
    """Top-level input keys the engine stores as secrets (``checked_secrets``): those the provider's Check
    marked, and those the program marked."""
    additional_secret_outputs: tuple[str, ...] = ()
    """Stored from the program's option at each step (the state's ``additionalSecretOutputs``, step_generator.go
    ``AdditionalSecretOutputs: goal.AdditionalSecretOutputs``); a refresh applies the stored ones."""
    property_dependencies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Per top-level input, the resources (names) its value referenced at the last up (``property_dependencies``):
    the state's ``propertyDependencies`` (the Python SDK sends one list per input, sdk/python/lib/pulumi/runtime/
    resource.py). A delete-before-replace reads them to find the dependents it deletes first (REPLACE)."""
    taint: bool = False
    """``pulumi state taint``: the next up replaces it as ``--replace`` does (REPLACE); the replacement is not
    tainted."""
    pending_replacement: bool = False
    """Deleted by a delete-before-replace whose replacement was not created: the state's ``pendingReplacement``,
    set only once the Delete succeeded (step.go DeleteStep.Apply)."""
    pending_deletes: tuple[StateEntry, ...] = ()
    """Older states of this resource, kept in the state with ``delete: true``: the old half of a replace whose
    delete failed (step.go CreateStep.Apply marks the old state ``Delete`` once the replacement is created).
    Every later up or destroy deletes them again, at its end (REPLACE)."""


def property_dependencies(props: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """The resources each top-level input references (``Ref``), for the inputs that reference any: what the
    Python SDK registers as ``propertyDependencies`` (runtime/resource.py prepare_resource gathers each
    input's dependencies under its key)."""
    return {key: refs for key, value in props.items() if (refs := refs_in(value))}


D = TypeVar("D")


@dataclass
class PlanBase(Generic[D]):
    """What a preview or up did, per resource name: create, update, replace, delete or same; ``display``
    and ``detail`` (of type D) are what the CLI shows for each changed one, as each front end's Plan says."""

    steps: dict[str, str] = field(default_factory=dict)
    display: dict[str, str] = field(default_factory=dict)
    detail: dict[str, D] = field(default_factory=dict)
    inputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per resource, the inputs its step goes on with (Check's answer, without ``__provider``): what a
    preview shows for a create, an unknown value (``Unknown()``) printed as ``output<string>``
    (sdk/go/common/resource/properties.go String)."""
    deleted_first: list[str] = field(default_factory=list)
    """The resources whose old state a replace deletes before it creates the new one, in the order deleted:
    each delete-before-replace's dependents, then the resource itself (the CLI's ``delete-replaced`` rows,
    step_generator.go continueStepsFromDiff; see REPLACE). A replace not listed creates first."""

    @property
    def changes(self) -> dict[str, str]:
        return {k: v for k, v in self.steps.items() if v != "same"}


class Plan(PlanBase[list[str]]):
    """What a preview or up did, per resource name: create, update, replace, delete or same.

    ``display``: what the CLI prints beside each changed resource in a plain preview, such as
    ``[diff: ~new_message]``; ``detail``: the nested paths ``--diff`` prints (see ``display_diff``).
    """


def urn(name: str, kind: str = DEFAULT_KIND) -> str:
    return f"urn:pulumi:test::harness::{type_token(kind)}::{name}"


@dataclass
class Resource:
    """One resource in a program: its constructor arguments, config namespace and resource options."""

    props: dict[str, Any]
    namespace: str = "twilio"
    secrets: frozenset[str] = frozenset()
    """Inputs the program marked secret (pulumi.Output.secret). The dynamic provider answers
    acceptSecrets=False, so the engine sends them unwrapped and re-marks same-named outputs."""
    retain_on_delete: bool = False
    ignore_changes: tuple[str, ...] = ()
    """Dotted input paths, as in ``ResourceOptions(ignore_changes=["new_message.sound"])``."""
    additional_secret_outputs: tuple[str, ...] = ()
    """``ResourceOptions(additional_secret_outputs=[...])``: outputs the engine stores as secrets whatever the
    provider answered (step_executor.go continueExecuteStep). The dynamic ``Credential`` sets it for its
    secrets (dynamic/resources.py; test_secrets.py proves that the class registers what a program says here)."""
    kind: str = DEFAULT_KIND
    """The resource's class: ``ServiceNotifications``, ``Service``, ``Credential`` (its URN's type token and
    its ``__provider``, ``<kind>Provider``)."""
    protect: bool = False
    """``ResourceOptions(protect=True)``: see PROTECT."""
    delete_before_replace: Optional[bool] = None
    """``ResourceOptions(delete_before_replace=...)``: when set, it overrides what the provider's Diff asked for
    (REPLACE); None leaves it to the provider (the SDK sends ``deleteBeforeReplaceDefined`` false)."""

    def inputs(self) -> dict[str, Any]:
        props = {k: _as_input(v) for k, v in self.props.items() if v is not None}
        props[PROVIDER_KEY] = serialized_provider(self.namespace, self.kind)
        return props


@dataclass(frozen=True)
class Ref:
    """An output of another resource of the program as an input, anywhere in a resource's props:
    ``Ref("support", "sid")`` is what ``chat_service_sid=svc.sid`` passes. ``key`` is a dotted path in
    the core's names (``new_message.sound``). The resource then depends on ``name``: its step waits for
    that resource's (see the driver's ``_run``) and it is deleted before it."""

    name: str
    key: str


def refs_in(tree: Any) -> tuple[str, ...]:
    """The names of the resources a props tree references, each once, in the order first met."""
    if isinstance(tree, Ref):
        return (tree.name,)
    values = tree.values() if isinstance(tree, Mapping) else tree if isinstance(tree, (list, tuple)) else ()
    return tuple(dict.fromkeys(name for value in values for name in refs_in(value)))


def map_refs(tree: Any, value_of: Callable[[Ref], Any]) -> Any:
    """The tree with each Ref replaced by ``value_of(ref)``."""
    if isinstance(tree, Ref):
        return value_of(tree)
    if isinstance(tree, Mapping):
        return {k: map_refs(v, value_of) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(map_refs(v, value_of) for v in tree)
    return tree


def output_at(outputs: Mapping[str, Any], key: str, dry_run: bool) -> Any:
    """The value a Ref resolves to in the referenced resource's outputs (those after its step).

    A missing value is unknown during a preview and None in an up: the Python SDK resolves a missing
    output as unknown only in a dry run (sdk/python/lib/pulumi/runtime/rpc.py resolve_properties).
    During a preview the outputs of a create, update or replace are its checked inputs, as neither
    provider supports previews (see the driver's ``_step``), so an output that is not an input is unknown
    there, and an input is known."""
    value: Any = outputs
    for part in key.split("."):
        if isinstance(value, Unknown):
            return value
        if not isinstance(value, Mapping) or value.get(part) is None:
            return Unknown() if dry_run else None  # type: ignore[no-untyped-call]
        value = value[part]
    return copy.deepcopy(value)


def dependency_order(dependencies: Mapping[str, tuple[str, ...]]) -> list[str]:
    """The program's resources in an order the engine may run their steps: each after the resources it
    references (the language SDK registers a resource once the outputs it takes have resolved), in
    program order otherwise. A reference to a name not in the program, or a cycle, is a broken program."""
    order: list[str] = []
    visiting: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        if name in visiting:
            raise ValueError(f"resources reference each other in a cycle: {' -> '.join([*visiting, name])}")
        visiting.append(name)
        for dep in dependencies[name]:
            if dep not in dependencies:
                raise ValueError(f"resource {name!r} references {dep!r}, which is not in the program")
            visit(dep)
        visiting.pop()
        order.append(name)

    for name in dependencies:
        visit(name)
    return order


def delete_antichains(dependencies: Mapping[str, tuple[str, ...]]) -> list[list[str]]:
    """The resources to delete, as the engine schedules them (step_generator.go ScheduleDeletes): rounds
    of resources none of which depends on another still condemned, built from the leaves, then reversed,
    so each resource goes before those it depends on. Only direct dependencies among the condemned count
    (``dg.DependenciesOf(res).Intersect(condemned)``); each round keeps the given order."""
    condemned = list(dependencies)
    rounds: list[list[str]] = []
    while condemned:
        ready = [n for n in condemned if not set(dependencies[n]) & set(condemned)]
        if not ready:
            raise ValueError(f"the resources to delete depend on each other in a cycle: {condemned}")
        rounds.append(ready)
        condemned = [n for n in condemned if n not in ready]
    rounds.reverse()
    return rounds


def transitive_dependencies(name: str, graph: Mapping[str, tuple[str, ...]]) -> set[str]:
    """Every resource ``name`` depends on, directly or not (graph.DependencyGraph TransitiveDependenciesOf)."""
    seen: set[str] = set()
    todo = list(graph.get(name, ()))
    while todo:
        dep = todo.pop()
        if dep not in seen:
            seen.add(dep)
            todo.extend(graph.get(dep, ()))
    return seen


# PROTECT: what the engine does with ``protect`` (pulumi/pulumi v3.259, pkg/resource/deploy):
# - step.go DeleteStep.Apply refuses to delete a resource whose *stored* state is protected, unless the
#   delete is the old half of a replace, and it checks this BEFORE the dry-run check: a preview of a
#   destroy (or of an up that removes the resource) fails too. The error is deleteProtectedError.
# - step_executor.go cancelDueToError always continues past a deleteProtectedError ("report back all
#   protect delete errors in a single run"); deployment_executor.go performPostSteps then leaves out of
#   the later delete rounds every resource the refused one depends on (TransitiveDependenciesOf), and
#   runs the other deletes; the operation fails at the end ("step executor errored").
# - `pulumi destroy --yes` previews first (pkg/backend/apply.go PreviewThenPromptThenExecute, unless
#   --skip-preview, pkg/cmd/pulumi/operations/destroy.go) and stops when the preview fails: one protected
#   resource, and nothing is deleted. With --skip-preview (what the Automation API passes,
#   sdk/python/lib/pulumi/automation/_stack.py destroy), the independent deletes run.
# - step_generator.go continueStepsFromDiff refuses to replace a resource protected both in the program
#   and in the state (``new.Protect && old.Protect``: unprotecting and replacing in one up is allowed).
#   A preview reports it and goes on, so the plan still shows the replace, then fails; an up bails at
#   once, before the replacement is created.
# - the new state's Protect is the program's, on every step, a same step too (step_generator.go
#   generateResourceSteps: ``Protect: protectState`` from ``goal.Protect``; ``Dependencies`` likewise).


def delete_protected_message(urn_: str) -> str:
    """step.go deleteProtectedError.Error; the URN quoted by urn.go Quote (single quotes, but on Windows)."""
    return (f'resource "{urn_}" cannot be deleted\n'
            "because it is protected. To unprotect the resource, either remove the `protect` flag from the "
            "resource in your Pulumi program and run `pulumi up`, or use the command:\n"
            f"`pulumi state unprotect '{urn_}'`")


def replace_protected_message(urn_: str) -> str:
    """step_generator.go continueStepsFromDiff, a protected resource's replace."""
    return (f'unable to replace resource "{urn_}"\n'
            "as it is currently marked for protection. To unprotect the resource, remove the `protect` flag "
            "from the resource in your Pulumi program and run `pulumi up`")


# REPLACE: how the engine replaces a resource (pulumi/pulumi v3.259, pkg/resource/deploy):
# - ``pulumi up --replace URN`` / ``pulumi preview --replace URN`` (pkg/cmd/pulumi/operations/up.go, preview.go:
#   ``ReplaceTargets``) and a tainted state (``pulumi state taint``) make a targeted replace (step_generator.go
#   isTargetedReplace). A target that is not in the state fails the run before the program runs
#   (deployment_executor.go checkTargets).
# - A targeted replace checks the program's inputs with no olds (step_generator.go continueStepsFromImport:
#   "if the resource has been targeted for replacement, ignore its old state") and calls no Diff: the engine
#   makes the diff itself, a replace blaming ``id`` (step_generator.go diff), which asks for no
#   delete-before-replace; nor is Check called again (continueStepsFromDiff: "if we're performing a targeted
#   replace, we already have the correct inputs"). The protect rule applies as to any replace (PROTECT).
# - Whether a replace deletes first: what the Diff answered (``deleteBeforeReplace``), unless the program sets
#   the ``deleteBeforeReplace`` option, which wins (continueStepsFromDiff; ``deletes_first``).
# - Create before delete (the default): the replacement is created in the resource's step (step.go
#   CreateStep.Apply then marks the old state ``Delete``), the old one deleted with the run's other deletes at
#   its end, dependents first (GenerateDeletes, ScheduleDeletes). A failed delete leaves the old state in the
#   state with ``delete: true`` (``StateEntry.pending_deletes``), and every later run deletes it again, at its
#   end (GenerateDeletes: ``res.Delete`` -> DeleteReplacementStep, which skips the protect check).
# - Delete before replace (continueStepsFromDiff, one chain of steps): first the dependents that a new id would
#   replace (calculateDependentReplacements: each later resource of the state that depends on it, directly or
#   not, and has not registered yet in this run, whose inputs reference one being replaced: those inputs made
#   unknown, the provider's Diff says whether that replaces it), deleted last-first, a protected one failing
#   the run before anything is deleted; then the resource itself; then its create. A failed step stops the
#   chain and cancels the run (step_executor.go executeChain, cancelDueToError): nothing is created. A dependent
#   deleted so is left ``pendingReplacement`` (step.go DeleteStep.Apply sets it once Delete succeeded), the
#   resource whose Delete failed as it was. A dependent deleted so registers later in the run as a replacement:
#   checked with no olds, no Diff, no delete (continueStepsFromImport, "Case 1: recreating").
# - A resource left ``pendingReplacement``: a refresh does not read it (step.go RefreshStep.Apply); a destroy,
#   or its removal from the program, drops it from the state with no Delete (GenerateDeletes:
#   RemovePendingReplaceStep). A later up or preview with it still in the program is not modelled: the harness
#   raises NotImplementedError. Pending deletes are not refreshed by the harness.


def deletes_first(diff_says: bool, option: Optional[bool]) -> bool:
    """Whether a replace deletes the old resource before creating the new one: the provider's Diff answer,
    unless the program's ``deleteBeforeReplace`` option is set (step_generator.go continueStepsFromDiff:
    "The user can override the provider's decision")."""
    return diff_says if option is None else option


def dependent_replace_protected_message(dependent_urn: str, urn_: str) -> str:
    """step_generator.go continueStepsFromDiff: a protected dependent of a delete-before-replace."""
    return (f'unable to replace resource "{dependent_urn}" as part of replacing "{urn_}" '
            "as it is currently marked for protection. To unprotect the resource, remove the `protect` flag from "
            "the resource in your Pulumi program and run `pulumi up`, or use the command:\n"
            f"`pulumi state unprotect '{dependent_urn}'`")


def target_not_found_message(urn_: str) -> str:
    """deployment_executor.go checkTargets, a ``--replace`` URN not in the state (sdk/go/common/diag/errors.go
    2011, the message for a URN without a ``$``)."""
    return f"Target '{urn_}' could not be found in the stack. Did you forget to escape $ in your shell?"


def replaces_in(diff: Any) -> bool:
    """Whether a provider's DiffResponse is a replace (pkg/resource/plugin/provider.go DiffResult.Replace: a
    replace kind in the detailed diff, or any replace key)."""
    replace_kinds = {provider_pb2.PropertyDiff.ADD_REPLACE, provider_pb2.PropertyDiff.DELETE_REPLACE,
                     provider_pb2.PropertyDiff.UPDATE_REPLACE}
    return bool(list(diff.replaces)) or any(d.kind in replace_kinds for d in diff.detailedDiff.values())


def engine_replace_diff() -> Any:
    """The diff the engine makes itself for a targeted replace (step_generator.go diff: ``ReplaceKeys: ["id"]``,
    no detailed diff, no delete-before-replace) or for a dependent it deleted first."""
    return provider_pb2.DiffResponse(changes=provider_pb2.DiffResponse.DIFF_SOME, replaces=["id"])


class EngineError(Exception):
    """The engine failed the operation (the CLI prints each message as an ``error:``), once the steps it
    could run had run. ``plan``: what the preview or up did until then."""

    def __init__(self, messages: list[str], plan: Optional[PlanBase[Any]] = None) -> None:
        self.messages = messages
        self.plan = plan
        super().__init__("\n".join(messages))


def _leaves(props: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in props.items():
        if key.startswith("__"):  # internal keys are never displayed (resource.IsInternalPropertyKey)
            continue
        if isinstance(value, Mapping) and value:
            out.update(_leaves(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def display_diff(old_inputs: Mapping[str, Any], new_inputs: Mapping[str, Any]) -> tuple[str, list[str]]:
    """What the CLI shows for an update whose provider sent no detailed diff (our dynamic provider's
    case: the Python server forwards none). A plain preview diffs old against new inputs and prints
    top-level keys only, ``[diff: +added-deleted~updated]`` (pkg/backend/display/rows.go getDiffInfo,
    writeShortDiff); ``--diff`` prints every changed property, nested (display/object_diff.go)."""
    old, new = _leaves(old_inputs), _leaves(new_inputs)
    paths = sorted(p for p in old.keys() | new.keys() if old.get(p, _MISSING) != new.get(p, _MISSING))
    top: dict[str, str] = {}
    for path in paths:
        key = path.split(".", 1)[0]
        kind = "+" if key not in old_inputs else "-" if key not in new_inputs else "~"
        top.setdefault(key, kind)
    short = "".join(f"{kind}{key}" for kind in "+-~" for key in sorted(k for k, v in top.items() if v == kind))
    return (f"[diff: {short}]" if short else ""), paths


_MISSING = object()


def apply_ignore_changes(news: dict[str, Any], olds: Mapping[str, Any], paths: tuple[str, ...]) -> dict[str, Any]:
    """Set ignored paths back to their old values (step_generator.go processIgnoreChanges)."""
    result = copy.deepcopy(news)
    for path in paths:
        *head, last = path.split(".")
        old: Any = olds
        for part in head:
            old = old.get(part, {}) if isinstance(old, Mapping) else {}
        node = result
        for part in head:
            node = node.setdefault(part, {})
        if isinstance(old, Mapping) and last in old:
            node[last] = copy.deepcopy(old[last])
        else:
            node.pop(last, None)
    return result


class ProgramResource(Protocol):
    """What the driver reads of a program's resource, besides the check inputs its front end makes of it."""

    props: dict[str, Any]

    @property
    def secrets(self) -> frozenset[str]: ...

    @property
    def retain_on_delete(self) -> bool: ...

    @property
    def ignore_changes(self) -> tuple[str, ...]: ...

    @property
    def kind(self) -> str: ...

    @property
    def protect(self) -> bool: ...

    @property
    def additional_secret_outputs(self) -> tuple[str, ...]: ...

    @property
    def delete_before_replace(self) -> Optional[bool]: ...


R = TypeVar("R", bound=ProgramResource)
P = TypeVar("P", bound=PlanBase[Any])


@dataclass
class _Run(Generic[P]):
    """One preview, up or destroy in progress: what its steps share (touched under the driver's lock)."""

    state: dict[str, StateEntry]
    plan: P
    apply: bool
    outputs: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    """Per resource whose step is done, its outputs, for the Refs to it."""
    replaced: list[tuple[str, StateEntry]] = field(default_factory=list)
    """The old states of the replacements created first, deleted at the end."""
    errors: list[str] = field(default_factory=list)
    """The engine's errors that let the operation go on, and fail it at the end."""
    targets: frozenset[str] = frozenset()
    """``--replace``: the resources (names) to replace whatever their diff (REPLACE)."""
    recreating: set[str] = field(default_factory=set)
    """Dependents a delete-before-replace deleted first, to be created again when they register (REPLACE)."""


class StackDriver(ABC, Generic[R, P]):
    """A stack's state between steps, driven through a provider like the engine would: the steps users
    type (``preview``, ``up``, ``refresh``, ``destroy``), the same for both front ends. A front end gives
    its Resource (made from a plain props mapping in a program), its urns (of a name and a kind) and its
    Plan to the constructor, and implements two hooks: ``_news`` (the check inputs) and ``_show`` (what the
    plan records for display).

    A program maps names (unique in it) to resources, which may take each other's outputs (``Ref``).

    ``_parallel``: how ``preview`` and ``up`` run the resources' steps: None for one at a time in the
    caller's thread, n for a pool of n workers (see ``_run``).
    """

    _parallel: Optional[int] = None

    def __init__(self, provider: PluginProcess, resource: Callable[[dict[str, Any]], R],
                 urn: Callable[[str, str], str], plan: Callable[[], P]) -> None:
        self._provider = provider
        self._make_resource = resource
        self._urn = urn
        self._new_plan = plan
        self.state: dict[str, StateEntry] = {}
        self._lock = threading.Lock()

    def _resource(self, value: Any) -> R:
        """A program's value as the front end's Resource: programs may give a resource's props alone."""
        res: R = self._make_resource(dict(value)) if isinstance(value, Mapping) else value
        return res

    @abstractmethod
    def _news(self, res: R) -> dict[str, Any]:
        """The inputs the engine sends to Check for the resource."""

    @abstractmethod
    def _show(self, plan: P, name: str, old: StateEntry, checked: dict[str, Any], diff: Any) -> None:
        """Record in the plan what the CLI shows for an update or replace: ``checked`` the inputs the step
        goes on with, ``diff`` the provider's DiffResponse."""

    def _plan_one(self, name: str, res: R, old: Optional[StateEntry],
                  fresh: bool = False) -> tuple[str, dict[str, Any], frozenset[str], Any]:
        """The step for one resource, the inputs it goes on with and their secret keys (``checked_secrets``),
        and the provider's Diff answer (None for a create). ``fresh``: a replace whatever the diff, checked with
        no olds and no Diff called, the engine's own diff standing in (a targeted replace, or a dependent a
        delete-before-replace deleted first: REPLACE)."""
        p, urn_ = self._provider, self._urn(name, res.kind)
        if res.secrets and p.accept_secrets:
            raise AssertionError("the harness models only a provider answering acceptSecrets=False")
        news = self._news(res)

        def check(olds: Mapping[str, Any], news: Mapping[str, Any]) -> tuple[dict[str, Any], frozenset[str]]:
            checked, marked = p.check_marked(urn_, olds, news)
            return checked, checked_secrets(checked, marked, res.secrets)

        if old is None:
            return ("create", *check({}, news), None)
        if fresh:
            return ("replace", *check({}, news), engine_replace_diff())
        # step_generator.go continueStepsFromImport: the engine applies processIgnoreChanges first, then
        # Check(olds=old inputs); the paths also go to Diff and Update.
        checked, secret_inputs = check(old.inputs, apply_ignore_changes(news, old.inputs, res.ignore_changes))
        # Diff: olds are the stored outputs, news the checked inputs, old_inputs the stored inputs.
        diff = p.diff(urn_, old.id, old.outputs, checked, old.inputs, res.ignore_changes)
        if diff.changes == provider_pb2.DiffResponse.DIFF_NONE:
            return "same", checked, secret_inputs, diff
        if diff.changes != provider_pb2.DiffResponse.DIFF_SOME:
            raise AssertionError(f"the provider must always answer an explicit diff, got {diff.changes}")
        if replaces_in(diff):
            # continueStepsFromDiff: on a replace, Check again with no olds and the program's raw inputs.
            return ("replace", *check({}, news), diff)
        return "update", checked, secret_inputs, diff

    def _resolved(self, run: _Run[P], res: R) -> R:
        """The resource with each Ref replaced by the referenced resource's output (``output_at``)."""
        if not refs_in(res.props):
            return res
        with self._lock:
            outputs = dict(run.outputs)
        resolved = copy.copy(res)
        resolved.props = map_refs(res.props, lambda ref: output_at(outputs[ref.name], ref.key, not run.apply))
        return resolved

    def _step(self, run: _Run[P], name: str, program_res: R) -> None:
        """Plan one resource and, for an up, apply it; the shared run is only touched under the lock, as
        steps may run in parallel."""
        res = self._resolved(run, program_res)
        dependencies = refs_in(program_res.props)
        old = run.state.get(name)
        with self._lock:
            recreating = name in run.recreating
        if old is not None and old.pending_replacement and not recreating:
            raise NotImplementedError(
                f"{name!r} is pending replacement (a delete-before-replace deleted it, then failed): what the "
                "engine's next run does with it is not modelled by the harness (see REPLACE)")
        targeted = old is not None and (name in run.targets or old.taint)  # step_generator.go isTargetedReplace
        step, checked, secret_inputs, diff = self._plan_one(name, res, old, fresh=recreating or targeted)
        with self._lock:
            run.plan.steps[name] = step
            run.plan.inputs[name] = _strip(checked)
            if step in ("update", "replace") and old is not None:
                self._show(run.plan, name, old, checked, diff)
        first = False  # a delete-before-replace (REPLACE)
        if step == "replace" and old is not None and not recreating:
            if old.protect and res.protect:  # PROTECT
                message = replace_protected_message(self._urn(name, res.kind))
                if run.apply:
                    raise EngineError([message], run.plan)
                with self._lock:
                    run.errors.append(message)
            first = deletes_first(diff.deleteBeforeReplace, res.delete_before_replace)
            if first:
                self._delete_first(run, name, old)
        if not run.apply:
            # A preview's outputs: a same step's are the stored ones (step.go SameStep.Apply); a create's,
            # update's or replace's are its inputs, as neither provider supports previews (Configure answers
            # no supportsPreview; provider_plugin.go Create and Update: "return the inputs as the state").
            with self._lock:
                run.outputs[name] = old.outputs if step == "same" and old is not None else checked
            return
        additional = res.additional_secret_outputs
        if step == "same":
            assert old is not None
            # A same step stores the program's options and dependencies, and the old outputs (step.go
            # SameStep.Apply: ``s.new.Outputs = s.old.Outputs``), secrets marked as stored_secrets says.
            old.retain_on_delete, old.protect, old.dependencies = res.retain_on_delete, res.protect, dependencies
            old.property_dependencies = property_dependencies(program_res.props)
            old.secret_inputs, old.additional_secret_outputs = secret_inputs, additional
            old.secrets = stored_secrets(old.outputs, old.secrets, secret_inputs, additional)
            with self._lock:
                run.outputs[name] = old.outputs
            return
        if step in ("create", "replace"):
            id_, outs, marked = self._provider.create_marked(self._urn(name, res.kind), checked)
        else:
            assert old is not None
            id_ = old.id
            outs, marked = self._provider.update_marked(self._urn(name, res.kind), old.id, old.outputs, checked,
                                                        old.inputs, res.ignore_changes)
        new = StateEntry(id_, checked, outs, stored_secrets(outs, marked, secret_inputs, additional),
                         res.retain_on_delete, kind=res.kind, protect=res.protect, dependencies=dependencies,
                         secret_inputs=secret_inputs, additional_secret_outputs=additional,
                         property_dependencies=property_dependencies(program_res.props),
                         pending_deletes=old.pending_deletes if old is not None else ())
        with self._lock:
            run.state[name] = new
            run.outputs[name] = outs
            if step == "replace" and old is not None and not first and not recreating:
                run.replaced.append((name, old))

    def _delete_first(self, run: _Run[P], name: str, old: StateEntry) -> None:
        """The deletes a delete-before-replace of ``name`` makes before its create (REPLACE): the dependents a
        new id would replace, last first, then the resource itself. A preview only plans them. A provider's
        error stops the run here (ProviderError), before anything is created."""
        urn_ = self._urn(name, old.kind)
        for dependent in reversed(self._dependent_replacements(run, name)):
            entry = run.state[dependent]
            with self._lock:
                if dependent in run.recreating:  # "already deleted ... due to some other DBR"
                    continue
                if entry.protect:  # a bail in a preview as well
                    message = dependent_replace_protected_message(self._urn(dependent, entry.kind), urn_)
                    raise EngineError([*run.errors, message], run.plan)
                run.plan.steps[dependent] = "replace"
                run.plan.deleted_first.append(dependent)
                run.recreating.add(dependent)
            if run.apply:
                self._delete(dependent, entry)
                entry.pending_replacement = True
        with self._lock:
            run.plan.deleted_first.append(name)
        if run.apply:
            self._delete(name, old)
            old.pending_replacement = True  # until its create succeeds (NewDeleteReplacementStep pendingReplace)

    def _dependent_replacements(self, run: _Run[P], name: str) -> list[str]:
        """step_generator.go calculateDependentReplacements: the resources of the state after ``name`` that
        depend on it, directly or through each other (graph.DependencyGraph DependingOn), leaving out those
        already registered in this run, and of those, in state order, each whose inputs reference ``name`` or
        one found before: its Diff, with those inputs unknown, says whether it would be replaced."""
        with self._lock:
            registered = set(run.plan.steps)
        names = list(run.state)
        depending, replacing, found = {name}, {name}, []
        for candidate in names[names.index(name) + 1:]:
            entry = run.state[candidate]
            if candidate in registered or not set(entry.dependencies) & depending:
                continue
            depending.add(candidate)
            hit = {key for key in entry.inputs if set(entry.property_dependencies.get(key, ())) & replacing}
            if not hit:  # no input may change: a new id does not replace it
                continue
            unknown = {k: Unknown() if k in hit else v for k, v in entry.inputs.items()}  # type: ignore[no-untyped-call]
            diff = self._provider.diff(self._urn(candidate, entry.kind), entry.id, entry.outputs, unknown,
                                       entry.inputs)
            if replaces_in(diff):
                found.append(candidate)
                replacing.add(candidate)
        return found

    @staticmethod
    def _after(dependencies: list[futures.Future[None]], step: Callable[[], None]) -> None:
        """A step once its dependencies' steps are done; a failed one fails it, before any call."""
        for dependency in dependencies:
            dependency.result()
        step()

    def _run(self, program: Mapping[str, Any], apply: bool, refresh: bool, parallel: Optional[int],
             replace: Sequence[str] = ()) -> P:
        """One ``pulumi up`` (apply) or ``pulumi preview``. A preview works on a copy of the state and
        never saves it (pkg/backend/diy/backend.go apply: no snapshot manager for a dry run).

        A resource's step runs after the steps of every resource it references (``dependency_order``).
        ``parallel``: None runs the steps one at a time in that order, stopping at the first failure;
        n runs them in a pool of n workers, each step waiting for its dependencies' (the engine runs up to
        ``--parallel`` steps, default 4 x CPUs, pkg/cmd/pulumi/operations/up.go defaultParallel;
        step_executor.go workers), where the first failure is raised once the steps already submitted
        have run, and a step whose dependency failed makes no call. Submitted in dependency order to a
        first-in first-out pool, a step only waits for steps already started: no deadlock.

        ``replace``: the names given to ``--replace`` (REPLACE); one not in the state fails the run first.
        The errors the engine goes on after (PROTECT) fail the run at the end (``EngineError``).
        """
        if isinstance(replace, str):
            raise TypeError(f"replace takes a list of resource names, such as replace=[{replace!r}]")
        state = self.state if apply else copy.deepcopy(self.state)
        if refresh:
            self._refresh(state)
        run = _Run(state, self._new_plan(), apply, targets=frozenset(replace))
        resources = {name: self._resource(value) for name, value in program.items()}
        missing = [name for name in dict.fromkeys(replace) if name not in state]
        if missing:  # deployment_executor.go checkTargets, before the program runs
            raise EngineError([target_not_found_message(
                self._urn(name, resources[name].kind if name in resources else DEFAULT_KIND)) for name in missing],
                run.plan)
        order = dependency_order({name: refs_in(res.props) for name, res in resources.items()})
        if parallel is None:
            for name in order:
                self._step(run, name, resources[name])
        else:
            with futures.ThreadPoolExecutor(max_workers=parallel) as pool:
                jobs: dict[str, futures.Future[None]] = {}
                for name in order:
                    step = functools.partial(self._step, run, name, resources[name])
                    jobs[name] = pool.submit(self._after, [jobs[d] for d in refs_in(resources[name].props)], step)
                for job in jobs.values():
                    job.result()
        # Deletes come after every create and update (step_generator.go GenerateDeletes, run from
        # performPostSteps): the replaced resources and those gone from the program, in one schedule (and the
        # pending deletes of earlier runs, see _delete_all). A dependent a delete-before-replace deleted is
        # not deleted again ("Planner is deleting pending-delete urn ... already been deleted").
        gone = [(n, entry, False) for n, entry in state.items() if n not in resources and n not in run.recreating]
        for name, _, _ in gone:
            run.plan.steps[name] = "delete"
        self._delete_all(run, [(n, old, True) for n, old in run.replaced] + gone)
        if run.errors:
            raise EngineError(run.errors, run.plan)
        return run.plan

    def _delete_all(self, run: _Run[P], condemned: list[tuple[str, StateEntry, bool]]) -> None:
        """The delete steps of a run (``(name, old state, replacing)``), and the state's pending deletes (each
        a replacing delete, GenerateDeletes), in the engine's rounds (``delete_antichains``; the engine runs
        each round in parallel, the harness one step at a time, a resource's pending deletes before it). Every
        state of a name goes in that name's round: a dependent's graph edge reaches each of them
        (graph.DependencyGraph DependenciesOf takes every earlier state of the URN).

        A protected resource's delete is refused and the resources it depends on are left alone; the
        others go on (PROTECT). A provider's error stops the run; a replaced state whose delete failed stays
        in the state as a pending delete (REPLACE). A state pending replacement is dropped without a Delete
        (RemovePendingReplaceStep)."""
        units: dict[str, list[tuple[StateEntry, str]]] = {}
        for name, entry, replacing in condemned:
            units.setdefault(name, []).append((entry, "replaced" if replacing else "delete"))
        for name, live in run.state.items():
            if live.pending_deletes:
                units[name] = [(pending, "pending") for pending in live.pending_deletes] + units.get(name, [])
        graph = {name: entry.dependencies for name, entry in run.state.items()}
        graph.update({name: entry.dependencies for name, entry, _ in condemned})
        skipped: set[str] = set()
        schedule = {name: tuple(dict.fromkeys(d for entry, _ in unit for d in entry.dependencies))
                    for name, unit in units.items()}
        for round_ in delete_antichains(schedule):
            for name in round_:
                if name in skipped:
                    continue
                for entry, how in units[name]:
                    if how == "delete" and entry.pending_replacement:  # already deleted: no call, no protect check
                        if run.apply:
                            del run.state[name]
                        continue
                    if how == "delete" and entry.protect:  # step.go DeleteStep.Apply, before the dry-run check
                        run.errors.append(delete_protected_message(self._urn(name, entry.kind)))
                        skipped |= transitive_dependencies(name, graph)
                        continue
                    if not run.apply:
                        continue
                    try:
                        self._delete(name, entry)
                    except ProviderError:
                        if how == "replaced":  # CreateStep.Apply marked it Delete: it stays, pending delete
                            live = run.state[name]
                            live.pending_deletes = (*live.pending_deletes, entry)
                        raise
                    if how == "pending":
                        live = run.state[name]
                        live.pending_deletes = tuple(e for e in live.pending_deletes if e is not entry)
                    elif how == "delete":
                        del run.state[name]

    def _delete(self, name: str, old: StateEntry) -> None:
        """step.go DeleteStep.Apply: no Delete call for a resource stored with retain_on_delete."""
        if not old.retain_on_delete:
            self._provider.delete(self._urn(name, old.kind), old.id, old.outputs, old.inputs)

    def preview(self, program: Mapping[str, Any], refresh: bool = False, replace: Sequence[str] = ()) -> P:
        """``pulumi preview`` (``refresh=True``: ``pulumi preview --refresh``; ``replace``: ``--replace`` of each
        name's URN, see REPLACE). Saves nothing."""
        return self._run(program, apply=False, refresh=refresh, parallel=self._parallel, replace=replace)

    def up(self, program: Mapping[str, Any], refresh: bool = False, replace: Sequence[str] = ()) -> P:
        """``pulumi up`` (``refresh=True``: ``pulumi up --refresh``, or ``options: refresh: always``;
        ``replace``: ``pulumi up --replace`` of each name's URN, see REPLACE).

        The refresh here goes through this driver's provider, configured with the current config. The
        engine's refresh goes through the provider loaded from the state, configured with the config the
        last ``up`` stored (deployment_executor.go refresh -> EnsureProvider): the same only while the
        config has not changed since. ``AutomationStack`` runs each step as a run of its own over a
        ``Checkpoint`` and picks the provider's config as the engine does.
        """
        return self._run(program, apply=True, refresh=refresh, parallel=self._parallel, replace=replace)

    def refresh(self) -> dict[str, str]:
        """``pulumi refresh``: read every resource; returns name -> 'same', 'changed' or 'deleted'."""
        return self._refresh(self.state)

    def _refresh(self, state: dict[str, StateEntry]) -> dict[str, str]:
        result = {}
        for name, entry in list(state.items()):
            if entry.pending_replacement:  # step.go RefreshStep.Apply reads no resource pending replacement
                result[name] = "same"
                continue
            urn_ = self._urn(name, entry.kind)
            # step.go RefreshStep.Apply: Read(inputs=old inputs, state=old outputs); an empty id is a
            # delete; returned inputs replace the stored ones.
            read = self._provider.read_marked(urn_, entry.id, entry.outputs, entry.inputs)
            id_, outs = read.id, read.outputs
            if not id_:
                del state[name]
                result[name] = "deleted"
                continue
            new_inputs = read.inputs if read.inputs is not None else entry.inputs
            # provider_plugin.go Read: both unmarshalled with KeepSecrets, then annotateSecrets(newInputs,
            # req.Inputs) and annotateSecrets(newState, req.State): what was secret stays secret.
            secret_inputs = (checked_secrets(new_inputs, read.input_secrets, entry.secret_inputs)
                             if read.inputs is not None else entry.secret_inputs)
            secrets = stored_secrets(outs, read.output_secrets | (entry.secrets & outs.keys()), secret_inputs,
                                     entry.additional_secret_outputs)
            # Then Diff with olds = refreshed outputs and news = the old inputs (RefreshStep.Apply,
            # diffResource with the arguments swapped); its answer says whether the refresh changed anything.
            diff = self._provider.diff(urn_, id_, outs, entry.inputs, new_inputs)
            state[name] = replace(entry, id=id_, inputs=new_inputs, outputs=outs, secrets=secrets,
                                  secret_inputs=secret_inputs)
            result[name] = "same" if diff.changes == provider_pb2.DiffResponse.DIFF_NONE else "changed"
        return result

    def destroy(self, preview: bool = True) -> None:
        """``pulumi destroy --yes``: a preview first, whose failure (a protected resource) stops it before
        any delete; ``preview=False``: ``--skip-preview``, where the other deletes run (PROTECT). Dependents
        are deleted before what they depend on (``delete_antichains``)."""
        if preview:
            self._destroy(copy.deepcopy(self.state), apply=False)
        self._destroy(self.state, apply=True)

    def _destroy(self, state: dict[str, StateEntry], apply: bool) -> None:
        # engine/destroy.go: the program does not run, every resource of the state gets a delete step.
        run = _Run(state, self._new_plan(), apply)
        self._delete_all(run, [(name, entry, False) for name, entry in state.items()])
        if run.errors:
            raise EngineError(run.errors)

    def outputs(self, name: str) -> dict[str, Any]:
        # Without the dynamic resource's internal __provider; the plugin's outputs have no such key.
        return _strip(self.state[name].outputs)


class Stack(StackDriver[Resource, Plan]):
    """A stack's state between steps, driven through a ProviderServer like the engine would.

    One resource at a time, each after those it references, in program order otherwise (the engine runs
    up to 4 x CPUs steps in parallel; the dynamic server 4 at once: the order of requests across
    independent resources may differ).
    """

    def __init__(self, server: ProviderServer) -> None:
        super().__init__(server, Resource, urn, Plan)
        self.server = server

    def _news(self, res: Resource) -> dict[str, Any]:
        return res.inputs()

    def _show(self, plan: Plan, name: str, old: StateEntry, checked: dict[str, Any], diff: Any) -> None:
        # The dynamic server forwards no detailed diff, so the CLI diffs the inputs itself (display_diff).
        plan.display[name], plan.detail[name] = display_diff(old.inputs, checked)

    def get(self, name: str, id_: str, namespace: str = "twilio") -> tuple[str, dict[str, Any]]:
        """``ServiceNotifications.get``: step.go ReadStep.Apply sends the program's properties as both
        inputs and state, and fails only on an error or nil outputs: an empty id is not a failure."""
        props = {"chat_service_sid": id_, PROVIDER_KEY: serialized_provider(namespace)}
        read_id, outs, _ = self.server.read(urn(name), id_, props, props)
        return read_id, outs

    def import_(self, name: str, id_: str, kind: str = DEFAULT_KIND
                ) -> tuple[str, dict[str, Any], Optional[dict[str, Any]]]:
        """``pulumi import``: step.go ImportStep.Apply calls Read with the id alone, no inputs, no state."""
        return self.server.read(urn(name, kind), id_, {}, {})


def _strip(props: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k != PROVIDER_KEY}


# sdk/go/common/resource/sig/sig.go: how a secret value is marked in a state file.
_SECRET_SIG_KEY, _SECRET_SIG = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"


@dataclass
class Checkpoint:
    """A stack's state file, which outlives each CLI run: the resources, and the inputs of the dynamic
    provider's default provider resource. Those inputs are the whole stack config of the last ``up``
    (pkg/resource/deploy/default_providers.go newRegisterDefaultProviderEvent -> target.go
    GetPackageConfig) and are what refresh and destroy configure the provider with (deployment.go
    EnsureProvider -> providers/registry.go Same: ``Configure(res.Inputs)``).

    ``token`` and ``package`` name the resources' types and the provider's (the dynamic resource's by
    default; the plugin's for its state, frontends.py ``FrontEnd.checkpoint``).
    """

    resources: dict[str, StateEntry] = field(default_factory=dict)
    provider_config: Optional[dict[str, Any]] = None
    """None: no provider in the state (a new stack, or one destroyed: destroy deletes the provider too)."""
    provider_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    """registry.go Create gives a provider a new UUID as its id."""
    key: bytes = field(default_factory=lambda: os.urandom(32), repr=False)
    """The stack's secrets key: what a passphrase derives (PBKDF2, left out here), or a cloud KMS holds."""
    token: Callable[[str], str] = type_token
    package: str = "pulumi-python"

    def encrypt(self, value: Any) -> dict[str, str]:
        """A secret value as the state stores it (pkg/resource/stack/deployment.go SerializePropertyValue:
        ``apitype.SecretV1{Sig, Ciphertext}`` of the value's JSON, encrypted as the passphrase secrets manager
        does, sdk/go/common/resource/config/crypt.go EncryptValue: AES-256-GCM, a random 12-byte nonce,
        ``v1:<base64 nonce>:<base64 ciphertext>``)."""
        nonce = os.urandom(12)
        sealed = AESGCM(self.key).encrypt(nonce, json.dumps(value).encode(), None)
        text = f"v1:{base64.b64encode(nonce).decode()}:{base64.b64encode(sealed).decode()}"
        return {_SECRET_SIG_KEY: _SECRET_SIG, "ciphertext": text}

    def decrypt(self, secret: Mapping[str, Any]) -> Any:
        """The value of a stored secret (``encrypt``'s), as ``pulumi stack export --show-secrets`` shows it."""
        version, nonce, sealed = str(secret["ciphertext"]).split(":")
        assert version == "v1" and secret.get(_SECRET_SIG_KEY) == _SECRET_SIG, secret
        return json.loads(AESGCM(self.key).decrypt(base64.b64decode(nonce), base64.b64decode(sealed), None))

    def _props(self, props: Mapping[str, Any], secrets: frozenset[str]) -> dict[str, Any]:
        """Properties as stored: each secret key's whole value encrypted (a secret property is one ciphertext,
        its inner values with it, SerializePropertyValue), the rest as they are."""
        return {k: self.encrypt(v) if k in secrets else v for k, v in props.items()}

    def deployment(self, stack: str, project: str) -> dict[str, Any]:
        """The state as ``pulumi stack export`` prints it (sdk/go/common/apitype/core.go DeploymentV3 and
        ResourceV3: ``urn``, ``custom``, ``id``, ``type``, ``inputs``, ``outputs``, ``provider`` as
        ``<urn>::<id>``, sdk/go/common/providers/reference.go; ``additionalSecretOutputs``). Every secret
        input and output, and every secure config value, is written as the state writes it: the secret
        signature and its ciphertext (``encrypt``), never the value."""
        if not self.resources:
            return {"manifest": {}, "resources": []}
        prefix = f"urn:pulumi:{stack}::{project}::"
        provider_urn = f"{prefix}pulumi:providers:{self.package}::default"
        config = {k: self.encrypt(v.value) if isinstance(v, Secret) else v
                  for k, v in (self.provider_config or {}).items()}
        resources: list[dict[str, Any]] = [
            {"urn": f"{prefix}pulumi:pulumi:Stack::{project}-{stack}", "custom": False, "type": "pulumi:pulumi:Stack"},
            {"urn": provider_urn, "custom": True, "id": self.provider_id, "type": f"pulumi:providers:{self.package}",
             "inputs": config, "outputs": config},
        ]
        def urn_of(name: str) -> str:
            return f"{prefix}{self.token(self.resources[name].kind)}::{name}"

        def written(name: str, entry: StateEntry) -> dict[str, Any]:
            resource: dict[str, Any] = {
                "urn": urn_of(name), "custom": True, "id": entry.id, "type": self.token(entry.kind),
                "inputs": self._props(entry.inputs, entry.secret_inputs),
                "outputs": self._props(entry.outputs, entry.secrets),
                "provider": f"{provider_urn}::{self.provider_id}"}
            if entry.protect:  # ResourceV3 ``protect,omitempty``
                resource["protect"] = True
            if entry.dependencies:  # ResourceV3 ``dependencies,omitempty``
                resource["dependencies"] = [urn_of(dep) for dep in entry.dependencies if dep in self.resources]
            if entry.property_dependencies:  # ResourceV3 ``propertyDependencies,omitempty``
                resource["propertyDependencies"] = {
                    key: [urn_of(dep) for dep in deps if dep in self.resources]
                    for key, deps in entry.property_dependencies.items()}
            if entry.additional_secret_outputs:  # ResourceV3 ``additionalSecretOutputs,omitempty``
                resource["additionalSecretOutputs"] = list(entry.additional_secret_outputs)
            if entry.taint:  # ResourceV3 ``taint,omitempty``
                resource["taint"] = True
            if entry.pending_replacement:  # ResourceV3 ``pendingReplacement,omitempty``
                resource["pendingReplacement"] = True
            return resource

        for name, entry in self.resources.items():
            # A pending delete is a resource of its own, of the same URN, ``delete: true`` (ResourceV3).
            resources.extend({**written(name, pending), "delete": True} for pending in entry.pending_deletes)
            resources.append(written(name, entry))
        return {"manifest": {}, "resources": resources}


class UnexpectedChanges(Exception):
    """``pulumi preview --expect-no-changes`` found changes (the CLI exits non-zero)."""


class AutomationStack:
    """A ``pulumi.automation.Stack`` of the dynamic resource, without the CLI: what examples/runner.py calls.

    Each call is a CLI run of its own (its own provider process) over one ``Checkpoint``, which the
    caller keeps between runs, as the state directory outlives each process. Per command, the
    provider is configured as the engine configures it:

    - ``up`` / ``preview``: with the current config (CheckConfig, DiffConfig against the stored one,
      Configure); with ``refresh=True``, the resources of the state are first refreshed through a
      provider configured with the stored config (deployment_executor.go Execute -> refresh ->
      EnsureProvider). ``up`` stores the current config; a preview stores nothing.
    - ``destroy``: with the stored config alone (engine/destroy.go: a NullSource, the program does not
      run; step_generator.go GenerateDeletes -> EnsureProvider), then the state is empty.

    ``program``: the program's resources for a config (plain values), as the harness's Stack takes them.
    """

    def __init__(self, checkpoint: Checkpoint, program: Callable[[dict[str, Any]], Mapping[str, Any]],
                 name: str = "dev", project: str = "harness") -> None:
        self.checkpoint = checkpoint
        self.program = program
        self.name = name
        self.project = project
        self.config: dict[str, Any] = {}

    def export_stack(self) -> auto.Deployment:
        """``pulumi stack export``."""
        return auto.Deployment(version=3, deployment=self.checkpoint.deployment(self.name, self.project))

    def set_all_config(self, config: auto.ConfigMap) -> None:
        """``pulumi config set``: a key without a namespace is the project's."""
        for key, value in config.items():
            full = key if ":" in key else f"{self.project}:{key}"
            self.config[full] = Secret(value.value) if value.secret else value.value

    def _plain_config(self) -> dict[str, Any]:
        return {k: v.value if isinstance(v, Secret) else v for k, v in self.config.items()}

    def _stored_provider(self) -> ProviderServer:
        """A provider as the engine loads it from the state: configured with the stored config alone."""
        return ProviderServer(self.config, old_config=self.checkpoint.provider_config, run_program=False)

    def _refreshed(self, resources: dict[str, StateEntry]) -> dict[str, StateEntry]:
        if not resources:
            return resources
        with self._stored_provider() as server:
            stack = Stack(server)
            stack.state = resources
            stack.refresh()
            return stack.state

    def _run(self, apply: bool, refresh: Optional[bool]) -> Plan:
        resources = self.checkpoint.resources if apply else copy.deepcopy(self.checkpoint.resources)
        if refresh:
            resources = self._refreshed(resources)
        program = self.program(self._plain_config())
        with ProviderServer(self.config, old_config=self.checkpoint.provider_config) as server:
            stack = Stack(server)
            stack.state = resources
            plan = stack.up(program) if apply else stack.preview(program)
        if apply:
            self.checkpoint.resources = stack.state
            self.checkpoint.provider_config = dict(self.config) if stack.state else None
        return plan

    def up(self, *, refresh: Optional[bool] = None, on_output: Optional[auto.OnOutput] = None) -> Plan:
        """``pulumi up --yes`` (``--refresh``)."""
        return self._run(apply=True, refresh=refresh)

    def preview(self, *, refresh: Optional[bool] = None, diff: Optional[bool] = None,
                expect_no_changes: Optional[bool] = None, on_output: Optional[auto.OnOutput] = None) -> Plan:
        """``pulumi preview`` (``--refresh``, ``--expect-no-changes``); ``diff`` changes only the display."""
        plan = self._run(apply=False, refresh=refresh)
        if expect_no_changes and plan.changes:
            raise UnexpectedChanges(f"no changes were expected: {plan.changes}")
        return plan

    def destroy(self, *, on_output: Optional[auto.OnOutput] = None) -> None:
        """``pulumi destroy --yes --skip-preview`` (what the Automation API runs, automation/_stack.py
        destroy) without ``--run-program``. On a failure the state keeps what was not deleted."""
        if self.checkpoint.resources:
            with self._stored_provider() as server:
                stack = Stack(server)
                stack.state = self.checkpoint.resources
                stack.destroy(preview=False)
        self.checkpoint.resources = {}
        self.checkpoint.provider_config = None
