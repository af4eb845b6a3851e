"""The Conversations ``Service`` resource, declared: inputs, rules, wire mapping, refresh, deletion
protection, and its calls (the generic ones of ``rest.py``; everything else here is pure).

Twilio's API (its OpenAPI spec, ``twilio_conversations_v1.json``): ``POST /v1/Services`` creates (the
``CreateServiceRequest`` requires ``FriendlyName``, "limited to 256 characters"), ``GET`` and ``DELETE
/v1/Services/{Sid}`` fetch and delete; there is no update (the path has no ``post``), so a new
``friendly_name`` is a replace (``REPLACE_FIELDS``). The answer is the ``conversations.v1.service`` schema.

A Service has no secret: a refresh takes its ``friendly_name`` from Twilio, so a rename in the console is
drift that shows as a replace.

**Deletion protection.** Deleting a service deletes every conversation, message and participant in it
("Remove a conversation service with all its nested resources from your account", the spec's
DeleteService), and nothing brings them back. So ``deletion_protection`` (an input kept in the state only,
never sent; true unless set false) refuses both ways a service can be deleted, before any request:

- a replace (a new ``friendly_name``) fails Check at preview (``protection_problems``), while the state
  says the service is protected;
- a delete (``pulumi destroy``, or the resource removed from the program) fails in Delete
  (``refuse_delete``). A provider is not called for a delete at preview, so the dynamic ``Service`` also
  sets Pulumi's ``protect`` option, which the engine checks at preview (dynamic/resource.py).

Turning it off takes a ``pulumi up`` with ``deletion_protection`` false before the destroy or the rename,
as Terraform's ``deletion_protection`` fields do: the protection that is in the state decides.

Example::

    >>> inputs, problems = validate({"friendly_name": "support-dev"})
    >>> problems, to_form(inputs)
    ([], {'FriendlyName': 'support-dev'})
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, ClassVar, Optional

from pydantic import AfterValidator, StrictBool, StrictStr

from .messages import Problem, UserError, safe_name, show
from .models import In, _is_deferred, _OrDeferred, _ResourceInputs, fields_of, name_check
from .rest import Collection, outputs_of, resource_type
from .validation import flat_problems
from .wire import MalformedResponse, WireField, changed_paths, flat_outputs

FIELDS: tuple[WireField, ...] = (WireField("friendly_name", "FriendlyName", str),)
"""The inputs sent to Twilio, with their form fields in Twilio's CreateServiceRequest."""
PROTECTION = WireField("deletion_protection", "", bool)
"""The input kept in the state only (no form field): compared by the diff, never sent."""
ADOPT = "adopt_sid"
"""The create-only input naming an existing service to take over (rest.adopt); never compared or sent."""
LOCAL_FIELDS: frozenset[str] = frozenset({PROTECTION.path, ADOPT})
SECRET_FIELDS: frozenset[str] = frozenset()
REPLACE_FIELDS: frozenset[str] = frozenset({"friendly_name"})
UPDATE_FIELDS: tuple[str, ...] = ()
"""Nothing: Twilio has no update of a Service."""
OUTPUT_FIELDS: tuple[str, ...] = ("sid", "account_sid", "friendly_name", "date_created", "date_updated", "url", "links")
"""What Twilio answers (``conversations.v1.service``), as ``from_api`` returns it."""

MAX_NAME_LENGTH = 256
"""Twilio's limit for a service's FriendlyName ("limited to 256 characters")."""


_check_name = name_check(MAX_NAME_LENGTH)


ServiceName = Annotated[StrictStr, AfterValidator(_check_name)]


def _check_adopt(value: str) -> str:
    if not re.fullmatch(r"IS[0-9a-fA-F]{32}", value):
        raise ValueError(f"must be a Conversations Service SID ('IS' + 32 hex characters), got {show(value)}")
    return value


AdoptSid = Annotated[StrictStr, AfterValidator(_check_adopt)]


class Inputs(_ResourceInputs):
    """The inputs of a Conversations ``Service``.

    Example: ``Inputs(friendly_name="support-prod")``
    """

    RESOURCE: ClassVar[str] = "Service"

    friendly_name: Annotated[Optional[In[str]], _OrDeferred(Optional[ServiceName])] = None
    """The service's name, up to 256 characters. Required; a new name replaces the service (Twilio has no
    update), and deleting a service deletes its conversations and messages."""
    adopt_sid: Annotated[Optional[In[str]], _OrDeferred(Optional[AdoptSid])] = None
    """The SID (``IS...``) of an existing service to take over instead of creating one: the first `pulumi up`
    reads it and changes nothing (its name must match). For the dynamic resource, which cannot be imported;
    printed by `python -m pulumi_twilio_conversations export IS...`. Not compared once the service is in the
    stack, but a replace (a new name) adopts again and fails: remove it before renaming."""
    deletion_protection: Annotated[Optional[In[bool]], _OrDeferred(Optional[StrictBool])] = None
    """Refuse to delete or replace the service (true unless set false): a destroy, a removal from the program
    or a new name fails before the service is deleted. Set it false and run `pulumi up` first to allow that."""

    def _rules(self) -> list[Problem]:
        return rules(fields_of(self))


def rules(values: Mapping[str, Any], require: bool = True, invalid: Iterable[str] = ()) -> list[Problem]:
    """The rules beyond each field's own: a name is required (``require=False``: a read or import)."""
    name = values.get("friendly_name")
    if require and "friendly_name" not in set(invalid) and not _is_deferred(name) and not name:
        return [Problem("friendly_name", "is required: a name for the service, up to 256 characters "
                                         "(Twilio's CreateService requires FriendlyName)")]
    return []


def validate(values: Mapping[str, Any], require: bool = True) -> tuple[dict[str, Any], list[Problem]]:
    """Validate inputs (plain values; deferred ones pass) and return (canonical inputs, problems), like
    ``validation.validate_settings``. ``require=False`` skips "is required"."""
    problems = flat_problems(values, Inputs, rules, "a Service's inputs are strings and a boolean", require)
    if problems:
        return {}, problems
    inputs: dict[str, Any] = {f.path: f.default if values.get(f.path) is None else values[f.path] for f in FIELDS}
    protection = values.get(PROTECTION.path)
    inputs[PROTECTION.path] = True if protection is None else protection
    if values.get(ADOPT):
        inputs[ADOPT] = values[ADOPT]
    return inputs, []


def to_form(inputs: Mapping[str, Any], only: Optional[Iterable[str]] = None) -> dict[str, str]:
    """Twilio's form fields of a create (``only`` None). A Service has no update: ``only`` naming any
    field is a KeyError (the front ends replace instead); an empty ``only`` is an empty form."""
    if only is not None:
        wanted = sorted(set(only))
        if wanted:
            raise KeyError(f"a Service has no update (Twilio's API has none): {wanted} must be a replace")
        return {}
    return {"FriendlyName": str(inputs.get("friendly_name") or "")}


def from_api(body: Any) -> dict[str, Any]:
    """The outputs (``OUTPUT_FIELDS``) from Twilio's JSON answer, typed; a wrong type is MalformedResponse.

    Null or missing texts become ``""``; ``links`` (the service's sub-resource URLs, "uri-map") a dict of
    strings, ``{}`` when null.
    """
    return flat_outputs(body, OUTPUT_FIELDS, {"links": _links})


def _links(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise MalformedResponse(f"'links' should be an object, got {show(value)}")
    for name, url in value.items():
        if not isinstance(name, str) or not isinstance(url, str):
            raise MalformedResponse(f"'links.{name}' should be a URL string, got {show(url)}")
    return dict(value)


def kept(outputs: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
    """What the state keeps: Twilio's outputs and ``deletion_protection`` (true unless the inputs say false)."""
    return {**outputs, PROTECTION.path: inputs.get(PROTECTION.path) is not False}


def read_inputs(outputs: Mapping[str, Any], previous_inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs as a refresh reads them back: the name Twilio reports, and ``deletion_protection`` as the
    state kept it (``outputs`` are ``kept``'s; an import, with no previous state, adopts a protected service)."""
    return {"friendly_name": outputs.get("friendly_name") or "", PROTECTION.path: protected(outputs)}


def changed(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """The inputs that differ between the state (``olds``: ``kept`` outputs) and the checked ``news``;
    a deferred new value differs. A new name is a replace (``REPLACE_FIELDS``); a new
    ``deletion_protection`` an update that sends nothing."""
    return changed_paths(olds, news, (*FIELDS, PROTECTION))


def replaces(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """The changed fields that make it a replace: all of them."""
    return [name for name in changed(olds, news) if name in REPLACE_FIELDS]


# --- deletion protection --------------------------------------------------------------------------------

_WHAT_IS_LOST = ("deleting a Conversations Service deletes every conversation, message and participant in it, "
                 "and nothing brings them back")


class DeletionProtected(UserError):
    """A delete or replace refused by ``deletion_protection``; nothing was sent."""


def protected(state: Mapping[str, Any]) -> bool:
    """Whether the state (old inputs or outputs) protects the service: true unless it says false."""
    return state.get(PROTECTION.path) is not False


def protection_problems(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[Problem]:
    """Check: a new name of a protected service (``olds``, the old inputs; empty for a create) would replace
    it. A name not known yet passes here and is checked when it is (Check runs again at ``up``).

    And ``adopt_sid`` must go before protection does: a replace creates by adopting, so a replace the engine
    is asked for (``pulumi up --replace``) would adopt the same service and then delete it as the old one."""
    if olds and news.get(ADOPT) and news.get(PROTECTION.path) is False:
        return [Problem(ADOPT, (
            f"remove it before turning deletion protection off: the service is in the stack now, and a replace "
            f"would adopt {show(news[ADOPT])} again and then delete it as the old one"))]
    old, new = olds.get("friendly_name"), news.get("friendly_name")
    if not olds or not protected(olds) or _is_deferred(new) or not old or old == new:
        return []
    return [Problem("friendly_name", (
        f"a new name ({show(new)}, was {show(old)}) replaces the service, since Twilio cannot rename one, and "
        f"{_WHAT_IS_LOST}. Deletion protection is on, so nothing was changed: keep the old name, or first run "
        "`pulumi up` with deletion_protection set to false, then change the name"))]


def refuse_delete(sid: str, state: Mapping[str, Any]) -> None:
    """Delete: raise DeletionProtected, before any request, while the state protects the service."""
    if not protected(state):
        return
    name = state.get("friendly_name")
    shown = f" ({safe_name(name, 60)})" if isinstance(name, str) and name else ""
    raise DeletionProtected(
        f"Service {safe_name(sid)}{shown} was not deleted: deletion protection is on, and {_WHAT_IS_LOST}. "
        "To delete it, set deletion_protection to false, run `pulumi up`, then run the destroy again. To remove it "
        "from the stack and keep it in Twilio, set deletion_protection to false and the retain_on_delete resource "
        "option, run `pulumi up`, then destroy (or remove it from the program). If the stack already holds its "
        "replacement (after `pulumi up --replace` or `pulumi state taint`), this is the old service, waiting in the "
        "state to be deleted: to keep it, remove that entry (`pulumi stack export`, delete the entry of this SID "
        "marked \"delete\": true, `pulumi stack import`)")


# --- the declaration --------------------------------------------------------------------------------------

SERVICES = Collection(
    path="/v1/Services", prefix="IS", title="Service", noun="service",
    from_api=from_api, to_form=to_form, keep=kept, read_inputs=read_inputs,
    local=LOCAL_FIELDS, before_delete=refuse_delete, adopt=ADOPT,
)
"""Where Twilio keeps Conversations Services, and how they are sent and kept (rest.py does the calls)."""

SERVICE = resource_type(
    SERVICES,
    name="Service",
    description=inspect.cleandoc(
        """A Twilio Conversations Service: the container of conversations, their participants and messages,
        and of their push-notification settings (`ServiceNotifications`).

        Deleting a service deletes every conversation, message and participant in it, and nothing brings
        them back, so `deletionProtection` is on unless set false: a destroy or a rename (a new
        `friendlyName` replaces the service, since Twilio cannot rename one) fails before the service is
        deleted. The plugin is not called for a delete at preview, so its destroy fails at the service's
        own delete, after the engine has reset its settings and perhaps deleted the credentials: add the
        `protect` resource option too for a destroy refused at preview, deleting nothing. To let go of a
        service without deleting it, set `deletionProtection` false with the `retainOnDelete` resource option.
        Import one with `pulumi import twilio-conversations:index:Service NAME IS...`."""
    ),
    inputs=Inputs,
    required=("friendly_name",),
    output_only=outputs_of(
        SERVICES, "the `chatServiceSid` of its `ServiceNotifications`.",
        links="The URLs of the service's sub-resources (conversations, users, roles, configuration...)."),
    replace_on=tuple(sorted(REPLACE_FIELDS)),
    validate=validate,
    changed=changed,
    replaced=replaces,
    output_maps=frozenset({"links"}),
    check_change=protection_problems,
    delete_first=protected,
)
"""``Service``, declared: its inputs, checks, diff, deletion protection and calls (``/v1/Services``)."""
