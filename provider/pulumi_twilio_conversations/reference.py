"""The README's input/output reference, generated from the models' JSON schema.

``python -m pulumi_twilio_conversations.reference --write README.md`` refreshes the README between its
``<!-- reference:start -->`` and ``<!-- reference:end -->`` markers; a test fails when it is stale.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any, Optional

from .core.models import NotificationSettings
from .core.templates import describe
from .core.wire import WIRE_FIELDS

START, END = "<!-- reference:start -->", "<!-- reference:end -->"
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


def replace_between_markers(text: str, body: str) -> str:
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"markers {START} ... {END} not found")
    return pattern.sub(lambda _: f"{START}\n{body}\n{END}", text)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", type=Path, help="update this file between the markers instead of printing")
    args = parser.parse_args(argv)
    if args.write:
        args.write.write_text(replace_between_markers(args.write.read_text(), render()))
    else:
        print(render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
