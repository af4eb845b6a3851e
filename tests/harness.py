"""Drive the provider the way the Pulumi engine does, without the Pulumi CLI.

``ProviderServer`` starts the real dynamic-provider server (``python -u -m pulumi.dynamic``) and
speaks its gRPC protocol. ``Stack`` holds a small state (inputs and outputs per resource) and
offers the steps users type: ``preview``, ``up``, ``refresh``, ``destroy``.

Marshalling follows the engine: unknowns as the unknown sentinel, secrets sent unwrapped (the
dynamic provider answers acceptSecrets=False), outputs as diff/update olds, refreshed inputs
replacing the stored ones.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import grpc
from google.protobuf import json_format, struct_pb2
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown
from pulumi.runtime._serialization import _serialize
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc
from pulumi.runtime.rpc import UNKNOWN, _special_secret_sig, _special_sig_key

from pulumi_twilio_conversations import ServiceNotificationsProvider
from pulumi_twilio_conversations.resource import _as_input

PROVIDER_KEY = "__provider"
TYPE = "pulumi-python:dynamic/twilio:ServiceNotifications"
ROOT = Path(__file__).resolve().parent.parent


def serialized_provider(namespace: str = "twilio") -> str:
    """The ``__provider`` value, made exactly as ``pulumi.dynamic.Resource`` makes it."""
    value, _ = _serialize(True, serialize_provider, ServiceNotificationsProvider(namespace))
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


def from_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    def unmarshal(value: Any) -> Any:
        if value == UNKNOWN:
            return Unknown()  # type: ignore[no-untyped-call]
        if isinstance(value, dict):
            return {k: unmarshal(v) for k, v in value.items()}
        return value

    return unmarshal(json_format.MessageToDict(struct))  # type: ignore[no-any-return]


def _secret(value: Any) -> dict[str, Any]:
    return {_special_sig_key: _special_secret_sig, "value": value}


class ProviderError(Exception):
    """The provider answered a call with an error (the engine would fail the step)."""


class CheckFailed(Exception):
    def __init__(self, failures: list[tuple[str, str]]) -> None:
        self.failures = failures
        super().__init__("; ".join(f"{p or '<resource>'}: {r}" for p, r in failures))


class ProviderServer:
    """The dynamic-provider process, started like the engine starts it."""

    def __init__(self, config: Optional[Mapping[str, Any]] = None, env: Optional[Mapping[str, str]] = None) -> None:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO")}
        full_env.update({"PULUMI_PROJECT": "harness", "PYTHONUNBUFFERED": "1"})
        full_env.update(env or {})
        self.process = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.dynamic"],
            cwd=ROOT, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode().strip()
        if not line.isdigit():
            err = self.process.stderr.read().decode() if self.process.stderr else ""
            raise RuntimeError(f"provider server did not start: {line!r} {err}")
        self.port = int(line)
        self._stderr: list[str] = []
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)
        self.configure(config or {})

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

    def __enter__(self) -> ProviderServer:
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.stop()

    def _rpc(self, method: str, request: Any) -> Any:
        try:
            return getattr(self.stub, method)(request, timeout=120)
        except grpc.RpcError as err:
            raise ProviderError(err.details()) from None

    # One method per RPC; props are plain dicts (Unknown() for unknowns).
    def configure(self, config: Mapping[str, Any]) -> None:
        """Stack config as the engine sends it: secret values (tokens, secrets) wrapped as secrets."""
        wrapped = {k: _secret(v) if k.endswith(("Token", "Secret")) else v for k, v in config.items()}
        self._rpc("Configure", provider_pb2.ConfigureRequest(args=to_struct(wrapped), acceptSecrets=True))

    def check(self, urn: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        resp = self._rpc("Check", provider_pb2.CheckRequest(urn=urn, olds=to_struct(olds), news=to_struct(news)))
        if resp.failures:
            raise CheckFailed([(f.property, f.reason) for f in resp.failures])
        return from_struct(resp.inputs)

    def diff(self, urn: str, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Any:
        return self._rpc("Diff", provider_pb2.DiffRequest(urn=urn, id=id_, olds=to_struct(olds), news=to_struct(news)))

    def create(self, urn: str, props: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        resp = self._rpc("Create", provider_pb2.CreateRequest(urn=urn, properties=to_struct(props)))
        return resp.id, from_struct(resp.properties)

    def read(self, urn: str, id_: str, props: Mapping[str, Any],
             inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any], Optional[dict[str, Any]]]:
        resp = self._rpc("Read", provider_pb2.ReadRequest(
            urn=urn, id=id_, properties=to_struct(props), inputs=to_struct(inputs)))
        new_inputs = from_struct(resp.inputs) if resp.HasField("inputs") else None
        return resp.id, from_struct(resp.properties), new_inputs

    def update(self, urn: str, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any],
               old_inputs: Mapping[str, Any]) -> dict[str, Any]:
        resp = self._rpc("Update", provider_pb2.UpdateRequest(
            urn=urn, id=id_, olds=to_struct(olds), news=to_struct(news), old_inputs=to_struct(old_inputs)))
        return from_struct(resp.properties)

    def delete(self, urn: str, id_: str, props: Mapping[str, Any], old_inputs: Mapping[str, Any]) -> None:
        self._rpc("Delete", provider_pb2.DeleteRequest(
            urn=urn, id=id_, properties=to_struct(props), old_inputs=to_struct(old_inputs)))


@dataclass
class StateEntry:
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    secrets: frozenset[str] = frozenset()
    """Top-level keys the engine stores as secrets: those whose input was secret."""


@dataclass
class Plan:
    """What a preview or up did, per resource name: create, update, replace, delete or same."""

    steps: dict[str, str] = field(default_factory=dict)

    @property
    def changes(self) -> dict[str, str]:
        return {k: v for k, v in self.steps.items() if v != "same"}


def urn(name: str) -> str:
    return f"urn:pulumi:test::harness::{TYPE}::{name}"


@dataclass
class Resource:
    """One resource in a program: its constructor arguments and its config namespace."""

    props: dict[str, Any]
    namespace: str = "twilio"
    secrets: frozenset[str] = frozenset()
    """Inputs the program marked secret (pulumi.Output.secret). The dynamic provider answers
    acceptSecrets=False, so the engine sends them unwrapped and re-marks same-named outputs."""

    def inputs(self) -> dict[str, Any]:
        props = {k: _as_input(v) for k, v in self.props.items() if v is not None}
        props[PROVIDER_KEY] = serialized_provider(self.namespace)
        return props


class Stack:
    """A stack's state between steps, driven through a ProviderServer like the engine would."""

    def __init__(self, server: ProviderServer) -> None:
        self.server = server
        self.state: dict[str, StateEntry] = {}

    def _program(self, program: Mapping[str, Any]) -> dict[str, Resource]:
        return {k: v if isinstance(v, Resource) else Resource(dict(v)) for k, v in program.items()}

    def _plan_one(self, name: str, res: Resource) -> tuple[str, dict[str, Any]]:
        old = self.state.get(name)
        checked = self.server.check(urn(name), old.inputs if old else {}, res.inputs())
        if old is None:
            return "create", checked
        diff = self.server.diff(urn(name), old.id, old.outputs, checked)
        if diff.changes == provider_pb2.DiffResponse.DIFF_NONE:
            return "same", checked
        if diff.changes != provider_pb2.DiffResponse.DIFF_SOME:
            raise AssertionError("the provider must always answer an explicit diff")
        return ("replace" if list(diff.replaces) else "update"), checked

    def preview(self, program: Mapping[str, Any]) -> Plan:
        plan = Plan()
        resources = self._program(program)
        for name, res in resources.items():
            plan.steps[name] = self._plan_one(name, res)[0]
        for name in self.state:
            if name not in resources:
                plan.steps[name] = "delete"
        return plan

    def up(self, program: Mapping[str, Any]) -> Plan:
        plan = Plan()
        resources = self._program(program)
        for name, res in resources.items():
            step, checked = self._plan_one(name, res)
            plan.steps[name] = step
            old = self.state.get(name)
            if step == "create" or step == "replace":
                id_, outs = self.server.create(urn(name), checked)
                self.state[name] = StateEntry(id_, checked, outs, res.secrets & set(outs))
                if old is not None:  # create before delete, as the engine does by default
                    self.server.delete(urn(name), old.id, old.outputs, old.inputs)
            elif step == "update":
                assert old is not None
                outs = self.server.update(urn(name), old.id, old.outputs, checked, old.inputs)
                self.state[name] = StateEntry(old.id, checked, outs, res.secrets & set(outs))
        for name in [n for n in self.state if n not in resources]:
            old = self.state.pop(name)
            self.server.delete(urn(name), old.id, old.outputs, old.inputs)
            plan.steps[name] = "delete"
        return plan

    def refresh(self) -> dict[str, str]:
        """Read every resource; returns name -> 'same', 'changed' or 'deleted'."""
        result = {}
        for name, entry in list(self.state.items()):
            id_, outs, inputs = self.server.read(urn(name), entry.id, entry.outputs, entry.inputs)
            if not id_:
                del self.state[name]
                result[name] = "deleted"
                continue
            changed = _strip(outs) != _strip(entry.outputs)
            self.state[name] = StateEntry(id_, inputs if inputs is not None else entry.inputs, outs, entry.secrets)
            result[name] = "changed" if changed else "same"
        return result

    def get(self, name: str, id_: str, namespace: str = "twilio") -> dict[str, Any]:
        """``ServiceNotifications.get``: a read with only the id and the provider."""
        props = {"chat_service_sid": id_, PROVIDER_KEY: serialized_provider(namespace)}
        read_id, outs, _ = self.server.read(urn(name), id_, {}, props)
        if not read_id:
            raise LookupError(f"{id_} not found")
        return outs

    def destroy(self) -> None:
        for name, entry in list(self.state.items()):
            self.server.delete(urn(name), entry.id, entry.outputs, entry.inputs)
            del self.state[name]

    def outputs(self, name: str) -> dict[str, Any]:
        return _strip(self.state[name].outputs)


def _strip(props: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k != PROVIDER_KEY}
