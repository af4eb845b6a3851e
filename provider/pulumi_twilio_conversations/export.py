"""Adopting existing settings: render live settings as a ready-to-paste Pulumi program snippet.

``pulumi import`` cannot adopt a dynamic resource (pulumi/pulumi#16175), so instead the live settings
are printed as the Python that reproduces them; the first ``pulumi up`` after pasting changes nothing.

Example::

    >>> print(render_snippet({"chat_service_sid": "IS" + "0" * 32, "log_enabled": True}, "support"))
    ... # doctest: +ELLIPSIS
    from pulumi_twilio_conversations import ServiceNotifications
    ...
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from .core.client import TwilioClient
from .core.config import DEFAULT_NAMESPACE, resolve
from .core.validation import validate_settings
from .core.wire import SETTINGS_KEYS, WIRE_FIELDS, MalformedResponse, from_api, get_path

_CLASSES = {
    "new_message": "NewMessage",
    "new_message.with_media": "WithMedia",
    "added_to_conversation": "AddedToConversation",
    "removed_from_conversation": "RemovedFromConversation",
}


def _non_default(settings: Mapping[str, Any], prefix: str) -> bool:
    return any(
        f.path.startswith(prefix + ".") and (get_path(settings, f.path) or f.default) != f.default
        for f in WIRE_FIELDS
    )


def _literal(value: Any) -> str:
    """A Python literal: booleans as True/False, strings double-quoted (JSON's escapes are Python's)."""
    if isinstance(value, bool):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)


def _call(settings: Mapping[str, Any], prefix: str, indent: str) -> str:
    """``Model(\n field=value,\n ...)``, one argument per line, as a formatter would lay it out."""
    args = []
    for f in WIRE_FIELDS:
        if not f.path.startswith(prefix + "."):
            continue
        rest = f.path[len(prefix) + 1 :]
        if "." in rest:
            continue
        value = get_path(settings, f.path) or f.default
        if value != f.default:
            args.append(f"{rest}={_literal(value)}")
    nested = f"{prefix}.with_media"
    if nested in _CLASSES and _non_default(settings, nested):
        args.append(f"with_media={_call(settings, nested, indent + '    ')}")
    inner = indent + "    "
    return f"{_CLASSES[prefix]}(\n" + "".join(f"{inner}{a},\n" for a in args) + f"{indent})"


def render_snippet(settings: Mapping[str, Any], resource_name: str, config_namespace: str = DEFAULT_NAMESPACE) -> str:
    """Python source declaring a ``ServiceNotifications`` equal to ``settings`` (canonical form).

    Settings at Twilio's default are left out: omitted means default.
    """
    used = ["ServiceNotifications"]
    lines = [f"    {_literal(resource_name)},", f"    chat_service_sid={_literal(settings['chat_service_sid'])},"]
    if settings.get("log_enabled"):
        lines.append("    log_enabled=True,")
    for key in ("new_message", "added_to_conversation", "removed_from_conversation"):
        if _non_default(settings, key):
            lines.append(f"    {key}={_call(settings, key, '    ')},")
            used.append(_CLASSES[key])
            if key == "new_message" and _non_default(settings, "new_message.with_media"):
                used.append("WithMedia")
    if config_namespace != DEFAULT_NAMESPACE:
        lines.append(f"    config_namespace={_literal(config_namespace)},")
    imports = ", ".join(sorted(used))
    return (
        f"from pulumi_twilio_conversations import {imports}\n\n"
        "ServiceNotifications(\n" + "\n".join(lines) + "\n)\n"
    )


class ExportError(Exception):
    """The live settings cannot be rendered as a declaration that would pass ``check``."""


def snippet_for(body: Any, service_sid: str, resource_name: str, config_namespace: str = DEFAULT_NAMESPACE) -> str:
    """The declaration for Twilio's answer ``body``; ExportError when pasting it could not work.

    A live value this provider's validation rejects (a control character typed in the console, a text
    past the provider's cap) is named, rather than printed into a snippet that fails when pasted.
    """
    try:
        settings = from_api(body)
    except MalformedResponse as err:
        raise ExportError(f"Twilio's answer for {service_sid} is not notification settings: {err}") from None
    settings["chat_service_sid"] = service_sid
    _, problems = validate_settings({k: settings[k] for k in ("chat_service_sid", *SETTINGS_KEYS)})
    if problems:
        details = "; ".join(f"{p.field}: {p.reason}" for p in problems)
        raise ExportError(
            f"the live settings of {service_sid} hold values this provider rejects, so a declaration of them "
            f"would fail at preview: {details}. Change them in the Twilio console (or with the API) and export again"
        )
    return render_snippet(settings, resource_name, config_namespace)


def export(service_sid: str, resource_name: str, config_namespace: str = DEFAULT_NAMESPACE) -> str:
    """Fetch a service's live settings (credentials from the environment) and render them.

    Only the environment is read (this runs outside any stack), so every message names the environment
    variables, never a ``pulumi config`` key.
    """
    settings = resolve({}, config_namespace, os.environ, from_config=False)
    if settings.problem or settings.credentials is None or settings.http is None:
        raise ExportError(str(settings.problem))
    body = TwilioClient(settings.http).fetch(service_sid, settings.credentials)
    return snippet_for(body, service_sid, resource_name, config_namespace)
