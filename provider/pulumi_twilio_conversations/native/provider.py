"""The native front end: a Pulumi provider plugin on ``pulumi.provider.experimental`` (SDK 3.272).

Same core as the dynamic resource (models, operations, client, config, the 404 rules); what differs is
how the engine talks to it: gRPC with ``PropertyValue``s in camelCase (schema.py maps the names), a
package schema, per-field detailed diffs, import, and warnings sent to the engine's Log service with
the resource's URN.

What this SDK version does, read in ``pulumi/provider/experimental/server.py`` and
``property_value.py`` (the tests prove each):

- Unknown values (preview) arrive as the plain sentinel string ``UNKNOWN``: ``PropertyValue.unmarshal``
  has no case for it, and ``marshal`` cannot send ``Computed`` (ValueError), so an unknown goes back as
  the same string.
- ``PropertyValue`` accepts ``float`` numbers only (an ``int`` is a TypeError).
- ``Read`` always sends ``properties`` and ``inputs`` (``ReadResponse`` turns None into ``{}``): a
  "not found" is an empty *present* map, which the engine's import and ``get`` take as found, with no
  outputs. So only a refresh may answer "gone"; an import or ``get`` of an unknown id raises.
- ``DiffConfig`` is sent with ``kind=v.kind, inputDiff=v.inputDiff`` (an attribute that does not exist)
  and ``changes=resp.changes`` as is (True is the enum value 1, DIFF_NONE): so ``diff_config`` is not
  overridden; the default (changes None -> DIFF_UNKNOWN) lets the engine compare the config itself.
- Handlers are coroutines on one event loop: blocking HTTP runs in this provider's own pool of 16
  threads (``asyncio.to_thread`` would use the default executor, min(32, CPUs + 4) threads).
"""

from __future__ import annotations

import asyncio
import dataclasses
import difflib
import functools
import json
import os
import re
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Optional, TypeVar

import pulumi
from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.provider.experimental.provider import (
    CheckFailure,
    CheckRequest,
    CheckResponse,
    ConfigureRequest,
    ConfigureResponse,
    CreateRequest,
    CreateResponse,
    DeleteRequest,
    DiffRequest,
    DiffResponse,
    GetSchemaRequest,
    GetSchemaResponse,
    PropertyDiff,
    PropertyDiffKind,
    Provider,
    ReadRequest,
    ReadResponse,
    UpdateRequest,
    UpdateResponse,
)

from .._version import __version__
from ..core.client import Credentials, TwilioClient
from ..core.config import CONFIG_KEYS, ProviderSettings, resolve, unknown_key_problems
from ..core.messages import Problem, UserError, safe_name
from ..core.models import _is_deferred
from ..core.resource import ResourceType
from ..core.service import DeletionProtected
from ..core.wire import get_path, set_path
from .schema import (
    ENV_NAMESPACE,
    PACKAGE,
    RESOURCE_TOKEN,
    RESOURCE_TYPES,
    camel_word,
    camel_words,
    package_schema,
    resource_token,
    schema_word,
    snake_spelled,
    snake_tree,
    snake_word,
    to_camel,
    to_snake,
)

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The engine's unknown value on the wire (``pulumi.runtime.rpc.UNKNOWN``; sdk/go/common/resource/plugin/rpc.go
UnknownStringValue)."""

WORKERS = 16
"""Calls to Twilio in flight at once: the HTTP pool (core/client.py, ``pool_maxsize=16``) matches it."""

_T = TypeVar("_T")


# ---------------------------------------------------------------------------------------------------
# PropertyValue <-> plain values (the core's currency)


def to_plain(values: Mapping[str, PropertyValue], rename: Callable[[str], str] = str) -> dict[str, Any]:
    """Plain values for the core: secrets unwrapped, unknowns (the sentinel string, or ``Computed``)
    as ``pulumi.output.Unknown`` (what ``models`` passes through during preview); every key through
    ``rename`` (``schema.snake_word``: the core's names), in the same pass."""

    def plain(value: PropertyValue) -> Any:
        inner = value.value
        if type(inner) in _SCALARS:
            return pulumi.output.Unknown() if inner == UNKNOWN else inner  # type: ignore[no-untyped-call]
        if isinstance(inner, Computed):
            return pulumi.output.Unknown()  # type: ignore[no-untyped-call]
        if isinstance(inner, Mapping):
            return {rename(k): plain(v) for k, v in inner.items()}
        if isinstance(inner, tuple):
            return [plain(v) for v in inner]
        return inner

    return {rename(k): plain(v) for k, v in values.items()}


_SCALARS = frozenset({str, bool, float, type(None)})


def to_property_values(tree: Mapping[str, Any], rename: Callable[[str], str] = str) -> dict[str, PropertyValue]:
    """PropertyValues from plain values: numbers as floats (the only kind PropertyValue takes), an
    unknown as the sentinel string (``Computed`` cannot be marshalled); every key through ``rename``
    (``schema.camel_word``: schema names), in the same pass."""

    def wrap(value: Any) -> PropertyValue:
        kind = type(value)
        if kind is str or kind is bool or kind is float or value is None:
            return PropertyValue(value)
        if _is_deferred(value):
            return PropertyValue(UNKNOWN)
        if isinstance(value, Mapping):
            return PropertyValue({rename(k): wrap(v) for k, v in value.items()})
        if isinstance(value, (list, tuple)):
            return PropertyValue([wrap(v) for v in value])
        if isinstance(value, int) and not isinstance(value, bool):
            return PropertyValue(float(value))
        return PropertyValue(value)

    return {rename(k): wrap(v) for k, v in tree.items()}


def native_words(text: str) -> str:
    """A config message of the core in this plugin's config names: ``twilio:authToken`` ->
    ``twilio-conversations:authToken`` (the environment variables are the same: TWILIO_AUTH_TOKEN)."""
    return re.sub(rf"(?<![\w-]){re.escape(ENV_NAMESPACE)}:(?=[A-Za-z])", f"{PACKAGE}:", text)


ENGINE_KEYS = frozenset({"version"})
"""Keys the engine adds to a provider's inputs itself: the plugin's version (pkg/resource/deploy/providers/
registry.go versionKey, "not treated as an internal key"); its other settings go under ``__internal``."""


def resolve_config(args: Mapping[str, Any], env: Mapping[str, str], provider: Optional[str] = None) -> ProviderSettings:
    """Credentials and HTTP settings from the provider's config (bare keys: ``accountSid``; the engine
    strips the package namespace, pkg/resource/deploy/target.go GetPackageConfig) and the environment,
    by the same rules as the dynamic resource (config.resolve). Every key the engine sends is this
    package's, so any key the plugin does not read is a problem (``config.unknown_key_problems``, strict);
    ``provider``: the name of an explicit provider resource, whose keys are its arguments."""
    config = {f"{ENV_NAMESPACE}:{key}": value for key, value in args.items()
              if key not in ENGINE_KEYS and not key.startswith("__")}
    settings = resolve(config, ENV_NAMESPACE, env)
    credentials = settings.credentials
    if credentials is not None:  # the hint names where they came from, in errors
        credentials = dataclasses.replace(credentials, hint=native_words(credentials.hint))
    problem = native_words(settings.problem) if settings.problem else None
    key_problems = tuple(native_words(p) for p in unknown_key_problems(
        [key.partition(":")[2] for key in config], ENV_NAMESPACE, strict=True, provider=provider))

    def names(*wanted: str) -> str:
        return native_words(settings.names(*wanted))

    return dataclasses.replace(settings, credentials=credentials, problem=problem, names=names,
                               key_problems=key_problems)


def explicit_provider(urn: str) -> Optional[str]:
    """The name of an explicit provider resource, or None for the default provider, whose settings are
    stack config: the engine names default providers ``default`` or ``default_<version>``
    (pkg/resource/deploy/providers/provider.go DefaultName; pulumi-terraform-bridge's
    check_failures.go isExplicitProvider tells them apart the same way)."""
    name = urn.rsplit("::", 1)[-1]
    return None if not urn or name.startswith("default") else name


def _apply_ignore_changes(olds: Mapping[str, Any], news: dict[str, Any], ignore: list[str]) -> dict[str, Any]:
    """News with each ignored path (schema names, as in ``ignoreChanges: [newMessage.sound]``) set to
    its live value, so that neither the diff nor the update touches it."""
    for path in ignore:
        snake = to_snake(path)
        if get_path(olds, snake) is not None:
            set_path(news, snake, get_path(olds, snake))
    return news


RESOURCES: dict[str, ResourceType] = {resource_token(kind): kind for kind in RESOURCE_TYPES}
"""Type token -> the core's declaration of that resource: every resource call is generic over it."""


def resource_of(urn: str) -> ResourceType:
    """The resource a call is for, from its URN's type (``urn:pulumi:stack::project::[parent$]type::name``,
    sdk/go/common/resource/urn.go)."""
    parts = urn.split("::")
    token = parts[2].rsplit("$", 1)[-1] if len(parts) >= 4 else ""
    kind = RESOURCES.get(token)
    if kind is None:
        close = difflib.get_close_matches(token, RESOURCES, n=1)
        hint = f"did you mean {close[0]!r}? It serves" if close else "it serves"
        raise UserError(f"this plugin has no resource type {safe_name(token, 80)!r}; {hint} {', '.join(RESOURCES)}")
    return kind


def _secret(values: dict[str, PropertyValue], kind: ResourceType) -> dict[str, PropertyValue]:
    """The resource's secret inputs marked secret. The engine keeps a provider's secret outputs whatever it
    answered to Configure (pkg/resource/plugin/provider_plugin.go Create/Read/Update unmarshal outputs with
    KeepSecrets: true), so the state holds them encrypted even when the program passed them in plain."""
    for name in kind.secret_inputs:
        key = camel_word(name)
        if key in values:
            values[key] = values[key].with_secret(True)
    return values


def _without_internal(props: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if not k.startswith("__")}


# ---------------------------------------------------------------------------------------------------


class ServiceNotificationsNative(Provider):
    """``twilio-conversations:index:ServiceNotifications`` served as a native Pulumi provider."""

    def __init__(self, engine_address: Optional[str] = None, env: Optional[Mapping[str, str]] = None) -> None:
        self.engine_address = engine_address
        self._env: Mapping[str, str] = os.environ if env is None else env
        self._settings: Optional[ProviderSettings] = None
        self._client: Optional[TwilioClient] = None
        self._pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="twilio")
        self._engine: Any = None

    # ------------------------------------------------------------------ plumbing

    async def _blocking(self, fn: Callable[..., _T], *args: Any) -> _T:
        """Run blocking code (HTTP) in this provider's pool (server.py shows our errors without a stack)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(fn, *args))

    def _resolved(self) -> ProviderSettings:
        if self._settings is None:  # no Configure (an old engine): the environment alone
            self._settings = resolve_config({}, self._env)
        return self._settings

    def _connection(self) -> tuple[TwilioClient, Credentials]:
        credentials, http = self._resolved().usable()
        if self._client is None:
            self._client = TwilioClient(http)
        return self._client, credentials

    async def _warn(self, urn: str, message: str) -> None:
        """A warning on the resource: the engine's Log service with its URN (pkg/host/host_server.go Log)."""
        if not self.engine_address:
            print(f"warning: {message}", file=sys.stderr)
            return
        import grpc
        from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

        if self._engine is None:
            channel = grpc.aio.insecure_channel(self.engine_address)
            self._engine = engine_pb2_grpc.EngineStub(channel)
        try:
            await self._engine.Log(engine_pb2.LogRequest(
                severity=engine_pb2.WARNING, message=message, urn=urn, ephemeral=False))
        except grpc.aio.AioRpcError as err:  # a warning lost is no reason to fail the step
            print(f"warning (engine Log failed: {err.code()}): {message}", file=sys.stderr)

    # ------------------------------------------------------------------ provider

    async def get_schema(self, request: GetSchemaRequest) -> GetSchemaResponse:
        return GetSchemaResponse(schema=json.dumps(package_schema()))

    async def check_config(self, request: CheckRequest) -> CheckResponse:
        """Report missing credentials and bad settings before any resource is touched."""
        config = to_plain(request.new_inputs)
        settings = resolve_config(config, self._env, explicit_provider(request.urn))
        if any(_is_deferred(config.get(key)) for key in CONFIG_KEYS):
            # Values known only at `up` are checked by Configure then; the keys set are known now.
            failures = [CheckFailure("", f"Twilio provider settings: {p}") for p in settings.key_problems]
            return CheckResponse(inputs=request.new_inputs, failures=failures)
        failure = settings.failure
        failures = [CheckFailure("", failure)] if failure else []
        return CheckResponse(inputs=request.new_inputs, failures=failures)

    async def configure(self, request: ConfigureRequest) -> ConfigureResponse:
        # acceptSecrets=False, as the dynamic provider: the engine sends plain values and marks outputs
        # secret where a same-named input was (pkg/resource/plugin/provider_plugin.go annotateSecrets).
        # supportsPreview=False: Create and Update never run during a preview.
        self._settings = resolve_config(to_plain(request.args), self._env)
        self._client = None
        return ConfigureResponse(accept_secrets=False, supports_preview=False,
                                 accept_resources=False, accept_outputs=False)

    async def check(self, request: CheckRequest) -> CheckResponse:
        """Validate and fill defaults (no HTTP); unknowns pass; template warnings go to the engine."""
        news = _without_internal(to_plain(request.new_inputs))
        kind = resource_of(request.urn)
        spelled = [kind.reported(Problem(path, f"unknown field '{path.rsplit('.', 1)[-1]}': write "
                                               f"'{to_camel(path.rsplit('.', 1)[-1])}'"))
                   for path in snake_spelled(news)]
        failures = [CheckFailure(p.field, p.reason) for p in spelled]
        inputs, problems = kind.check(_without_internal(to_plain(request.old_inputs, snake_word)), snake_tree(news))
        failures += [CheckFailure(to_camel(p.field), camel_words(p.reason)) for p in problems]
        failure = self._resolved().failure
        if failure:
            failures.append(CheckFailure("", failure))
        if failures:
            return CheckResponse(inputs=request.new_inputs, failures=failures)
        for warning in kind.warnings(inputs):
            await self._warn(request.urn, f"{to_camel(warning.field)}: {camel_words(warning.reason)}")
        return CheckResponse(inputs=_secret(to_property_values(inputs, schema_word), kind))

    async def diff(self, request: DiffRequest) -> DiffResponse:
        """Live outputs (olds) against the checked inputs, field by field; no HTTP."""
        olds = to_plain(request.old_state, snake_word)
        news = _apply_ignore_changes(olds, to_plain(request.new_inputs, snake_word), list(request.ignore_changes))
        kind = resource_of(request.urn)
        replace = kind.replaces(request.resource_id, olds, news)
        replaces = [to_camel(name) for name in kind.replace_on] if replace else []
        detailed = {to_camel(path): PropertyDiff(PropertyDiffKind.UPDATE, input_diff=False)
                    for path in kind.changed(olds, news)}
        detailed.update({name: PropertyDiff(PropertyDiffKind.UPDATE_REPLACE, input_diff=False) for name in replaces})
        return DiffResponse(
            changes=bool(detailed),
            replaces=replaces,
            delete_before_replace=kind.delete_first(olds),
            diffs=sorted({path.split(".", 1)[0] for path in detailed}),
            detailed_diff=detailed,
        )

    async def create(self, request: CreateRequest) -> CreateResponse:
        props = to_plain(request.properties, snake_word)
        client, credentials = self._connection()
        kind = resource_of(request.urn)
        id_, outs = await self._blocking(kind.create, client, credentials, props)
        return CreateResponse(resource_id=id_, properties=_secret(to_property_values(outs, schema_word), kind))

    async def read(self, request: ReadRequest) -> ReadResponse:
        """Refresh (prior outputs), ``get`` (the program's properties) or import (the id alone).

        Always returns inputs equal to the live settings, so a refresh records drift and an import
        adopts the service with no change. Only a refresh may find the service gone (empty id).
        """
        props = to_plain(request.properties, snake_word)
        client, credentials = self._connection()
        kind = resource_of(request.urn)
        found = await self._blocking(kind.read, client, credentials, request.resource_id, props,
                                     self._resolved().names)
        if found is None:
            return ReadResponse(resource_id="", properties={}, inputs={})
        outs, inputs = found
        return ReadResponse(resource_id=request.resource_id,
                            properties=_secret(to_property_values(outs, schema_word), kind),
                            inputs=_secret(to_property_values(inputs, schema_word), kind))

    async def update(self, request: UpdateRequest) -> UpdateResponse:
        olds = to_plain(request.olds, snake_word)
        news = _apply_ignore_changes(olds, to_plain(request.news, snake_word), list(request.ignore_changes))
        kind = resource_of(request.urn)
        changed = kind.changed(olds, news)
        if not changed:  # no request at all
            return UpdateResponse(properties=request.olds)
        client, credentials = self._connection()
        outs = await self._blocking(kind.update, client, credentials, request.resource_id, olds, news, changed)
        return UpdateResponse(properties=_secret(to_property_values(outs, schema_word), kind))

    async def delete(self, request: DeleteRequest) -> None:
        props = to_plain(request.properties, snake_word)
        client, credentials = self._connection()
        try:
            await self._blocking(resource_of(request.urn).delete, client, credentials, request.resource_id, props,
                                 self._resolved().names)
        except DeletionProtected as refused:  # in this plugin's names: deletionProtection, retainOnDelete
            text = camel_words(str(refused)).replace("retain_on_delete", "retainOnDelete")
            raise DeletionProtected(text) from None


def serve(args: list[str]) -> None:
    """The plugin's entry point: ``python <plugin dir> <engine address> [flags]`` (the Python language
    host's RunPlugin). Prints the port on stdout and serves until the engine stops it."""
    from .server import serve as serve_grpc

    positional = [a for a in args if not a.startswith("-")]
    engine_address = positional[0] if positional else None
    serve_grpc(args, __version__, ServiceNotificationsNative(engine_address))


__all__ = ["RESOURCE_TOKEN", "ServiceNotificationsNative", "serve"]
