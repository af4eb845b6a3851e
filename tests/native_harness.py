"""Drive the native provider plugin the way the Pulumi engine does, without the Pulumi CLI.

``NativePlugin`` starts ``provider/`` as the Python language host starts a plugin directory and serves a
fake Engine service (the engine's host server) whose ``Log`` calls are recorded. ``NativeStack`` offers
the steps users type through the driver harness.py's ``Stack`` uses (``StackDriver``): ``preview``, ``up``,
``refresh``, ``destroy``, and its own ``import_`` (``pulumi import``).

Each behaviour imitated names the engine file it comes from (pulumi/pulumi, read at v3.260):
pkg/resource/plugin/plugin.go ExecPlugin, sdk/python/cmd/pulumi-language-python/main.go RunPlugin,
pkg/resource/plugin/provider_plugin.go (NewProvider, handshake, Read), pkg/host/host.go,
pkg/host/host_server.go, pkg/resource/deploy/providers/registry.go, pkg/resource/deploy/target.go,
pkg/resource/deploy/step.go, step_generator.go, step_executor.go and pkg/backend/display/rows.go.
Where the harness simplifies, it says so.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Mapping, Sequence
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2

from pulumi_twilio_conversations.native.schema import PACKAGE

from harness import (
    DEFAULT_KIND,
    QUICKSTART_DIR,
    ROOT,
    CheckFailed,
    PlanBase,
    PluginProcess,
    ProviderError,
    Secret,
    StackDriver,
    StateEntry,
    _leaves,
    display_diff,
    stored_secrets,
    to_struct,
)

PROVIDER_DIR = ROOT / "provider"
"""The plugin directory: PulumiPlugin.yaml, __main__.py, requirements.txt."""
PROVIDER_URN = "urn:pulumi:test::native::pulumi:providers:twilio-conversations::default"


def token(kind: str = DEFAULT_KIND) -> str:
    """The plugin's type token of a resource type (schema.py resource_token)."""
    return f"{PACKAGE}:index:{kind}"


TOKEN = token()


def urn(name: str, kind: str = DEFAULT_KIND) -> str:
    return f"urn:pulumi:test::native::{token(kind)}::{name}"


@dataclass(frozen=True)
class LogEntry:
    severity: int
    message: str
    urn: str
    ephemeral: bool


class FakeEngine(engine_pb2_grpc.EngineServicer):
    """The engine's host server (pkg/host/host_server.go): the address a plugin gets as its first argument
    (provider_plugin.go NewProvider passes host.ServerAddr()). Log calls are recorded, not displayed."""

    def __init__(self) -> None:
        self.logs: list[LogEntry] = []
        self._lock = threading.Lock()
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        engine_pb2_grpc.add_EngineServicer_to_server(self, self.server)
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def Log(self, request: Any, context: Any) -> empty_pb2.Empty:
        with self._lock:
            self.logs.append(LogEntry(request.severity, request.message, request.urn, request.ephemeral))
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.GetRootResourceResponse(urn="")

    def SetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.SetRootResourceResponse()

    def warnings(self) -> list[LogEntry]:
        return [entry for entry in self.logs if entry.severity == engine_pb2.WARNING]

    def stop(self) -> None:
        self.server.stop(grace=None)


def _wire_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """Stack config as the engine sends it to a native provider: only the package's own keys, without
    their namespace (``twilio-conversations:accountSid`` -> ``accountSid``), secure values marked secret
    (pkg/resource/deploy/target.go GetPackageConfig; provider_plugin.go Configure marshals KeepSecrets)."""
    prefix = "twilio-conversations:"
    out: dict[str, Any] = {}
    for key, value in config.items():
        if key.startswith(prefix):
            name = key[len(prefix):]
            out[name] = ({"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": value.value}
                         if isinstance(value, Secret) else value)
    return out


class NativePlugin(PluginProcess):
    """The plugin process, started like the language host starts a Python plugin directory, then
    handshaken and configured like the engine does it.

    plugin.go ExecPlugin finds PulumiPlugin.yaml (runtime python) and asks the language host to run it;
    main.go RunPlugin runs ``<venv python> <plugin dir> <args>`` (``__main__.py`` exists, so not
    ``pulumi.run.plugin``) with ``cmd.Dir = req.Pwd``, the program's directory (plugin.go passes
    ``WorkingDirectory: ctx.Pwd``), and the CLI's environment plus ``PULUMI_PROJECT`` / ``PULUMI_CONFIG``
    (provider_plugin.go NewProvider). The args are the engine's address (NewProvider: host.ServerAddr()).
    The port is the first line on stdout (plugin.go parsePort). The harness's "venv" is this test run's.
    """

    def __init__(self, config: Optional[Mapping[str, Any]] = None, env: Optional[Mapping[str, str]] = None,
                 cwd: Path = QUICKSTART_DIR, old_config: Optional[Mapping[str, Any]] = None,
                 run_program: bool = True, configure: bool = True, plugin_dir: Path = PROVIDER_DIR) -> None:
        self.engine = FakeEngine()
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO")}
        full_env.update({"PULUMI_PROJECT": "native", "PULUMI_CONFIG": json.dumps(_plain_config(config or {}))})
        full_env.update(env or {})
        try:
            self._launch([sys.executable, str(plugin_dir), self.engine.address], cwd, full_env, "plugin")
        except BaseException:
            self.engine.stop()
            raise
        self.check_config_failures: list[tuple[str, str]] = []
        if configure:
            try:
                self._start(dict(config or {}), None if old_config is None else dict(old_config), run_program)
            except BaseException:
                self.stop()
                raise

    def _start(self, config: dict[str, Any], old_config: Optional[dict[str, Any]], run_program: bool) -> None:
        """The engine's start-up calls: Handshake (provider_plugin.go handshake: UNIMPLEMENTED means "not
        supported"), GetPluginInfo (host.go defaultHost.Provider), then registry.go Check -> CheckConfig,
        Diff -> DiffConfig (only for a provider already in state) and Create/Update/Same -> Configure.
        Refresh and destroy without --run-program go straight to Configure with the stored config."""
        self._rpc_tolerant("Handshake", provider_pb2.ProviderHandshakeRequest(
            engine_address=self.engine.address, root_directory=str(PROVIDER_DIR),
            program_directory=str(PROVIDER_DIR), configure_with_urn=True))
        self._rpc("GetPluginInfo", empty_pb2.Empty())
        if not run_program:
            self.configure(old_config if old_config is not None else config)
            return
        checked = self._rpc("CheckConfig", provider_pb2.CheckRequest(
            urn=PROVIDER_URN, olds=to_struct(_wire_config(old_config or {})), news=to_struct(_wire_config(config))))
        self.check_config_failures = [(f.property, f.reason) for f in checked.failures]
        if checked.failures:
            raise CheckFailed(self.check_config_failures)
        if old_config is not None:
            self.diff_config = self._rpc("DiffConfig", provider_pb2.DiffRequest(
                urn=PROVIDER_URN, id="default", olds=to_struct(_wire_config(old_config)),
                news=to_struct(_wire_config(config)), old_inputs=to_struct(_wire_config(old_config))))
        self.configure(config)

    def stop(self) -> None:
        super().stop()
        self.engine.stop()

    # The plugin's own RPCs; the resource RPCs are PluginProcess's, props in schema names.
    def get_schema(self) -> dict[str, Any]:
        return json.loads(self._rpc("GetSchema", provider_pb2.GetSchemaRequest(version=0)).schema)  # type: ignore[no-any-return]

    def configure(self, config: Mapping[str, Any]) -> Any:
        resp = self._rpc("Configure", provider_pb2.ConfigureRequest(
            args=to_struct(_wire_config(config)), acceptSecrets=True, acceptResources=True))
        self.accept_secrets = resp.acceptSecrets
        return resp


def _plain_config(config: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v.value if isinstance(v, Secret) else v for k, v in config.items()}


Entry = StateEntry
"""A resource in the stack's state: the same record as the dynamic harness keeps."""


class Plan(PlanBase[dict[str, int]]):
    """What a preview or up did per resource name (create, update, replace, delete, same), with what the
    CLI shows: ``display`` the plain preview's ``[diff: ~newMessage]`` (rows.go getDiffInfo takes the keys
    of the provider's detailed diff, filtered to its ``diffs``), ``detail`` the detailed diff's paths
    (what ``--diff`` prints, display/diff.go renderDiff -> PrintObjectDiff)."""


@dataclass
class Resource:
    props: dict[str, Any]
    ignore_changes: tuple[str, ...] = ()
    """Dotted schema paths, as in ``ignoreChanges: [newMessage.sound]``."""
    secrets: frozenset[str] = frozenset()
    """Inputs the program marked secret. The plugin answers Configure with acceptSecrets=False, so the engine
    sends them unwrapped and marks same-named outputs secret (see PluginProcess.accept_secrets)."""
    retain_on_delete: bool = False
    kind: str = DEFAULT_KIND
    """The resource's type: its URN carries ``twilio-conversations:index:<kind>``."""
    protect: bool = False
    """``protect: true`` (harness.py PROTECT)."""
    additional_secret_outputs: tuple[str, ...] = ()
    """``additionalSecretOutputs: [privateKey]`` (schema names). A generated SDK sets it for the schema's
    ``secret: true`` properties; a YAML program sets only what it writes; the plugin marks them itself."""
    delete_before_replace: Optional[bool] = None
    """``deleteBeforeReplace: true`` (resource option): overrides the plugin's Diff answer (harness.py REPLACE)."""


class NativeStack(StackDriver[Resource, Plan]):
    """A stack's state between steps, driven through a NativePlugin like the engine would.

    ``parallel``: how many resources' steps ``up`` runs at once (``preview`` runs them in a pool of one);
    the engine runs up to ``--parallel`` steps (default 4 x CPUs, pkg/cmd/pulumi/operations/up.go
    defaultParallel; step_executor.go workers); a step waits for the steps of the resources it
    references (``Ref``, see StackDriver._run).
    """

    _parallel = 1

    def __init__(self, plugin: NativePlugin) -> None:
        super().__init__(plugin, Resource, urn, Plan)
        self.plugin = plugin

    def _news(self, res: Resource) -> dict[str, Any]:
        return res.props

    def _show(self, plan: Plan, name: str, old: Entry, checked: dict[str, Any], diff: Any) -> None:
        if not diff.hasDetailedDiff:
            # The engine's own diff (a targeted replace: harness.py REPLACE) has none: rows.go getDiffInfo then
            # diffs the old inputs against the new ones, as for a provider that sends none.
            plan.display[name], paths = display_diff(old.inputs, checked)
            olds, news = _leaves(old.inputs), _leaves(checked)
            kind = provider_pb2.PropertyDiff
            plan.detail[name] = {path: kind.DELETE if path not in news else kind.ADD if path not in olds
                                 else kind.UPDATE for path in paths}
            return
        plan.detail[name] = {k: v.kind for k, v in diff.detailedDiff.items()}
        plan.display[name] = "[diff: " + "".join(f"~{k}" for k in sorted(diff.diffs)) + "]"

    def up(self, program: Mapping[str, Any], refresh: bool = False, replace: Sequence[str] = (),
           parallel: int = 1) -> Plan:
        """``pulumi up`` (``replace``: ``--replace``, harness.py REPLACE), ``parallel`` steps at once."""
        return self._run(program, apply=True, refresh=refresh, parallel=parallel, replace=replace)

    def import_(self, name: str, id_: str, kind: str = DEFAULT_KIND) -> dict[str, Any]:
        """``pulumi import TOKEN NAME ID``: step.go ImportStep.Apply calls Read with the id alone, fails on
        nil outputs or nil inputs, stores the read inputs, then Checks them (olds = news = the inputs;
        failures become warnings). Returns the stored inputs, secret where the plugin's answer marked them
        (provider_plugin.go Read keeps secrets; the import adds no marks of its own)."""
        read = self.plugin.read_marked(urn(name, kind), id_, {}, {})
        inputs = read.inputs
        if inputs is None:
            raise ProviderError("provider does not support importing resources")
        self.last_import_failures: list[tuple[str, str]] = []
        try:
            self.plugin.check(urn(name, kind), inputs, inputs)
        except CheckFailed as failed:
            self.last_import_failures = failed.failures
        self.state[name] = Entry(read.id or id_, inputs, read.outputs,
                                 stored_secrets(read.outputs, read.output_secrets, read.input_secrets, ()),
                                 kind=kind, secret_inputs=read.input_secrets)
        return inputs
