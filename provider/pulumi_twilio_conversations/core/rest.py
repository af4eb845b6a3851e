"""The calls of a resource Twilio keeps in a list with SIDs (a Service, a push Credential), written once.

Twilio's Conversations API gives these the same four calls (its OpenAPI spec, ``twilio_conversations_v1.json``):
``POST /v1/<List>`` creates one and answers it with its new SID; ``GET``, ``POST`` and ``DELETE /v1/<List>/{Sid}``
fetch, update and delete it (``DELETE`` answers 204). A resource declares what differs, a ``Collection``
(its path and SID prefix, its wire mapping, what its state keeps), and ``resource_type`` makes its
``ResourceType`` from that: create, read, update and delete below, with the 404 rules of ``gone.py``.

What every such resource gets from here:

- a create is sent once (``TwilioClient.request(creates=True)``): no retry after the request may have been
  processed, which would make a second one;
- a SID goes into a URL only once it has the resource's shape (``checked_sid``);
- every text of an answer, an error's too, is scrubbed of the secrets in play (the credentials, the inputs'
  and the state's secrets, which the form carries), so a server echoing one cannot put it into the state or
  an error;
- a 404 drops a refreshed resource only by the rules of ``gone.py``; a ``get`` or an import of a missing
  one fails naming the SID and the account; a destroy of one already gone succeeds.

Example::

    kind = resource_type(CREDENTIALS, name="Credential", ...)     # core/credential.py
    id_, outs = kind.create(client, credentials, checked_inputs)  # POST /v1/Credentials, once
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Optional

from .client import Credentials, TwilioClient, TwilioError, checked_sid, may_exist
from .config import DEFAULT_NAMES, KeyNames
from .gone import confirm_gone, missing_for_get
from .messages import Problem, UserError, safe_name
from .operations import scrubbed, written_by_provider
from .resource import ResourceType
from .scrub import credential_secrets, scrub
from .wire import MalformedResponse

Props = Mapping[str, Any]


@dataclass(frozen=True)
class Collection:
    """What differs between such resources: where they live, their wire mapping and what the state keeps."""

    path: str
    """The list's path under the base URL: ``/v1/Credentials``."""
    prefix: str
    """The SIDs' two letters: ``CR``."""
    title: str
    """The resource in errors: ``Credential`` (``Credential CR... does not exist in account AC...``)."""
    noun: str
    """The same in a sentence: ``push credential``."""
    from_api: Callable[[Any], dict[str, Any]]
    """Twilio's answer as outputs; a wrong type is MalformedResponse."""
    to_form: Callable[[Props, Optional[Iterable[str]]], dict[str, str]]
    """The form fields of a create (None) or of an update of the given fields."""
    keep: Callable[[Props, Props], dict[str, Any]]
    """(outputs, inputs) -> what the state keeps: the outputs and the inputs Twilio never returns."""
    read_inputs: Callable[[Props, Props], dict[str, Any]]
    """(kept outputs, previous state) -> the inputs as a refresh or an import reads them back."""
    secret_values: Callable[[Props], tuple[str, ...]] = lambda _props: ()
    """The secrets among inputs or state, scrubbed from every text of an answer."""
    local: frozenset[str] = frozenset()
    """Inputs that live in the state only and are never sent (``deletion_protection``)."""
    before_delete: Callable[[str, Props], None] = lambda _id, _props: None
    """Raises a UserError to refuse a delete, before any request (deletion protection)."""
    adopt: str = ""
    """The input that names an existing resource to take over instead of creating one (``adopt_sid``), or ""."""

    def item(self, sid: str, operation: str) -> str:
        """The path of one resource, ``/v1/Credentials/CR...``, once ``sid`` has the shape of one (else a
        TwilioError naming ``operation``, before anything is sent)."""
        return f"{self.path}/{checked_sid(sid, self.prefix, self.title, operation)}"


def _outputs(col: Collection, body: dict[str, Any], operation: str, sid: str, credentials: Credentials,
             inputs: Props) -> dict[str, Any]:
    """The state's outputs from Twilio's answer, scrubbed; an unreadable answer is a TwilioError."""
    secrets = (*col.secret_values(inputs), *credential_secrets(credentials.username, credentials.password))
    try:
        outs = col.from_api(body)
    except MalformedResponse as err:
        raise TwilioError(operation, sid, 200, None, f"unexpected response: {scrub(str(err), secrets)}",
                          subject=_subject(col, sid)) from None
    return col.keep(scrubbed(outs, secrets), inputs)


def _subject(col: Collection, sid: str) -> str:
    return f"{col.noun} {sid}" if sid else col.noun


def create(col: Collection, client: TwilioClient, credentials: Credentials, props: Props) -> tuple[str, dict[str, Any]]:
    """One POST to the list, sent once; the new SID and the outputs. With ``col.adopt`` set in the inputs,
    one GET of that resource instead, which must match the inputs (``adopt``)."""
    if col.adopt and props.get(col.adopt):
        return adopt(col, client, credentials, str(props[col.adopt]), props)
    body = client.request("POST", col.path, credentials, col.to_form(props, None), operation="create",
                          subject=col.noun, creates=True, secrets=col.secret_values(props))
    try:
        outs = _outputs(col, body, "create", "", credentials, props)
    except TwilioError as unreadable:  # Twilio answered 2xx: it made the resource, whatever the answer says
        raise unreadable.with_hint(may_exist(col.noun)) from None
    sid = outs.get("sid")
    if not isinstance(sid, str) or not re.fullmatch(rf"{col.prefix}[0-9a-fA-F]{{32}}", sid):
        raise TwilioError("create", "", 200, None,
                          f"unexpected response: no {col.title} SID ('{col.prefix}' + 32 hex characters) in the answer",
                          may_exist(col.noun), col.noun)
    return sid, outs


def adopt(col: Collection, client: TwilioClient, credentials: Credentials, sid: str,
          props: Props) -> tuple[str, dict[str, Any]]:
    """Take over an existing resource: one GET, no change. Every input Twilio reports must equal the live
    value, so that adopting never hides a difference: a mismatch is an error naming the field and the
    live value, and nothing is written (a different name would mean a replace, not an adoption)."""
    try:
        body = client.request("GET", col.item(sid, "adopt"), credentials, operation="adopt",
                              subject=_subject(col, sid), sid=sid, secrets=col.secret_values(props))
    except TwilioError as err:
        raise missing_for_get(err, client, credentials, col.title) from None
    outs = _outputs(col, body, "adopt", sid, credentials, props)
    live = col.read_inputs(outs, props)
    wrong = [name for name, value in live.items() if name not in col.local and props.get(name) != value]
    if wrong:
        shown = ", ".join(f"{name} is {safe_name(live[name], 80)!r}" for name in wrong)
        raise UserError(
            f"{col.title} {sid} cannot be adopted as declared: its live {shown}. Nothing was changed: set "
            f"{' and '.join(wrong)} to the live value{'s' if len(wrong) > 1 else ''} (the output of `python -m "
            f"pulumi_twilio_conversations export {sid}`), or remove {col.adopt} to create a new {col.noun}")
    return sid, outs


def read(col: Collection, client: TwilioClient, credentials: Credentials, id_: str, props: Props,
         names: KeyNames = DEFAULT_NAMES) -> Optional[tuple[dict[str, Any], dict[str, Any]]]:
    """One GET: (outputs, inputs as read back), or None when a refreshed resource is gone by gone.py's
    rules. ``props``: the state this provider wrote (refresh), the program's (``get``) or none (import)."""
    try:
        body = client.request("GET", col.item(id_, "read"), credentials, operation="read",
                              subject=_subject(col, id_), sid=id_, secrets=col.secret_values(props))
    except TwilioError as err:
        if not written_by_provider(props):
            raise missing_for_get(err, client, credentials, col.title) from None
        confirm_gone(err, client, credentials, props, names, col.noun, f"the {col.noun} in the stack was")
        return None
    outs = _outputs(col, body, "read", id_, credentials, props)
    return outs, col.read_inputs(outs, props)


def update(col: Collection, client: TwilioClient, credentials: Credentials, id_: str, olds: Props, news: Props,
           changed: list[str]) -> dict[str, Any]:
    """One POST of the ``changed`` fields; none when only state-only inputs (``local``) changed."""
    sent = [name for name in changed if name not in col.local]
    if not sent:
        return col.keep(olds, news)
    body = client.request("POST", col.item(id_, "update"), credentials, col.to_form(news, sent),
                          operation="update", subject=_subject(col, id_), sid=id_,
                          secrets=(*col.secret_values(news), *col.secret_values(olds)))
    return _outputs(col, body, "update", id_, credentials, news)


def delete(col: Collection, client: TwilioClient, credentials: Credentials, id_: str, props: Props,
           names: KeyNames = DEFAULT_NAMES) -> None:
    """One DELETE, unless ``before_delete`` refuses it; one already gone (by gone.py's rules) is fine."""
    col.before_delete(id_, props)
    try:
        client.request("DELETE", col.item(id_, "delete"), credentials, operation="delete",
                       subject=_subject(col, id_), sid=id_, secrets=col.secret_values(props))
    except TwilioError as err:
        confirm_gone(err, client, credentials, props, names, col.noun, f"the {col.noun} in the stack was")


def outputs_of(col: Collection, sid: str, **more: str) -> dict[str, str]:
    """The outputs Twilio adds to every list resource's inputs, with their descriptions (``sid`` saying what
    the SID is for), then ``more``."""
    return {
        "sid": f"The {col.noun}'s SID (`{col.prefix}...`): {sid}",
        "account_sid": f"The account that owns the {col.noun}.",
        "date_created": f"When the {col.noun} was created (ISO 8601).",
        "date_updated": f"When the {col.noun} was last updated (ISO 8601).",
        "url": f"The {col.noun}'s API URL.",
        **more,
    }


def resource_type(
    col: Collection,
    *,
    name: str,
    description: str,
    inputs: type[Any],
    required: tuple[str, ...],
    output_only: Mapping[str, str],
    replace_on: tuple[str, ...],
    validate: Callable[[Props], tuple[dict[str, Any], list[Problem]]],
    changed: Callable[[Props, Props], list[str]],
    replaced: Callable[[Props, Props], list[str]],
    secret_inputs: frozenset[str] = frozenset(),
    output_maps: frozenset[str] = frozenset(),
    check_change: Callable[[Props, Props], list[Problem]] = lambda _olds, _news: [],
    delete_first: Callable[[Props], bool] = lambda _olds: False,
) -> ResourceType:
    """The ``ResourceType`` of a list resource: its declaration and the four calls above."""
    return ResourceType(
        name=name,
        description=description,
        inputs=inputs,
        required=required,
        output_only=output_only,
        replace_on=replace_on,
        validate=validate,
        changed=changed,
        replaces=lambda _id, olds, news: bool(replaced(olds, news)),
        create=functools.partial(create, col),
        read=functools.partial(read, col),
        update=functools.partial(update, col),
        delete=functools.partial(delete, col),
        secret_inputs=secret_inputs,
        output_maps=output_maps,
        input_only=frozenset({col.adopt} if col.adopt else ()),
        check_change=check_change,
        delete_first=delete_first,
    )
