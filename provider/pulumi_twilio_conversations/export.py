"""Adopting an existing service: render it and its live settings as a ready-to-paste Pulumi program.

``pulumi import`` cannot adopt a dynamic resource (pulumi/pulumi#16175), so instead the service is printed
as a ``Service`` that adopts it (``adopt_sid``, under its live ``friendly_name``) and its live settings as
the ``ServiceNotifications`` that reproduces them, taking ``chat_service_sid=service.sid``. The first
``pulumi up`` after pasting reads the service (one GET, ``rest.adopt``) and sends the settings' same values
(one POST, as every ServiceNotifications create does), so nothing changes on Twilio. Without a service
name (the command's ``--settings-only``) the settings are printed alone, naming the SID, for a service
the stack does not own.

Example::

    >>> print(render_snippet({"chat_service_sid": "IS" + "0" * 32, "log_enabled": True}, "support",
    ...                      service=ServiceDeclaration("support-service", "Support")), end="")
    ... # doctest: +ELLIPSIS
    from pulumi_twilio_conversations import Service, ServiceNotifications
    ...
    service = Service(
        "support-service",
        friendly_name="Support",
        adopt_sid="IS00000000000000000000000000000000",
    )
    <BLANKLINE>
    ServiceNotifications(
        "support",
        chat_service_sid=service.sid,
        log_enabled=True,
    )
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

from .core.client import TwilioClient
from .core.config import DEFAULT_NAMESPACE, resolve
from .core.service import ADOPT, SERVICE
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


@dataclass(frozen=True)
class ServiceDeclaration:
    """The ``Service`` a program declares to adopt the service it takes the settings of."""

    resource_name: str
    friendly_name: str
    """The live name: an adoption must match it (``rest.adopt``), and Twilio cannot rename a service."""


SERVICE_VARIABLE = "service"
"""The Python name the adopted ``Service`` is bound to in the program."""


def _service_call(service_sid: str, service: ServiceDeclaration, config_namespace: str) -> str:
    lines = [f"    {_literal(service.resource_name)},", f"    friendly_name={_literal(service.friendly_name)},",
             f"    {ADOPT}={_literal(service_sid)},"]
    if config_namespace != DEFAULT_NAMESPACE:
        lines.append(f"    config_namespace={_literal(config_namespace)},")
    return (
        f"# {ADOPT}: the first `pulumi up` reads the existing service and changes nothing. Deletion protection\n"
        "# is on: a destroy or a new friendly_name is refused until deletion_protection=False is applied.\n"
        f"{SERVICE_VARIABLE} = Service(\n" + "\n".join(lines) + "\n)\n\n"
    )


def render_snippet(settings: Mapping[str, Any], resource_name: str, config_namespace: str = DEFAULT_NAMESPACE,
                   service: Optional[ServiceDeclaration] = None) -> str:
    """Python source declaring a ``ServiceNotifications`` equal to ``settings`` (canonical form); with
    ``service``, after the ``Service`` that adopts the service, whose ``sid`` it then takes.

    Settings at Twilio's default are left out: omitted means default.
    """
    sid = settings["chat_service_sid"]
    used = ["ServiceNotifications"] if service is None else ["Service", "ServiceNotifications"]
    target = _literal(sid) if service is None else f"{SERVICE_VARIABLE}.sid"
    lines = [f"    {_literal(resource_name)},", f"    chat_service_sid={target},"]
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
    declared_service = "" if service is None else _service_call(sid, service, config_namespace)
    return (
        f"from pulumi_twilio_conversations import {imports}\n\n{declared_service}"
        "ServiceNotifications(\n" + "\n".join(lines) + "\n)\n"
    )


class ExportError(Exception):
    """The live settings cannot be rendered as a declaration that would pass ``check``."""


def service_declaration(service_sid: str, friendly_name: str, resource_name: str) -> ServiceDeclaration:
    """The ``Service`` adopting ``service_sid`` under its live name; ExportError when the name is one the
    provider's check rejects (a control character, say), since pasting it would fail at preview and Twilio
    cannot rename a service."""
    _, problems = SERVICE.validate({"friendly_name": friendly_name, ADOPT: service_sid})
    if problems:
        details = "; ".join(f"{p.field}: {p.reason}" for p in problems)
        raise ExportError(
            f"a Service adopting {service_sid} under its live name would fail at preview: {details}. Twilio cannot "
            "rename a service: export its settings alone with --settings-only")
    return ServiceDeclaration(resource_name, friendly_name)


def snippet_for(body: Any, service_sid: str, resource_name: str, config_namespace: str = DEFAULT_NAMESPACE,
                service: Optional[ServiceDeclaration] = None) -> str:
    """The declaration for Twilio's answer ``body`` (with ``service``: after that Service's); ExportError
    when pasting it could not work.

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
    return render_snippet(settings, resource_name, config_namespace, service)


def export(service_sid: str, resource_name: str, config_namespace: str = DEFAULT_NAMESPACE,
           service_name: Optional[str] = None) -> str:
    """Fetch a service and its live settings (credentials from the environment) and render them: a
    ``Service`` named ``service_name`` adopting it, and its ``ServiceNotifications`` named ``resource_name``.
    ``service_name`` None: the settings alone (two GETs otherwise, one then).

    Only the environment is read (this runs outside any stack), so every message names the environment
    variables, never a ``pulumi config`` key.
    """
    settings = resolve({}, config_namespace, os.environ, from_config=False)
    if settings.problem or settings.credentials is None or settings.http is None:
        raise ExportError(str(settings.problem))
    client = TwilioClient(settings.http)
    service = None
    if service_name is not None:
        # The Service's own read: a service Twilio cannot find fails naming the SID and the account.
        found = SERVICE.read(client, settings.credentials, service_sid, {}, settings.names)
        if found is None:  # not expected: a read with no state (an import's) fails rather than answer "gone"
            raise ExportError(f"the service {service_sid} was not found")
        service = service_declaration(service_sid, str(found[1]["friendly_name"]), service_name)
    body = client.fetch(service_sid, settings.credentials)
    return snippet_for(body, service_sid, resource_name, config_namespace, service)
