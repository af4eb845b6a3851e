"""What each provider operation does, shared by the dynamic and the native front ends.

The front ends differ in how they are called (dill-pickled ``ResourceProvider`` vs. gRPC with
``PropertyValue``s and camelCase names); what they send to Twilio and what they answer is decided
here, in the core's names (snake_case, canonical settings from ``models.validate_settings``).

Example::

    outs = create(client, credentials, checked)              # one POST of every setting
    outs = update(client, credentials, sid, olds, news)      # one POST of the settings that differ
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from .client import Credentials, TwilioClient, TwilioError
from .config import DEFAULT_NAMES, KeyNames
from .gone import confirm_gone, missing_for_get
from .models import _is_deferred
from .scrub import credential_secrets, scrub
from .wire import (
    SETTINGS_KEYS,
    MalformedResponse,
    default_settings,
    from_api,
    to_form,
)


def outputs(sid: str, body: dict[str, Any], operation: str, credentials: Credentials) -> dict[str, Any]:
    """The resource's outputs from Twilio's answer; an unreadable answer is a TwilioError.

    Every text is scrubbed of the credentials, so that an answer echoing them (a misbehaving proxy)
    cannot put them into the state.
    """
    try:
        outs = from_api(body)
    except MalformedResponse as err:
        raise TwilioError(operation, sid, 200, None, f"unexpected response: {err}") from None
    outs = scrubbed(outs, credential_secrets(credentials.username, credentials.password))
    outs["chat_service_sid"] = outs["chat_service_sid"] or sid
    return outs


def scrubbed(tree: dict[str, Any], secrets: tuple[str, ...]) -> dict[str, Any]:
    """Every text in a tree of outputs with ``secrets`` cut out."""
    return {k: scrubbed(v, secrets) if isinstance(v, dict) else scrub(v, secrets) if isinstance(v, str) else v
            for k, v in tree.items()}


def written_by_provider(props: Mapping[str, Any]) -> bool:
    """True for the outputs of create, update or read (refresh); False for a program's properties
    (``get``) or nothing at all (import)."""
    return bool(props.get("url") or props.get("account_sid"))


def replaces(id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
    """True when the new inputs name another service (or one not known yet): a replacement."""
    new_sid = news.get("chat_service_sid")
    old_sid = olds.get("chat_service_sid") or id_
    return _is_deferred(new_sid) or str(new_sid).lower() != str(old_sid).lower()


def create(client: TwilioClient, credentials: Credentials, props: Mapping[str, Any]) -> dict[str, Any]:
    """One POST of the complete desired settings; returns the outputs."""
    sid = props["chat_service_sid"]
    return outputs(sid, client.update(sid, credentials, to_form(props), "create"), "create", credentials)


def update(
    client: TwilioClient, credentials: Credentials, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any],
    changed: list[str],
) -> dict[str, Any]:
    """One POST carrying only the ``changed`` settings (``changed_paths`` of the live outputs and the
    new inputs; the front ends make no request at all when it is empty)."""
    body = client.update(id_, credentials, to_form(news, only=changed), "update")
    return outputs(id_, body, "update", credentials)


def read(
    client: TwilioClient, credentials: Credentials, id_: str, props: Mapping[str, Any],
    names: KeyNames = DEFAULT_NAMES,
) -> Optional[tuple[dict[str, Any], dict[str, Any]]]:
    """One GET: (outputs, inputs equal to the live settings), or None when the service is gone.

    ``props`` are what the engine holds: the outputs this provider wrote (refresh), the program's
    properties (``get``) or nothing (import). Only a refresh may conclude "gone", and only under the
    rules of gone.py; the others raise an error naming the SID and the account. ``names``: the config
    keys as the front end's user sets them (``ProviderSettings.names``), for the fix gone.py suggests.
    """
    try:
        body = client.fetch(id_, credentials)
    except TwilioError as err:
        if not written_by_provider(props):
            raise missing_for_get(err, client, credentials) from None
        confirm_gone(err, client, credentials, props, names)
        return None
    outs = outputs(id_, body, "read", credentials)
    inputs = {key: outs[key] for key in SETTINGS_KEYS}
    inputs["chat_service_sid"] = id_
    return outs, inputs


def delete(client: TwilioClient, credentials: Credentials, id_: str, props: Mapping[str, Any],
           names: KeyNames = DEFAULT_NAMES) -> None:
    """One POST that resets every setting to Twilio's default; a service really gone is fine."""
    try:
        client.update(id_, credentials, to_form(default_settings()), "reset")
    except TwilioError as err:
        confirm_gone(err, client, credentials, props, names)
