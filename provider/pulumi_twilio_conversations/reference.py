"""The docs' generated parts: each resource's input/output reference (from its core declaration, through
the package schema generated from it) and the config tables of both front ends (from ``core.config``).

``python -m pulumi_twilio_conversations.reference --write docs/*.md`` refreshes each page between its
markers (``<!-- reference-Service:start -->`` ... ``<!-- reference-Service:end -->``, one pair per resource
of ``native/schema.RESOURCE_TYPES``, and the same with ``config`` and ``native-config``); ``PAGES`` says
which page holds which, and a test fails when any is stale.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from pulumi.output import Unknown

from .core import credential, service
from .core.config import CONFIG_KEYS, DEFAULT_NAMESPACE, SECRET_KEYS, describe_key, env_name
from .core.resource import ResourceType
from .core.wire import WIRE_FIELDS, WireField
from .native.schema import PACKAGE, RESOURCE_TYPES, package_schema, resource_token, to_snake


@dataclass(frozen=True)
class TwilioFields:
    """What the docs say about a resource that its declaration does not hold: Twilio's form fields."""

    fields: tuple[WireField, ...]
    """The inputs sent to Twilio, with their form fields (the resource module's own table)."""
    not_sent: Mapping[str, str] = field(default_factory=dict)
    """Inputs with no form field -> what becomes of them instead."""
    not_output: frozenset[str] = frozenset()
    """Inputs the resource does not return as outputs."""


TWILIO_FIELDS: dict[str, TwilioFields] = {
    "ServiceNotifications": TwilioFields(WIRE_FIELDS, {"chat_service_sid": "path `{ChatServiceSid}`"}),
    "Service": TwilioFields(service.FIELDS, {service.PROTECTION.path: "not sent: kept in the state",
                                     service.ADOPT: "not sent: the create reads that service (one GET)"},
                    not_output=frozenset({service.ADOPT})),
    "Credential": TwilioFields(credential.FIELDS),
}
"""Resource name -> its wire fields; every resource of ``RESOURCE_TYPES`` has one (a test checks)."""

_PYTHON_TYPES = {"string": "str", "boolean": "bool", "integer": "int", "number": "float"}


@dataclass(frozen=True)
class Row:
    """One input of a resource, as the schema declares it."""

    path: str
    """Dotted, in the core's names (snake_case): ``new_message.with_media.template``."""
    schema_path: str
    """The same in the schema's names (camelCase): ``newMessage.withMedia.template``."""
    spec: dict[str, Any]
    """The schema's property: type or $ref, description, secret, replaceOnChanges."""


def _rows(properties: Mapping[str, Any], types: Mapping[str, Any], prefix: str = "",
          schema_prefix: str = "") -> Iterator[Row]:
    for name, spec in properties.items():
        schema_path = f"{schema_prefix}{name}"
        path = f"{prefix}{to_snake(name)}"
        yield Row(path, schema_path, spec)
        if "$ref" in spec:
            nested = types[spec["$ref"].removeprefix("#/types/")]["properties"]
            yield from _rows(nested, types, f"{path}.", f"{schema_path}.")


def _text(description: str) -> str:
    """A description as one table cell: one line, markdown code spans, no column break."""
    return " ".join(description.split()).replace("``", "`").replace("|", "\\|")


def _get(tree: Mapping[str, Any], path: str) -> Any:
    for part in path.split("."):
        if not isinstance(tree, Mapping) or part not in tree:
            return None
        tree = tree[part]
    return tree


def defaults(kind: ResourceType) -> dict[str, Any]:
    """The inputs as the core's own check fills them in when only the required ones are given: each
    default, as both front ends apply it (a required input, not known yet, passes the check)."""
    inputs, problems = kind.validate({name: Unknown() for name in kind.required})  # type: ignore[no-untyped-call]
    if problems:
        raise ValueError(f"{kind.name}: the required inputs alone do not pass the check: {problems}")
    return inputs


def _default(value: Any, required: bool, nested: bool) -> str:
    if required:
        return "required"
    if nested:
        return "all defaults"
    if isinstance(value, bool):
        return f"`{value}`"
    return "unset" if value in (None, "") else f"`{value!r}`"


def _type(spec: Mapping[str, Any]) -> str:
    if "$ref" in spec:
        return f"`{spec['$ref'].rsplit(':', 1)[-1]}` or dict"
    return f"`{_PYTHON_TYPES.get(spec.get('type', ''), spec.get('type', 'any'))}`"


def _twilio_field(wire: TwilioFields, path: str, nested: bool) -> str:
    forms = {f.path: f.form for f in wire.fields}
    if nested:
        return "—"
    if forms.get(path):
        return f"`{forms[path]}`"
    return wire.not_sent.get(path, "not sent")


def render_resource(kind: ResourceType) -> str:
    """The markdown tables of one resource: every input (both spellings, type, default, Twilio field,
    whether a change replaces it, whether it is secret) and every output Twilio adds."""
    schema = package_schema()
    resource, types = schema["resources"][resource_token(kind)], schema["types"]
    wire = TWILIO_FIELDS[kind.name]
    filled = defaults(kind)
    lines = [
        "| Input | Plugin | Type | Default | Twilio field | Replaces | Secret | Description |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in _rows(resource["inputProperties"], types):
        nested = "$ref" in row.spec
        default = _default(_get(filled, row.path), row.path in kind.required, nested)
        replaces = "yes" if row.spec.get("replaceOnChanges") else ""
        secret = "yes" if row.spec.get("secret") else ""
        lines.append(f"| `{row.path}` | `{row.schema_path}` | {_type(row.spec)} | {default} | "
                     f"{_twilio_field(wire, row.path, nested)} | {replaces} | {secret} | "
                     f"{_text(row.spec.get('description', ''))} |")
    schema_names = {to_snake(name): name for name in resource["properties"]}
    lines += ["", "| Output | Plugin | Type | Description |", "|---|---|---|---|"]
    for name, text in kind.output_only.items():
        python_type = "`dict[str, str]`" if name in kind.output_maps else "`str`"
        lines.append(f"| `{name}` | `{schema_names[name]}` | {python_type} | {_text(text)} |")
    but = "".join(f", except `{name}`" for name in sorted(wire.not_output))
    secrets = ", ".join(f"`{name}`" for name in sorted(kind.secret_inputs))
    lines += ["", f"Every input is also an output{but}" + (f"; {secrets} are secret there too." if secrets else ".")]
    return "\n".join(lines)


def render_config(namespace: str, package: bool = False) -> str:
    """The config table: each key in ``namespace``, its environment variable and what it means.

    ``package``: the native plugin's table, whose keys live under the package name and fall back to the
    default namespace's variables (``native/schema.py``: ENV_NAMESPACE).
    """
    lines = ["| Config key | Environment variable | Meaning |", "|---|---|---|"]
    for key in CONFIG_KEYS:
        secret = " (secret)" if key in SECRET_KEYS else ""
        variable = env_name(DEFAULT_NAMESPACE if package else namespace, key)
        lines.append(f"| `{namespace}:{key}`{secret} | `{variable}` | {describe_key(key, namespace)} |")
    return "\n".join(lines)


def _native_config() -> str:
    return render_config(PACKAGE, package=True)


def section_name(kind: ResourceType) -> str:
    """The marker name of a resource's reference: ``reference-Service``."""
    return f"reference-{kind.name}"


def _resource_section(kind: ResourceType) -> Callable[[], str]:
    return lambda: render_resource(kind)


SECTIONS: dict[str, Callable[[], str]] = {
    **{section_name(kind): _resource_section(kind) for kind in RESOURCE_TYPES},
    "config": lambda: render_config(DEFAULT_NAMESPACE),
    "native-config": _native_config,
}
"""Marker name -> what goes between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``."""


def replace_between_markers(text: str, body: str, name: str) -> str:
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"markers {start} ... {end} not found")
    return pattern.sub(lambda _: f"{start}\n{body}\n{end}", text)


PAGES: dict[str, tuple[str, ...]] = {
    "docs/reference.md": tuple(section_name(kind) for kind in RESOURCE_TYPES),
    "docs/installation-configuration.md": ("config", "native-config"),
}
"""Page (relative to the checkout) -> the generated sections it holds."""


def sections_in(text: str) -> tuple[str, ...]:
    """The generated sections whose start marker ``text`` holds."""
    return tuple(name for name in SECTIONS if f"<!-- {name}:start -->" in text)


def refreshed(text: str, names: Optional[tuple[str, ...]] = None) -> str:
    """``text`` with its generated sections (``names``, by default those it holds) brought up to date."""
    for name in sections_in(text) if names is None else names:
        text = replace_between_markers(text, SECTIONS[name](), name)
    return text


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", type=Path, nargs="+", help="update these files between their markers instead "
                        "of printing")
    args = parser.parse_args(argv)
    if args.write:
        for page in args.write:
            page.write_text(refreshed(page.read_text()))
    else:
        print("\n\n".join(render_section() for render_section in SECTIONS.values()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
