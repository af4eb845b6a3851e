"""The docs' generated parts: the input/output reference (from the models' JSON schema) and the
config tables of both front ends (from ``core.config``).

``python -m pulumi_twilio_conversations.reference --write docs/*.md`` refreshes each page between its
markers (``<!-- reference:start -->`` ... ``<!-- reference:end -->``, and the same with ``config`` and
``native-config``); ``PAGES`` says which page holds which, and a test fails when any is stale.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

from .core.config import CONFIG_KEYS, DEFAULT_NAMESPACE, SECRET_KEYS, describe_key, env_name
from .core.models import NotificationSettings
from .core.templates import describe
from .core.wire import WIRE_FIELDS

_FORM = {f.path: f.form for f in WIRE_FIELDS}
OUTPUTS = (
    ("account_sid", "str", "The account that owns the service"),
    ("chat_service_sid", "str", "The service SID; also the resource id"),
    ("log_enabled", "bool", "As the input, read back from Twilio"),
    ("new_message", "dict", "Every `new_message` field (with `with_media`), unset texts as `\"\"`"),
    ("added_to_conversation", "dict", "`enabled`, `template`, `sound`"),
    ("removed_from_conversation", "dict", "`enabled`, `template`, `sound`"),
    ("url", "str", "The settings' API URL"),
)


def _type_of(prop: dict[str, Any]) -> tuple[str, Optional[str]]:
    """(JSON type name, $ref target) of a property, ignoring the null alternative."""
    options = prop.get("anyOf", [prop])
    for option in options:
        if "$ref" in option:
            return "object", option["$ref"].rsplit("/", 1)[-1]
        if option.get("type") not in (None, "null"):
            return str(option["type"]), None
    return "any", None


def _rows(schema: dict[str, Any], defs: dict[str, Any], prefix: str, model: str) -> list[str]:
    rows = []
    for name, prop in schema["properties"].items():
        path = f"{prefix}{name}"
        kind, ref = _type_of(prop)
        description = " ".join(str(prop.get("description", "")).split()).replace("``", "`")
        if name == "template":
            description += " " + describe(prefix.rstrip("."))
        if ref is not None:
            rows.append(f"| `{path}` | `{ref}` or dict | all defaults | — | {description} |")
            rows.extend(_rows(defs[ref], defs, f"{path}.", ref))
            continue
        python_type = {"boolean": "bool", "string": "str"}.get(kind, kind)
        if path == "chat_service_sid":
            default, twilio = "required", "path `{ChatServiceSid}`"
        else:
            default = "`False`" if kind == "boolean" else "unset"
            twilio = f"`{_FORM[path]}`"
        rows.append(f"| `{path}` | `{python_type}` | {default} | {twilio} | {description} |")
    return rows


def render() -> str:
    """The markdown tables for every input (with its Twilio field) and every output."""
    schema = NotificationSettings.model_json_schema()
    lines = [
        "| Input | Type | Default | Twilio field | Description |",
        "|---|---|---|---|---|",
        *_rows(schema, schema.get("$defs", {}), "", "NotificationSettings"),
        "",
        "| Output | Type | Description |",
        "|---|---|---|",
        *[f"| `{name}` | `{kind}` | {text} |" for name, kind, text in OUTPUTS],
    ]
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
    from .native.schema import PACKAGE

    return render_config(PACKAGE, package=True)


SECTIONS: dict[str, Callable[[], str]] = {
    "reference": render,
    "config": lambda: render_config(DEFAULT_NAMESPACE),
    "native-config": _native_config,
}
"""Marker name -> what goes between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``."""


def replace_between_markers(text: str, body: str, name: str = "reference") -> str:
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"markers {start} ... {end} not found")
    return pattern.sub(lambda _: f"{start}\n{body}\n{end}", text)


PAGES: dict[str, tuple[str, ...]] = {
    "docs/reference.md": ("reference",),
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
