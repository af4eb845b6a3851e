"""The Conversations ``Service`` resource, its pure parts: inputs, rules, wire mapping, refresh. No I/O.

Twilio's API (its OpenAPI spec, ``twilio_conversations_v1.json``): ``POST /v1/Services`` creates (the
``CreateServiceRequest`` requires ``FriendlyName``, "limited to 256 characters"), ``GET`` and ``DELETE
/v1/Services/{Sid}`` fetch and delete; there is no update (the path has no ``post``), so a new
``friendly_name`` is a replace (``REPLACE_FIELDS``). The answer is the ``conversations.v1.service`` schema.

A Service has no secret: a refresh takes its ``friendly_name`` from Twilio, so a rename in the console is
drift that shows as a replace.

Example::

    >>> inputs, problems = validate({"friendly_name": "support-dev"})
    >>> problems, to_form(inputs)
    ([], {'FriendlyName': 'support-dev'})
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any, ClassVar, Optional

from pydantic import AfterValidator, StrictStr, ValidationError

from .messages import Problem, show
from .models import In, _check_text, _is_deferred, _OrDeferred, _ResourceInputs, fields_of
from .validation import nesting_problem, problems_of
from .wire import MalformedResponse, WireField, changed_paths

FIELDS: tuple[WireField, ...] = (WireField("friendly_name", "FriendlyName", str),)
"""The inputs, with their form fields in Twilio's CreateServiceRequest."""
SECRET_FIELDS: frozenset[str] = frozenset()
REPLACE_FIELDS: frozenset[str] = frozenset({"friendly_name"})
UPDATE_FIELDS: tuple[str, ...] = ()
"""Nothing: Twilio has no update of a Service."""
OUTPUT_FIELDS: tuple[str, ...] = ("sid", "account_sid", "friendly_name", "date_created", "date_updated", "url", "links")
"""What Twilio answers (``conversations.v1.service``), as ``from_api`` returns it."""

MAX_NAME_LENGTH = 256
"""Twilio's limit for a service's FriendlyName ("limited to 256 characters")."""


def _check_name(value: str) -> str:
    if len(value) > MAX_NAME_LENGTH:
        raise ValueError(f"is {len(value)} characters long; Twilio's limit is {MAX_NAME_LENGTH}")
    return _check_text(value)


ServiceName = Annotated[StrictStr, AfterValidator(_check_name)]


class Inputs(_ResourceInputs):
    """The inputs of a Conversations ``Service``.

    Example: ``Inputs(friendly_name="support-prod")``
    """

    RESOURCE: ClassVar[str] = "Service"

    friendly_name: Annotated[Optional[In[str]], _OrDeferred(Optional[ServiceName])] = None
    """The service's name, up to 256 characters. Required; a new name replaces the service (Twilio has no
    update), and deleting a service deletes its conversations and messages."""

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
    if not isinstance(values, Mapping):
        return {}, [Problem("", f"the inputs must be an object, got {type(values).__name__}")]
    too_deep = nesting_problem(values, limit=1, need="a Service's one input is a string")
    if too_deep:
        return {}, [too_deep]
    problems: list[Problem] = []
    try:
        Inputs.model_validate({k: v for k, v in values.items() if not _is_deferred(v)})
    except ValidationError as err:
        problems.extend(problems_of(err, root=Inputs))
    failed = {p.field.split(".")[0] for p in problems}
    problems.extend(rules(values, require, failed))
    if problems:
        return {}, problems
    return {f.path: f.default if values.get(f.path) is None else values[f.path] for f in FIELDS}, []


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
    if not isinstance(body, Mapping):
        raise MalformedResponse(f"expected a JSON object, got {type(body).__name__}")
    outs: dict[str, Any] = {}
    for key in OUTPUT_FIELDS:
        value = body.get(key)
        if key == "links":
            outs[key] = _links(value)
        elif value is None or isinstance(value, str):
            outs[key] = value or ""
        else:
            raise MalformedResponse(f"'{key}' should be a string, got {show(value)}")
    return outs


def _links(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise MalformedResponse(f"'links' should be an object, got {show(value)}")
    for name, url in value.items():
        if not isinstance(name, str) or not isinstance(url, str):
            raise MalformedResponse(f"'links.{name}' should be a URL string, got {show(url)}")
    return dict(value)


def read_inputs(outputs: Mapping[str, Any], previous_inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs as a refresh reads them back: the name Twilio reports (a Service has no secret, so
    ``previous_inputs`` are not needed; the parameter keeps the resources' functions alike)."""
    return {"friendly_name": outputs.get("friendly_name") or ""}


def changed(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """The inputs that differ between the state (``olds``: Twilio's outputs) and the checked ``news``;
    a deferred new value differs. Each one is a replace (``REPLACE_FIELDS``)."""
    return changed_paths(olds, news, FIELDS)


def replaces(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """The changed fields that make it a replace: all of them."""
    return [name for name in changed(olds, news) if name in REPLACE_FIELDS]
