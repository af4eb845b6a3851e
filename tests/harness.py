"""Drive the provider the way the Pulumi engine does, without the Pulumi CLI.

``ProviderServer`` starts the real dynamic-provider server (``python -u -m pulumi.dynamic``) and
speaks its gRPC protocol. ``Stack`` holds a small state (inputs and outputs per resource) and
offers the steps users type: ``preview``, ``up``, ``refresh``, ``destroy``. Its driver,
``StackDriver``, is native_harness.py's ``NativeStack``'s too: each front end only says how a program
becomes check inputs, its urns and what its plans show. ``AutomationStack`` runs each step as a CLI run
of its own over a ``Checkpoint`` (the state file), configuring the provider per command as the engine
does: what examples/runner.py drives through Pulumi's Automation API.

Each behaviour imitated names the engine file it comes from (pulumi/pulumi, read at v3.260):
pkg/resource/deploy/step.go, step_generator.go, step_executor.go, pkg/resource/deploy/providers/registry.go,
pkg/resource/plugin/provider_plugin.go, pkg/engine/project.go, pkg/backend/diy/backend.go,
pkg/backend/display/rows.go and object_diff.go. Where the harness simplifies (for the dynamic front end,
one resource at a time, no parallelism), it says so.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Optional, Protocol, TypeVar

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi import automation as auto
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown
from pulumi.runtime._serialization import _serialize
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc
from pulumi.runtime.rpc import UNKNOWN, _special_secret_sig, _special_sig_key
from typing_extensions import Self

from pulumi_twilio_conversations import ServiceNotificationsProvider
from pulumi_twilio_conversations.dynamic.resource import _as_input

PROVIDER_KEY = "__provider"
TYPE = "pulumi-python:dynamic/twilio:ServiceNotifications"
PROVIDER_URN = "urn:pulumi:test::harness::pulumi:providers:pulumi-python::default"
ROOT = Path(__file__).resolve().parent.parent
QUICKSTART_DIR = ROOT / "examples" / "quickstart"
"""The program directory of the root Pulumi.yaml (``main: examples/quickstart/``)."""


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


class CheckFailed(Exception):
    def __init__(self, failures: list[tuple[str, str]]) -> None:
        self.failures = failures
        super().__init__("; ".join(f"{p or '<resource>'}: {r}" for p, r in failures))


class PluginProcess:
    """A provider plugin process, its gRPC channel and the resource RPCs: what both front ends' harnesses share.

    The engine reads the port from the plugin's first line on stdout (plugin.go parsePort) and talks
    ResourceProvider over gRPC; stderr is collected for the tests to read.
    """

    process: subprocess.Popen[bytes]

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

    def _rpc(self, method: str, request: Any) -> Any:
        self._record(method)
        try:
            return getattr(self.stub, method)(request, timeout=120)
        except grpc.RpcError as err:
            raise ProviderError(err.details()) from None

    def _rpc_tolerant(self, method: str, request: Any) -> Any:
        """A call the engine makes but tolerates as UNIMPLEMENTED (provider_plugin.go treats
        Unimplemented as 'not supported': the dynamic server has no Handshake, CheckConfig or DiffConfig)."""
        self._record(method)
        try:
            return getattr(self.stub, method)(request, timeout=120)
        except grpc.RpcError as err:
            if err.code() != grpc.StatusCode.UNIMPLEMENTED:
                raise ProviderError(err.details()) from None
            return None

    # One method per resource RPC; props are plain dicts (Unknown() for unknowns), in the front end's names.
    def check(self, urn_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        resp = self._rpc("Check", provider_pb2.CheckRequest(urn=urn_, olds=to_struct(olds), news=to_struct(news)))
        if resp.failures:
            raise CheckFailed([(f.property, f.reason) for f in resp.failures])
        return from_struct(resp.inputs)

    def diff(self, urn_: str, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any],
             old_inputs: Mapping[str, Any], ignore_changes: tuple[str, ...] = ()) -> Any:
        # The engine sends the ignore_changes paths to every provider's Diff and Update (step_generator.go;
        # step.go UpdateStep.Apply); pulumi/dynamic/__main__.py reads none of them.
        return self._rpc("Diff", provider_pb2.DiffRequest(
            urn=urn_, id=id_, olds=to_struct(olds), news=to_struct(news), old_inputs=to_struct(old_inputs),
            ignoreChanges=list(ignore_changes)))

    def create(self, urn_: str, props: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        resp = self._rpc("Create", provider_pb2.CreateRequest(urn=urn_, properties=to_struct(props)))
        return resp.id, from_struct(resp.properties)

    def read(self, urn_: str, id_: str, props: Mapping[str, Any],
             inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any], Optional[dict[str, Any]]]:
        resp = self._rpc("Read", provider_pb2.ReadRequest(
            urn=urn_, id=id_, properties=to_struct(props), inputs=to_struct(inputs)))
        new_inputs = from_struct(resp.inputs) if resp.HasField("inputs") else None
        return resp.id, from_struct(resp.properties), new_inputs

    def update(self, urn_: str, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any],
               old_inputs: Mapping[str, Any], ignore_changes: tuple[str, ...] = ()) -> dict[str, Any]:
        resp = self._rpc("Update", provider_pb2.UpdateRequest(
            urn=urn_, id=id_, olds=to_struct(olds), news=to_struct(news), old_inputs=to_struct(old_inputs),
            ignoreChanges=list(ignore_changes)))
        return from_struct(resp.properties)

    def delete(self, urn_: str, id_: str, props: Mapping[str, Any], old_inputs: Mapping[str, Any]) -> None:
        self._rpc("Delete", provider_pb2.DeleteRequest(
            urn=urn_, id=id_, properties=to_struct(props), old_inputs=to_struct(old_inputs)))


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
        self._rpc("Configure", provider_pb2.ConfigureRequest(args=to_struct(_wire_config(config)), acceptSecrets=True))


@dataclass
class StateEntry:
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    secrets: frozenset[str] = frozenset()
    """Top-level keys the engine stores as secrets: those whose input was secret."""
    retain_on_delete: bool = False
    """Stored from the resource's options; DeleteStep.Apply reads it from the old state (step.go)."""


D = TypeVar("D")


@dataclass
class PlanBase(Generic[D]):
    """What a preview or up did, per resource name: create, update, replace, delete or same; ``display``
    and ``detail`` (of type D) are what the CLI shows for each changed one, as each front end's Plan says."""

    steps: dict[str, str] = field(default_factory=dict)
    display: dict[str, str] = field(default_factory=dict)
    detail: dict[str, D] = field(default_factory=dict)

    @property
    def changes(self) -> dict[str, str]:
        return {k: v for k, v in self.steps.items() if v != "same"}


class Plan(PlanBase[list[str]]):
    """What a preview or up did, per resource name: create, update, replace, delete or same.

    ``display``: what the CLI prints beside each changed resource in a plain preview, such as
    ``[diff: ~new_message]``; ``detail``: the nested paths ``--diff`` prints (see ``display_diff``).
    """


def urn(name: str) -> str:
    return f"urn:pulumi:test::harness::{TYPE}::{name}"


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

    def inputs(self) -> dict[str, Any]:
        props = {k: _as_input(v) for k, v in self.props.items() if v is not None}
        props[PROVIDER_KEY] = serialized_provider(self.namespace)
        return props


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

    @property
    def secrets(self) -> frozenset[str]: ...

    @property
    def retain_on_delete(self) -> bool: ...

    @property
    def ignore_changes(self) -> tuple[str, ...]: ...


R = TypeVar("R", bound=ProgramResource)
P = TypeVar("P", bound=PlanBase[Any])


class StackDriver(ABC, Generic[R, P]):
    """A stack's state between steps, driven through a provider like the engine would: the steps users
    type (``preview``, ``up``, ``refresh``, ``destroy``), the same for both front ends. A front end gives
    its Resource (made from a plain props mapping in a program), its urns and its Plan to the constructor,
    and implements two hooks: ``_news`` (the check inputs) and ``_show`` (what the plan records for display).

    ``_parallel``: how ``preview`` and ``up`` run the resources' steps: None for one at a time in program
    order in the caller's thread, n for a pool of n workers (see ``_run``).
    """

    _parallel: Optional[int] = None

    def __init__(self, provider: PluginProcess, resource: Callable[[dict[str, Any]], R],
                 urn: Callable[[str], str], plan: Callable[[], P]) -> None:
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

    def _plan_one(self, name: str, res: R, old: Optional[StateEntry]) -> tuple[str, dict[str, Any], Any]:
        """The step for one resource, the inputs it goes on with, and the provider's Diff answer (None
        for a create)."""
        p, urn_ = self._provider, self._urn(name)
        news = self._news(res)
        if old is None:
            return "create", p.check(urn_, {}, news), None
        # step_generator.go continueStepsFromImport: the engine applies processIgnoreChanges first, then
        # Check(olds=old inputs); the paths also go to Diff and Update.
        checked = p.check(urn_, old.inputs, apply_ignore_changes(news, old.inputs, res.ignore_changes))
        # Diff: olds are the stored outputs, news the checked inputs, old_inputs the stored inputs.
        diff = p.diff(urn_, old.id, old.outputs, checked, old.inputs, res.ignore_changes)
        if diff.changes == provider_pb2.DiffResponse.DIFF_NONE:
            return "same", checked, diff
        if diff.changes != provider_pb2.DiffResponse.DIFF_SOME:
            raise AssertionError(f"the provider must always answer an explicit diff, got {diff.changes}")
        if list(diff.replaces):
            # continueStepsFromDiff: on a replace, Check again with no olds and the program's raw inputs.
            return "replace", p.check(urn_, {}, news), diff
        return "update", checked, diff

    def _step(self, state: dict[str, StateEntry], name: str, res: R, apply: bool, plan: P,
              replaced: list[tuple[str, StateEntry]]) -> None:
        """Plan one resource and, for an up, apply it; the shared state, plan and ``replaced`` are only
        touched under the lock, as steps may run in parallel."""
        old = state.get(name)
        step, checked, diff = self._plan_one(name, res, old)
        with self._lock:
            plan.steps[name] = step
            if step in ("update", "replace") and old is not None:
                self._show(plan, name, old, checked, diff)
        if not apply:
            return
        if step == "same":
            assert old is not None
            old.retain_on_delete = res.retain_on_delete  # a same step stores the program's options
            return
        if step in ("create", "replace"):
            id_, outs = self._provider.create(self._urn(name), checked)
            new = StateEntry(id_, checked, outs, res.secrets & set(outs), res.retain_on_delete)
        else:
            assert old is not None
            outs = self._provider.update(self._urn(name), old.id, old.outputs, checked, old.inputs,
                                         res.ignore_changes)
            new = StateEntry(old.id, checked, outs, res.secrets & set(outs), res.retain_on_delete)
        with self._lock:
            state[name] = new
            if step == "replace" and old is not None:
                replaced.append((name, old))

    def _run(self, program: Mapping[str, Any], apply: bool, refresh: bool, parallel: Optional[int]) -> P:
        """One ``pulumi up`` (apply) or ``pulumi preview``. A preview works on a copy of the state and
        never saves it (pkg/backend/diy/backend.go apply: no snapshot manager for a dry run).

        ``parallel``: None runs the steps one at a time in program order, stopping at the first failure;
        n runs them in a pool of n workers (the engine runs up to ``--parallel`` steps, default 4 x CPUs,
        pkg/cmd/pulumi/operations/up.go defaultParallel; step_executor.go workers), where the first
        failure is raised once the steps already submitted have run. The harness's resources have no
        dependencies between them, so any order is a valid engine order.
        """
        state = self.state if apply else copy.deepcopy(self.state)
        if refresh:
            self._refresh(state)
        plan = self._new_plan()
        resources = {name: self._resource(value) for name, value in program.items()}
        replaced: list[tuple[str, StateEntry]] = []
        if parallel is None:
            for name, res in resources.items():
                self._step(state, name, res, apply, plan, replaced)
        else:
            with futures.ThreadPoolExecutor(max_workers=parallel) as pool:
                jobs = [pool.submit(self._step, state, n, r, apply, plan, replaced) for n, r in resources.items()]
                for job in jobs:
                    job.result()
        # Deletes come after every create and update (step_generator.go GenerateDeletes, run from
        # performPostSteps): first the replaced resources, then those gone from the program.
        for name, old in replaced:
            self._delete(name, old)
        for name in [n for n in state if n not in resources]:
            plan.steps[name] = "delete"
            if apply:
                self._delete(name, state.pop(name))
        return plan

    def _delete(self, name: str, old: StateEntry) -> None:
        """step.go DeleteStep.Apply: no Delete call for a resource stored with retain_on_delete."""
        if not old.retain_on_delete:
            self._provider.delete(self._urn(name), old.id, old.outputs, old.inputs)

    def preview(self, program: Mapping[str, Any], refresh: bool = False) -> P:
        """``pulumi preview`` (``refresh=True``: ``pulumi preview --refresh``). Saves nothing."""
        return self._run(program, apply=False, refresh=refresh, parallel=self._parallel)

    def up(self, program: Mapping[str, Any], refresh: bool = False) -> P:
        """``pulumi up`` (``refresh=True``: ``pulumi up --refresh``, or ``options: refresh: always``).

        The refresh here goes through this driver's provider, configured with the current config. The
        engine's refresh goes through the provider loaded from the state, configured with the config the
        last ``up`` stored (deployment_executor.go refresh -> EnsureProvider): the same only while the
        config has not changed since. ``AutomationStack`` runs each step as a run of its own over a
        ``Checkpoint`` and picks the provider's config as the engine does.
        """
        return self._run(program, apply=True, refresh=refresh, parallel=self._parallel)

    def refresh(self) -> dict[str, str]:
        """``pulumi refresh``: read every resource; returns name -> 'same', 'changed' or 'deleted'."""
        return self._refresh(self.state)

    def _refresh(self, state: dict[str, StateEntry]) -> dict[str, str]:
        result = {}
        for name, entry in list(state.items()):
            # step.go RefreshStep.Apply: Read(inputs=old inputs, state=old outputs); an empty id is a
            # delete; returned inputs replace the stored ones.
            id_, outs, inputs = self._provider.read(self._urn(name), entry.id, entry.outputs, entry.inputs)
            if not id_:
                del state[name]
                result[name] = "deleted"
                continue
            new_inputs = inputs if inputs is not None else entry.inputs
            # Then Diff with olds = refreshed outputs and news = the old inputs (RefreshStep.Apply,
            # diffResource with the arguments swapped); its answer says whether the refresh changed anything.
            diff = self._provider.diff(self._urn(name), id_, outs, entry.inputs, new_inputs)
            state[name] = StateEntry(id_, new_inputs, outs, entry.secrets, entry.retain_on_delete)
            result[name] = "same" if diff.changes == provider_pb2.DiffResponse.DIFF_NONE else "changed"
        return result

    def destroy(self) -> None:
        for name, entry in list(self.state.items()):
            self._delete(name, entry)
            del self.state[name]

    def outputs(self, name: str) -> dict[str, Any]:
        # Without the dynamic resource's internal __provider; the plugin's outputs have no such key.
        return _strip(self.state[name].outputs)


class Stack(StackDriver[Resource, Plan]):
    """A stack's state between steps, driven through a ProviderServer like the engine would.

    One resource at a time, in program order (the engine runs up to 4 x CPUs steps in parallel; the
    dynamic server 4 at once: the order of requests across resources may differ).
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

    def import_(self, name: str, id_: str) -> tuple[str, dict[str, Any], Optional[dict[str, Any]]]:
        """``pulumi import``: step.go ImportStep.Apply calls Read with the id alone, no inputs, no state."""
        return self.server.read(urn(name), id_, {}, {})


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
    """

    resources: dict[str, StateEntry] = field(default_factory=dict)
    provider_config: Optional[dict[str, Any]] = None
    """None: no provider in the state (a new stack, or one destroyed: destroy deletes the provider too)."""
    provider_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    """registry.go Create gives a provider a new UUID as its id."""

    def deployment(self, stack: str, project: str) -> dict[str, Any]:
        """The state as ``pulumi stack export`` prints it (sdk/go/common/apitype/core.go DeploymentV3 and
        ResourceV3: ``urn``, ``custom``, ``id``, ``type``, ``inputs``, ``outputs``, ``provider`` as
        ``<urn>::<id>``, sdk/go/common/providers/reference.go). Secret values are marked with the state's
        signature; their ciphertext is left out (nothing here decrypts it)."""
        if not self.resources:
            return {"manifest": {}, "resources": []}
        prefix = f"urn:pulumi:{stack}::{project}::"
        provider_urn = f"{prefix}pulumi:providers:pulumi-python::default"
        config = {k: {_SECRET_SIG_KEY: _SECRET_SIG, "ciphertext": "(encrypted)"} if isinstance(v, Secret) else v
                  for k, v in (self.provider_config or {}).items()}
        resources: list[dict[str, Any]] = [
            {"urn": f"{prefix}pulumi:pulumi:Stack::{project}-{stack}", "custom": False, "type": "pulumi:pulumi:Stack"},
            {"urn": provider_urn, "custom": True, "id": self.provider_id, "type": "pulumi:providers:pulumi-python",
             "inputs": config, "outputs": config},
        ]
        for name, entry in self.resources.items():
            resources.append({"urn": f"{prefix}{TYPE}::{name}", "custom": True, "id": entry.id, "type": TYPE,
                              "inputs": entry.inputs, "outputs": entry.outputs,
                              "provider": f"{provider_urn}::{self.provider_id}"})
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
        """``pulumi destroy --yes`` without ``--run-program``."""
        if self.checkpoint.resources:
            with self._stored_provider() as server:
                stack = Stack(server)
                stack.state = self.checkpoint.resources
                stack.destroy()
        self.checkpoint.resources = {}
        self.checkpoint.provider_config = None
