"""The Pulumi package schema of the native provider, generated from the pydantic models.

Nothing here repeats a setting: property names, nesting, types and descriptions come from
``core/models.py`` (field docstrings, class docstrings), template descriptions from ``templates.describe``,
and the provider config keys from ``config.CONFIG_KEYS`` with their environment variables from
``config.env_name``. Pulumi schemas spell properties in camelCase (``newMessage.withMedia.template``),
the core in snake_case (``new_message.with_media.template``): ``to_camel`` and ``to_snake`` are the one
place that maps between them.

Example::

    >>> to_camel("new_message.with_media.template")
    'newMessage.withMedia.template'
    >>> to_snake("newMessage.badgeCountEnabled")
    'new_message.badge_count_enabled'
    >>> package_schema()["resources"][RESOURCE_TOKEN]["requiredInputs"]
    ['chatServiceSid']
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from pydantic import BaseModel

from .._version import __version__
from ..core.config import _NUMBERS, CONFIG_KEYS, DEFAULT_NAMESPACE, SECRET_KEYS, describe_key, env_name
from ..core.credential import CREDENTIAL
from ..core.models import nested_model, nested_models, scalar_type
from ..core.notifications import SERVICE_NOTIFICATIONS
from ..core.resource import ResourceType
from ..core.service import SERVICE
from ..core.templates import PLACEHOLDERS, describe

PACKAGE = "twilio-conversations"
RESOURCE_TYPES: tuple[ResourceType, ...] = (SERVICE_NOTIFICATIONS, SERVICE, CREDENTIAL)
"""Every resource the plugin serves, each a core declaration; the schema is generated from them."""


def resource_token(kind: ResourceType) -> str:
    """A resource's type token: ``twilio-conversations:index:ServiceNotifications``."""
    return f"{PACKAGE}:index:{kind.name}"


RESOURCE_TOKEN = resource_token(SERVICE_NOTIFICATIONS)
ENV_NAMESPACE = DEFAULT_NAMESPACE
"""The native provider reads the same environment variables as the dynamic resource's default
namespace (``TWILIO_ACCOUNT_SID``...); its stack config lives under the package name
(``twilio-conversations:accountSid``)."""



# ---------------------------------------------------------------------------------------------------
# Names: the one snake_case <-> camelCase mapping.


@functools.lru_cache(maxsize=1024)  # every key of every call passes here: the same few dozen names
def camel_word(name: str) -> str:
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), name)


def schema_word(name: str) -> str:
    """A key of the core's as the schema names it: a field's name in camelCase; any other key (those of a
    map output, such as a Service's ``links``) as it is."""
    return camel_word(name) if name in field_names() else name


def snake_word(name: str) -> str:
    """The core's name of a schema name; a name that is not a field's is left as it is (and then
    reported as unknown by the validation, with a suggestion)."""
    return _from_camel().get(name, name)


def to_camel(path: str) -> str:
    """A dotted snake_case path in schema names: ``new_message.sound`` -> ``newMessage.sound``."""
    return ".".join(camel_word(part) for part in path.split("."))


def to_snake(path: str) -> str:
    """A dotted camelCase path in the core's names: ``newMessage.sound`` -> ``new_message.sound``."""
    return ".".join(snake_word(part) for part in path.split("."))


def _rename(tree: Any, word: Any) -> Any:
    if isinstance(tree, (dict, Mapping)):  # dict first: the common case, without the ABC check
        return {word(k) if isinstance(k, str) else k: _rename(v, word) for k, v in tree.items()}
    return tree


def camel_tree(tree: Mapping[str, Any]) -> dict[str, Any]:
    """Every key of a nested dict in schema names."""
    return _rename(tree, camel_word)  # type: ignore[no-any-return]


def snake_tree(tree: Mapping[str, Any]) -> dict[str, Any]:
    """Every key of a nested dict in the core's names."""
    return _rename(tree, snake_word)  # type: ignore[no-any-return]


def snake_spelled(tree: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Paths (schema names) of keys written in the core's spelling (``new_message``) where the schema
    wants ``newMessage``: the core would accept them, the schema does not."""
    found = []
    for key, value in tree.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(key, str) and key in field_names() and camel_word(key) != key:
            found.append(path)
        elif isinstance(value, Mapping):
            found.extend(snake_spelled(value, path))
    return found


@cache
def _from_camel() -> dict[str, str]:
    return {camel_word(n): n for n in field_names()}


@cache
def field_names() -> frozenset[str]:
    """Every field name of every resource's models (snake_case), outputs included."""
    names: set[str] = set()
    for kind in RESOURCE_TYPES:
        names.update(kind.output_only)
        for model in nested_models(kind.inputs).values():
            names.update(model.model_fields)
    return frozenset(names)


def camel_words(text: str) -> str:
    """A message of the core with its field names in schema names (``'badge_count_enabled'`` ->
    ``'badgeCountEnabled'``); other words are left alone."""
    names = sorted((n for n in field_names() if "_" in n), key=len, reverse=True)
    if not names:
        return text
    pattern = re.compile(r"(?<![A-Za-z0-9_$])(" + "|".join(map(re.escape, names)) + r")(?![A-Za-z0-9_])")
    return pattern.sub(lambda m: camel_word(m.group(1)), text)


# ---------------------------------------------------------------------------------------------------
# The models, walked once.


def type_token(model: type[BaseModel]) -> str:
    return f"{PACKAGE}:index:{model.__name__}"


def _doc(model: type[BaseModel]) -> str:
    return inspect.cleandoc(model.__doc__ or "")


_SCHEMA_TYPES = {bool: "boolean", str: "string", int: "integer", float: "number"}


def _property(kind: ResourceType, path: str, field: Any) -> dict[str, Any]:
    nested = nested_model(field)
    spec: dict[str, Any]
    if nested is not None:
        spec = {"$ref": f"#/types/{type_token(nested)}"}
    else:
        scalar = scalar_type(field)
        if scalar not in _SCHEMA_TYPES:
            raise TypeError(f"{kind.name}.{path}: no schema type for {scalar!r}")
        spec = {"type": _SCHEMA_TYPES[scalar]}
        if path in kind.replace_on:
            spec["replaceOnChanges"] = True
        if path in kind.secret_inputs:
            spec["secret"] = True
    description = field.description or ""
    event = path.rsplit(".", 1)[0]
    if path.endswith(".template") and event in PLACEHOLDERS:
        description = f"{description} {describe(event)}".strip()
    if description:
        spec["description"] = description
    return spec


def _properties(kind: ResourceType, prefix: str, model: type[BaseModel],
                skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    return {
        camel_word(name): _property(kind, f"{prefix}.{name}" if prefix else name, field)
        for name, field in model.model_fields.items()
        if name not in skip
    }


# ---------------------------------------------------------------------------------------------------
# Provider config.



def _config_variables() -> dict[str, Any]:
    variables: dict[str, Any] = {}
    for key in CONFIG_KEYS:
        kind = _NUMBERS.get(key, (str, 0, 0))[0]
        spec: dict[str, Any] = {
            "type": {str: "string", int: "integer", float: "number"}[kind],
            "description": describe_key(key, PACKAGE),
            "defaultInfo": {"environment": [env_name(ENV_NAMESPACE, key)]},
        }
        if key in SECRET_KEYS:
            spec["secret"] = True
        variables[key] = spec
    return variables


# ---------------------------------------------------------------------------------------------------
# The schema.


_OUTPUT_MAP = {"type": "object", "additionalProperties": {"type": "string"}}


def _resource(kind: ResourceType) -> dict[str, Any]:
    inputs = _properties(kind, "", kind.inputs)
    outputs = {camel_word(k): {**_OUTPUT_MAP, "description": v} if k in kind.output_maps
               else {"type": "string", "description": v} for k, v in kind.output_only.items()}
    outputs.update({name: spec for name, spec in inputs.items() if snake_word(name) not in kind.input_only})
    return {
        "description": kind.description,
        "properties": outputs,
        "required": sorted(outputs),
        "inputProperties": inputs,
        "requiredInputs": [camel_word(name) for name in kind.required],
    }


@cache
def _schema() -> dict[str, Any]:
    types = {
        type_token(model): {"type": "object", "description": _doc(model), "properties": _properties(kind, path, model)}
        for kind in RESOURCE_TYPES
        for path, model in nested_models(kind.inputs).items()
        if path
    }
    config = _config_variables()
    return {
        "name": PACKAGE,
        "displayName": "Twilio Conversations notifications",
        "version": __version__,
        "description": "Twilio Conversations push set-up: Services, push Credentials and their "
        "notification settings (/v1/Services/{ChatServiceSid}/Configuration/Notifications).",
        "keywords": ["pulumi", "twilio", "conversations", "notifications", "category/utility", "kind/native"],
        "license": "Apache-2.0",
        "config": {"variables": config},
        "provider": {
            "description": "The provider for Twilio Conversations notification settings: credentials, "
            "endpoint, timeouts and retries. Each setting falls back to its environment variable.",
            "inputProperties": config,
            "properties": config,
        },
        "resources": {resource_token(kind): _resource(kind) for kind in RESOURCE_TYPES},
        "types": types,
        "language": {
            "python": {"packageName": "pulumi_twilio_conversations_native"},
            "nodejs": {"packageName": "@pulumi-twilio-conversations/native"},
        },
    }


def package_schema() -> dict[str, Any]:
    """The package schema (a fresh copy: callers may change it)."""
    import copy

    return copy.deepcopy(_schema())
