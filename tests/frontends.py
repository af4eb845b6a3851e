"""One scenario, both front ends: the dynamic resource (harness.py) and the native plugin (native_harness.py).

A lifecycle scenario is written once, in the dynamic resource's terms (snake_case programs such as
``{"new_message": {"sound": "ring"}}``, stack config ``twilio:accountSid``), and runs on the front end
named by the ``front_end`` fixture:

- ``FrontEnd.server(config)`` starts the front end's provider for that stack config (``twilio:`` keys
  become the plugin's ``twilio-conversations:`` keys), ``FrontEnd.stack(server)`` drives it;
- ``NativeScenarioStack`` has ``harness.Stack``'s API over a ``NativeStack``: programs go in in schema
  names, state and outputs come back in the core's names, through schema.py's mapping (the only one);
- what the provider *says* to a user (check failures, plans' ``[diff: ...]``, error messages) is left
  in its own words: a scenario spells what it expects with ``FrontEnd.path`` and ``FrontEnd.key``;
- a program's ``Resource(kind=..., protect=..., delete_before_replace=...)`` and its ``Ref(name, key)`` (key in
  the core's names) mean the same on both, as do ``up(..., replace=[name])`` and the state's ``taint``; the
  engine's messages (``EngineError``) name each front end's URN (``FrontEnd.urn``).

Test modules opt in with ``pytestmark = both``; a scenario of one front end only says why with
``only("dynamic", why=...)`` (conftest.py's pytest_generate_tests reads the marker).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, Optional, Protocol, Union

import pytest

from pulumi_twilio_conversations.dynamic.resource import _as_input
from pulumi_twilio_conversations.native.schema import (
    ENV_NAMESPACE,
    PACKAGE,
    camel_tree,
    schema_word,
    snake_tree,
    to_camel,
    to_snake,
)

import harness
import native_harness
from harness import (
    DEFAULT_KIND,
    PROVIDER_KEY,
    QUICKSTART_DIR,
    Checkpoint,
    EngineError,
    Plan,
    ProviderServer,
    Ref,
    Resource,
    Stack,
    StateEntry,
    map_refs,
)
from native_harness import Entry, NativePlugin, NativeStack

Name = Literal["dynamic", "native"]
FRONT_ENDS: tuple[Name, ...] = ("dynamic", "native")
Server = Union[ProviderServer, NativePlugin]

both = pytest.mark.front_ends(*FRONT_ENDS)
"""A scenario (or module) that runs on every front end: ids ``[dynamic]`` and ``[native]``."""


def only(name: Name, why: str) -> pytest.MarkDecorator:
    """A scenario of one front end, with the reason the other has none."""
    return pytest.mark.front_ends(name, why=why)


class ScenarioStack(Protocol):
    """What a scenario drives: harness.Stack's API, in the core's names."""

    state: dict[str, StateEntry]

    @property
    def server(self) -> Server: ...

    def preview(self, program: Mapping[str, Any], refresh: bool = False, replace: Sequence[str] = ()) -> Plan: ...

    def up(self, program: Mapping[str, Any], refresh: bool = False, replace: Sequence[str] = ()) -> Plan: ...

    def refresh(self) -> dict[str, str]: ...

    def destroy(self, preview: bool = True) -> None: ...

    def get(self, name: str, id_: str, namespace: str = ENV_NAMESPACE) -> tuple[str, dict[str, Any]]: ...

    def import_(self, name: str, id_: str, kind: str = DEFAULT_KIND
                ) -> tuple[str, dict[str, Any], Optional[dict[str, Any]]]: ...

    def outputs(self, name: str) -> dict[str, Any]: ...


@dataclass(frozen=True)
class FrontEnd:
    name: Name

    def __str__(self) -> str:
        return self.name

    @property
    def namespace(self) -> str:
        """Where the provider's stack config lives: ``twilio`` (the dynamic resource's default namespace)
        or the plugin's package name."""
        return ENV_NAMESPACE if self.name == "dynamic" else PACKAGE

    def key(self, name: str) -> str:
        """A provider config key as the user sets it: ``twilio:accountSid`` / ``twilio-conversations:accountSid``."""
        return f"{self.namespace}:{name}"

    def urn(self, name: str, kind: str = DEFAULT_KIND) -> str:
        """A resource's URN on this front end, as the engine's messages name it."""
        return harness.urn(name, kind) if self.name == "dynamic" else native_harness.urn(name, kind)

    def path(self, path: str) -> str:
        """A property path as the user writes it: ``new_message.sound`` / ``newMessage.sound``."""
        return path if self.name == "dynamic" else to_camel(path)

    def config(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """Stack config written for the dynamic resource's default namespace, for this front end: the
        ``twilio:`` keys in this front end's namespace; other packages' keys (``app:note``) as they are."""
        out: dict[str, Any] = {}
        for key, value in config.items():
            namespace, _, name = key.partition(":")
            if namespace == ENV_NAMESPACE:
                out[self.key(name)] = value
            elif namespace.startswith(f"{ENV_NAMESPACE}-") and self.name == "native":
                raise ValueError(f"{key}: config namespaces are the dynamic resource's; the plugin has one")
            else:
                out[key] = value
        return out

    def server(self, config: Optional[Mapping[str, Any]] = None, env: Optional[Mapping[str, str]] = None,
               cwd: Path = QUICKSTART_DIR, old_config: Optional[Mapping[str, Any]] = None,
               run_program: bool = True) -> Server:
        """The front end's provider, started and configured as the engine does (see ProviderServer)."""
        new = self.config(config or {})
        old = None if old_config is None else self.config(old_config)
        if self.name == "dynamic":
            return ProviderServer(new, env=env, cwd=cwd, old_config=old, run_program=run_program)
        return NativePlugin(new, env=env, cwd=cwd, old_config=old, run_program=run_program)

    def checkpoint(self, state: Mapping[str, StateEntry], config: Mapping[str, Any]) -> Checkpoint:
        """The state file the engine would write for a scenario's state (core names) and stack config
        (written for the dynamic resource, as ``server`` takes it), on this front end: the dynamic resource's
        types, its provider's inputs the whole stack config; or the plugin's types, state in schema names, its
        provider's inputs the package's own keys without their namespace (pkg/resource/deploy/target.go
        GetPackageConfig). Secrets encrypted as Checkpoint.deployment says; ``decrypt`` reads them back."""
        resources = dict(state)
        provider_config = self.config(config)
        if self.name == "dynamic":
            return Checkpoint(resources, provider_config)
        prefix = f"{PACKAGE}:"
        return Checkpoint({name: _to_native(entry) for name, entry in resources.items()},
                          {k[len(prefix):]: v for k, v in provider_config.items() if k.startswith(prefix)},
                          token=native_harness.token, package=PACKAGE)

    def stack(self, server: Server) -> ScenarioStack:
        if isinstance(server, ProviderServer):
            assert self.name == "dynamic"
            return Stack(server)
        assert self.name == "native"
        return NativeScenarioStack(server)


def _schema_tree(tree: Any) -> Any:
    """Every key in schema names as the plugin writes its properties (schema.py schema_word): a field's name
    in camelCase, a map output's keys (a Service's ``links``) as they are, as snake_tree leaves them."""
    if isinstance(tree, Mapping):
        return {schema_word(k) if isinstance(k, str) else k: _schema_tree(v) for k, v in tree.items()}
    return tree


def _to_native(entry: StateEntry) -> Entry:
    return replace(entry, inputs=_schema_tree(entry.inputs), outputs=_schema_tree(entry.outputs),
                   secrets=frozenset(to_camel(k) for k in entry.secrets),
                   secret_inputs=frozenset(to_camel(k) for k in entry.secret_inputs),
                   additional_secret_outputs=tuple(to_camel(k) for k in entry.additional_secret_outputs),
                   property_dependencies={to_camel(k): v for k, v in entry.property_dependencies.items()},
                   pending_deletes=tuple(_to_native(e) for e in entry.pending_deletes))


def _from_native(entry: Entry) -> StateEntry:
    return replace(entry, inputs=snake_tree(entry.inputs), outputs=snake_tree(entry.outputs),
                   secrets=frozenset(to_snake(k) for k in entry.secrets),
                   secret_inputs=frozenset(to_snake(k) for k in entry.secret_inputs),
                   additional_secret_outputs=tuple(to_snake(k) for k in entry.additional_secret_outputs),
                   property_dependencies={to_snake(k): v for k, v in entry.property_dependencies.items()},
                   pending_deletes=tuple(_from_native(e) for e in entry.pending_deletes))


def _native_resource(res: Union[Resource, Mapping[str, Any]]) -> native_harness.Resource:
    """A program's resource in schema names (``ignore_changes`` paths and secret keys too)."""
    if not isinstance(res, Resource):
        res = Resource(dict(res))
    if res.namespace != ENV_NAMESPACE:
        raise ValueError(f"config namespace {res.namespace!r}: the dynamic resource's; the plugin has one")
    props = {k: _as_input(v) for k, v in res.props.items() if v is not None}  # as Resource.inputs() does
    props = map_refs(props, lambda ref: Ref(ref.name, to_camel(ref.key)))  # the outputs are in schema names
    return native_harness.Resource(
        camel_tree(props), ignore_changes=tuple(to_camel(p) for p in res.ignore_changes),
        secrets=frozenset(to_camel(k) for k in res.secrets), retain_on_delete=res.retain_on_delete,
        kind=res.kind, protect=res.protect, delete_before_replace=res.delete_before_replace,
        additional_secret_outputs=tuple(to_camel(k) for k in res.additional_secret_outputs))


def _plan(native: native_harness.Plan) -> Plan:
    """The native plan as harness.Plan: ``display`` as the CLI shows it (``[diff: ~newMessage]``), ``detail``
    the detailed diff's paths (``newMessage.sound``), sorted like harness.display_diff's; inputs in the
    core's names."""
    return Plan(dict(native.steps), dict(native.display), {k: sorted(v) for k, v in native.detail.items()},
                {k: snake_tree(v) for k, v in native.inputs.items()}, list(native.deleted_first))


@contextmanager
def _plans_in_core_names() -> Iterator[None]:
    """An EngineError's plan as harness.Plan too."""
    try:
        yield
    except EngineError as failed:
        if isinstance(failed.plan, native_harness.Plan):
            failed.plan = _plan(failed.plan)
        raise


class NativeScenarioStack:
    """harness.Stack's API over the native plugin (native_harness.NativeStack).

    ``state`` holds StateEntry values in the core's names, like harness.Stack's, so a scenario reads,
    edits and shares it the same way (``other.state = stack.state``); each step hands it to the
    NativeStack in schema names and writes the result back into the same dict.
    """

    def __init__(self, plugin: NativePlugin) -> None:
        self.server = plugin
        self.native = NativeStack(plugin)
        self.state: dict[str, StateEntry] = {}

    @contextmanager
    def _synced(self) -> Iterator[NativeStack]:
        self.native.state = {name: _to_native(entry) for name, entry in self.state.items()}
        try:
            yield self.native
        finally:
            updated = {name: _from_native(entry) for name, entry in self.native.state.items()}
            self.state.clear()
            self.state.update(updated)

    def _program(self, program: Mapping[str, Any]) -> dict[str, native_harness.Resource]:
        return {name: _native_resource(res) for name, res in program.items()}

    def preview(self, program: Mapping[str, Any], refresh: bool = False, replace: Sequence[str] = ()) -> Plan:
        with self._synced() as native, _plans_in_core_names():
            return _plan(native.preview(self._program(program), refresh=refresh, replace=replace))

    def up(self, program: Mapping[str, Any], refresh: bool = False, replace: Sequence[str] = ()) -> Plan:
        with self._synced() as native, _plans_in_core_names():
            return _plan(native.up(self._program(program), refresh=refresh, replace=replace))

    def refresh(self) -> dict[str, str]:
        with self._synced() as native:
            return native.refresh()

    def destroy(self, preview: bool = True) -> None:
        with self._synced() as native:
            native.destroy(preview)

    def get(self, name: str, id_: str, namespace: str = ENV_NAMESPACE) -> tuple[str, dict[str, Any]]:
        """``ServiceNotifications.get(name, id)`` of a generated SDK: its state arguments are all None,
        which the SDK leaves out (pulumi/runtime/rpc.py serialize_properties), so ReadStep.Apply (step.go)
        sends the id with empty inputs and state."""
        if namespace != ENV_NAMESPACE:
            raise ValueError(f"config namespace {namespace!r}: the dynamic resource's; the plugin has one")
        read_id, outs, _ = self.server.read(native_harness.urn(name), id_, {}, {})
        return read_id, snake_tree(outs)

    def import_(self, name: str, id_: str, kind: str = DEFAULT_KIND
                ) -> tuple[str, dict[str, Any], Optional[dict[str, Any]]]:
        """``pulumi import``: the state stores what Read returned (NativeStack.import_)."""
        with self._synced() as native:
            native.import_(name, id_, kind)
        entry = self.state[name]
        return entry.id, dict(entry.outputs), dict(entry.inputs)

    def outputs(self, name: str) -> dict[str, Any]:
        return {k: v for k, v in self.state[name].outputs.items() if k != PROVIDER_KEY}

