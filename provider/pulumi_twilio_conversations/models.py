"""Input types for a service's push-notification settings, and the one wire mapping to Twilio.

The pydantic models are what users write (`NewMessage(enabled=True, ...)`). Every field also accepts
a Pulumi ``Output`` (or any awaitable): such a value is passed through untouched here and validated
by the provider's ``check`` once it is known.

Everything the provider stores, compares and sends goes through the *canonical* form: a nested dict
with every setting present, booleans as ``bool`` and unset templates/sounds as ``""`` (Twilio reads
an unset text back as null or ``""``; both mean "use Twilio's built-in text").

Example::

    >>> s = canonical_settings({"new_message": {"enabled": True}})
    >>> s["new_message"]["enabled"], s["new_message"]["template"], s["log_enabled"]
    (True, '', False)
    >>> to_form(s, only=["new_message.enabled"])
    {'NewMessage.Enabled': 'true'}
"""

from __future__ import annotations

import difflib
import inspect
import re
from collections.abc import Awaitable, Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Optional, TypeVar, Union

import pulumi
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    GetCoreSchemaHandler,
    StrictBool,
    StrictStr,
    ValidationError,
)
from pydantic_core import core_schema

from .templates import Problem, placeholder_syntax_error

T = TypeVar("T")
In = Union[T, Awaitable[T], pulumi.Output[T]]
"""Same as ``pulumi.Input[T]``, spelled without its forward reference so pydantic can resolve it."""

SERVICE_SID_PATTERN = r"^IS[0-9a-fA-F]{32}$"
"""Twilio's pattern for a Conversations Service SID (the path parameter ChatServiceSid)."""

MAX_TEXT_LENGTH = 1024
"""Hard limit for a template or sound. Far past the 178-character payload; longer is surely a mistake."""


def _is_deferred(value: Any) -> bool:
    """True for a value that is not known yet: a Pulumi Output, an awaitable, or an unknown marker."""
    return isinstance(value, (pulumi.Output, pulumi.output.Unknown)) or inspect.isawaitable(value)


class _OrDeferred:
    """Annotation: validate a plain value as ``inner``; pass an Output/awaitable through unchanged.

    The declared Python type stays ``Input[T]`` for type checkers, while pydantic validates with
    the strict schema of ``inner``.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __get_pydantic_core_schema__(self, _source: Any, handler: GetCoreSchemaHandler) -> Any:
        inner_schema = handler.generate_schema(self.inner)

        def passthrough(value: Any, validate: core_schema.ValidatorFunctionWrapHandler) -> Any:
            return value if _is_deferred(value) else validate(value)

        return core_schema.no_info_wrap_validator_function(passthrough, inner_schema)


# C0 and C1 control characters (newline and tab allowed), and lone surrogates, which no encoding can send.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
MAX_NESTING = 16
"""Deepest nesting of objects accepted in inputs; the settings need 3."""


def _check_text(value: str) -> str:
    if len(value) > MAX_TEXT_LENGTH:
        raise ValueError(f"is {len(value)} characters long; the limit is {MAX_TEXT_LENGTH}")
    match = _CONTROL.search(value)
    if match:
        raise ValueError(
            f"contains the control character {match.group()!r} at position {match.start()}; "
            "remove it (only newline and tab are allowed)"
        )
    match = _SURROGATE.search(value)
    if match:
        raise ValueError(
            f"contains a lone surrogate {match.group()!r} at position {match.start()}, which is not text: "
            "remove it (it usually comes from a broken copy of an emoji)"
        )
    return value


def _check_template(value: str) -> str:
    _check_text(value)
    problem = placeholder_syntax_error(value)
    if problem:
        raise ValueError(problem)
    return value


Template = Annotated[StrictStr, AfterValidator(_check_template)]
Sound = Annotated[StrictStr, AfterValidator(_check_text)]
ServiceSid = Annotated[StrictStr, AfterValidator(lambda v: _check_sid(v))]


def _check_sid(value: str) -> str:
    if not re.fullmatch(SERVICE_SID_PATTERN, value):
        # Only the prefix and length are echoed: a credential pasted here must not reach the logs.
        raise ValueError(
            f"is not a Conversations Service SID (got {len(value)} characters starting with {value[:2]!r}): "
            "it must be 'IS' followed by 32 hex characters (copy it from the Twilio console, "
            "Conversations > Manage > Services)"
        )
    return value


def _show(value: Any) -> str:
    """A value as it may appear in an error: repr, cut short so a huge input does not flood the log."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def safe_name(name: Any, limit: int = 40) -> str:
    """A user-supplied name (a key) as it may appear in an error: escaped, no control or ANSI
    sequence reaching a terminal, cut short."""
    text = repr(str(name))[1:-1]
    return text if len(text) <= limit else text[: limit - 3] + "..."


def nesting_problem(values: Any, limit: int = MAX_NESTING) -> Optional[Problem]:
    """A Problem naming the top-level field whose objects nest deeper than ``limit``, else None.

    Iterative, so that absurd input is an error message, not a RecursionError.
    """
    if not isinstance(values, (Mapping, BaseModel)):
        return None
    items = fields_of(values).items() if isinstance(values, BaseModel) else values.items()
    for key, value in items:
        stack = [(value, 1)]
        while stack:
            node, depth = stack.pop()
            if isinstance(node, BaseModel):
                node = fields_of(node)
            if isinstance(node, (Mapping, list, tuple)):
                if depth > limit:
                    return Problem(safe_name(key), f"nests objects more than {limit} levels deep; the settings "
                                   "need 3 (for example new_message.with_media.template)")
                children = node.values() if isinstance(node, Mapping) else node
                stack.extend((child, depth + 1) for child in children)
    return None


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, frozen=True, use_attribute_docstrings=True)


class WithMedia(_Settings):
    """Notification for a new message that carries media (``NewMessage.WithMedia.*``).

    Example: ``WithMedia(enabled=True, template="${PARTICIPANT} sent ${MEDIA_COUNT} files")``
    """

    enabled: Annotated[Optional[In[bool]], _OrDeferred(Optional[StrictBool])] = None
    """Send a push when a message with media is added. Twilio default: false."""
    template: Annotated[Optional[In[str]], _OrDeferred(Optional[Template])] = None
    """Text of the push. Unset: Twilio's built-in text."""


class NewMessage(_Settings):
    """Notification for a new message (``NewMessage.*``).

    Example: ``NewMessage(enabled=True, template="${PARTICIPANT}: ${MESSAGE}", sound="ring")``
    """

    enabled: Annotated[Optional[In[bool]], _OrDeferred(Optional[StrictBool])] = None
    """Send a push when a message is added to a conversation. Twilio default: false."""
    template: Annotated[Optional[In[str]], _OrDeferred(Optional[Template])] = None
    """Text of the push. Unset: Twilio's built-in text."""
    sound: Annotated[Optional[In[str]], _OrDeferred(Optional[Sound])] = None
    """Name of the sound the device plays. Unset: the device default."""
    badge_count_enabled: Annotated[Optional[In[bool]], _OrDeferred(Optional[StrictBool])] = None
    """Keep the app badge count of unread messages. Twilio default: false."""
    with_media: Annotated[
        Optional[In[Union[WithMedia, Mapping[str, Any]]]], _OrDeferred(Optional[WithMedia])
    ] = None
    """Settings for messages that carry media."""


class AddedToConversation(_Settings):
    """Notification to a participant added to a conversation (``AddedToConversation.*``).

    Example: ``AddedToConversation(enabled=True, template="You joined ${CONVERSATION}")``
    """

    enabled: Annotated[Optional[In[bool]], _OrDeferred(Optional[StrictBool])] = None
    """Send the push. Twilio default: false."""
    template: Annotated[Optional[In[str]], _OrDeferred(Optional[Template])] = None
    """Text of the push. Unset: Twilio's built-in text."""
    sound: Annotated[Optional[In[str]], _OrDeferred(Optional[Sound])] = None
    """Name of the sound the device plays."""


class RemovedFromConversation(_Settings):
    """Notification to a participant removed from a conversation (``RemovedFromConversation.*``).

    Example: ``RemovedFromConversation(enabled=True, template="You left ${CONVERSATION}")``
    """

    enabled: Annotated[Optional[In[bool]], _OrDeferred(Optional[StrictBool])] = None
    """Send the push. Twilio default: false."""
    template: Annotated[Optional[In[str]], _OrDeferred(Optional[Template])] = None
    """Text of the push. Unset: Twilio's built-in text."""
    sound: Annotated[Optional[In[str]], _OrDeferred(Optional[Sound])] = None
    """Name of the sound the device plays."""


class NotificationSettings(_Settings):
    """A service's whole notification configuration: the inputs of ``ServiceNotifications``."""

    chat_service_sid: Annotated[Optional[In[str]], _OrDeferred(Optional[ServiceSid])] = None
    """SID of the Conversations Service (``IS`` + 32 hex). Changing it moves the settings."""
    log_enabled: Annotated[Optional[In[bool]], _OrDeferred(Optional[StrictBool])] = None
    """Log notifications (``LogEnabled``). Twilio default: false."""
    new_message: Annotated[
        Optional[In[Union[NewMessage, Mapping[str, Any]]]], _OrDeferred(Optional[NewMessage])
    ] = None
    """Push for a new message (``NewMessage``)."""
    added_to_conversation: Annotated[
        Optional[In[Union[AddedToConversation, Mapping[str, Any]]]],
        _OrDeferred(Optional[AddedToConversation]),
    ] = None
    """Push to a participant added to a conversation (``AddedToConversation``)."""
    removed_from_conversation: Annotated[
        Optional[In[Union[RemovedFromConversation, Mapping[str, Any]]]],
        _OrDeferred(Optional[RemovedFromConversation]),
    ] = None
    """Push to a participant removed from a conversation (``RemovedFromConversation``)."""


# ---------------------------------------------------------------------------------------------------
# The wire mapping: the only place that knows Twilio's form-field names.


@dataclass(frozen=True)
class WireField:
    """One setting: its dotted path in our model (also its path in Twilio's JSON), its form field."""

    path: str
    form: str
    kind: type

    @property
    def default(self) -> Union[bool, str]:
        return False if self.kind is bool else ""


WIRE_FIELDS: tuple[WireField, ...] = (
    WireField("log_enabled", "LogEnabled", bool),
    WireField("new_message.enabled", "NewMessage.Enabled", bool),
    WireField("new_message.template", "NewMessage.Template", str),
    WireField("new_message.sound", "NewMessage.Sound", str),
    WireField("new_message.badge_count_enabled", "NewMessage.BadgeCountEnabled", bool),
    WireField("new_message.with_media.enabled", "NewMessage.WithMedia.Enabled", bool),
    WireField("new_message.with_media.template", "NewMessage.WithMedia.Template", str),
    WireField("added_to_conversation.enabled", "AddedToConversation.Enabled", bool),
    WireField("added_to_conversation.template", "AddedToConversation.Template", str),
    WireField("added_to_conversation.sound", "AddedToConversation.Sound", str),
    WireField("removed_from_conversation.enabled", "RemovedFromConversation.Enabled", bool),
    WireField("removed_from_conversation.template", "RemovedFromConversation.Template", str),
    WireField("removed_from_conversation.sound", "RemovedFromConversation.Sound", str),
)
SETTING_PATHS: tuple[str, ...] = tuple(f.path for f in WIRE_FIELDS)
_BY_PATH = {f.path: f for f in WIRE_FIELDS}
SETTINGS_KEYS = ("log_enabled", "new_message", "added_to_conversation", "removed_from_conversation")


def get_path(tree: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path, or None when any part is missing or not a mapping."""
    node: Any = tree
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def set_path(tree: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = tree
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def default_settings() -> dict[str, Any]:
    """Twilio's defaults: every flag false, every template and sound unset."""
    tree: dict[str, Any] = {}
    for f in WIRE_FIELDS:
        set_path(tree, f.path, f.default)
    return tree


def _normalize(field: WireField, value: Any) -> Any:
    if value is None:
        return field.default
    return value


def _under_deferred(values: Mapping[str, Any], path: str) -> bool:
    """True when an object containing ``path`` is itself not known yet (a whole Output)."""
    head = path.split(".")[:-1]
    return any(_is_deferred(get_path(values, ".".join(head[: i + 1]))) for i in range(len(head)))


def canonical_settings(values: Mapping[str, Any]) -> dict[str, Any]:
    """Fill defaults into already-validated settings; keeps deferred (unknown) values where they are.

    A whole nested object that is deferred stays deferred.
    """
    tree: dict[str, Any] = {}
    for f in WIRE_FIELDS:
        if not _under_deferred(values, f.path):
            set_path(tree, f.path, _normalize(f, get_path(values, f.path)))
    for key in ("new_message", "added_to_conversation", "removed_from_conversation", "new_message.with_media"):
        value = get_path(values, key)
        if _is_deferred(value):
            set_path(tree, key, value)
    return tree


def to_form(settings: Mapping[str, Any], only: Optional[Iterable[str]] = None) -> dict[str, str]:
    """Twilio form fields for canonical settings; ``only`` limits them to some dotted paths.

    Booleans go as ``true``/``false`` (as Twilio's helper libraries send them); an unset text goes
    as an empty value, which clears it on Twilio's side.
    """
    wanted = set(SETTING_PATHS if only is None else only)
    unknown = wanted - set(SETTING_PATHS)
    if unknown:
        raise KeyError(f"not a notification setting: {sorted(unknown)}")
    form: dict[str, str] = {}
    for f in WIRE_FIELDS:
        if f.path not in wanted:
            continue
        value = _normalize(f, get_path(settings, f.path))
        form[f.form] = ("true" if value else "false") if f.kind is bool else str(value)
    return form


class MalformedResponse(ValueError):
    """Twilio answered with a body we cannot read as notification settings."""


def from_api(body: Any) -> dict[str, Any]:
    """Canonical outputs from Twilio's JSON: the settings plus account_sid, chat_service_sid, url.

    Nulls and missing values become the defaults; a value of the wrong type is an error, not a guess.
    """
    if not isinstance(body, Mapping):
        raise MalformedResponse(f"expected a JSON object, got {type(body).__name__}")
    for key in ("new_message", "new_message.with_media", "added_to_conversation", "removed_from_conversation"):
        node = get_path(body, key)
        if node is not None and not isinstance(node, Mapping):
            # Read as defaults, state would say "disabled" while Twilio says otherwise.
            raise MalformedResponse(f"'{key}' should be an object, got {_show(node)}")
    tree: dict[str, Any] = {}
    for f in WIRE_FIELDS:
        value = get_path(body, f.path)
        if value is not None and not isinstance(value, f.kind):
            raise MalformedResponse(f"'{f.path}' should be a {f.kind.__name__}, got {_show(value)}")
        set_path(tree, f.path, _normalize(f, value))
    for key in ("account_sid", "chat_service_sid", "url"):
        value = body.get(key)
        if value is not None and not isinstance(value, str):
            raise MalformedResponse(f"'{key}' should be a string, got {_show(value)}")
        tree[key] = value or ""
    return tree


def changed_paths(live: Mapping[str, Any], desired: Mapping[str, Any]) -> list[str]:
    """Dotted paths of the settings that differ; null and "" are equal; a deferred value differs."""
    changed = []
    for f in WIRE_FIELDS:
        new = get_path(desired, f.path)
        if (
            _under_deferred(desired, f.path)
            or _is_deferred(new)
            or _normalize(f, get_path(live, f.path)) != _normalize(f, new)
        ):
            changed.append(f.path)
    return changed


# ---------------------------------------------------------------------------------------------------
# Validation with errors a user can act on.


def fields_of(model: BaseModel) -> dict[str, Any]:
    """A model's fields as a shallow dict (nested models and Outputs left as they are)."""
    return {name: getattr(model, name) for name in type(model).model_fields}


def _strip_deferred(value: Any) -> tuple[Any, bool]:
    """A copy of ``value`` without deferred leaves (they are validated once known)."""
    if _is_deferred(value):
        return None, True
    if isinstance(value, BaseModel):
        value = fields_of(value)
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            stripped, deferred = _strip_deferred(v)
            if not deferred:
                out[k] = stripped
        return out, False
    return value, False


def _fields_of(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    current: Optional[type[BaseModel]] = model
    for part in loc:
        field = current.model_fields.get(part) if current is not None else None
        if field is None:
            return []
        nested = None
        for meta in field.metadata:
            if isinstance(meta, _OrDeferred):
                args = getattr(meta.inner, "__args__", (meta.inner,))
                nested = next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)), None)
        current = nested
    return list(current.model_fields) if current is not None else []


_TYPE_NAMES = {
    "bool_type": "a boolean (True or False)",
    "string_type": "a string",
    "model_type": "an object",
    "dict_type": "an object",
}


def _describe(error: Any, fields: list[str]) -> str:
    kind = error["type"]
    loc = error["loc"]
    value = error.get("input")
    if kind == "extra_forbidden":
        name = str(loc[-1])
        close = difflib.get_close_matches(name[:100], fields, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return f"unknown field '{safe_name(name)}': {hint}valid fields are {', '.join(fields)}"
    if kind in _TYPE_NAMES:
        got = type(value).__name__
        return f"must be {_TYPE_NAMES[kind]}, got {got} {_show(value)}"
    if kind == "model_attributes_type":
        return f"must be an object (a dict or the model), got {type(value).__name__} {_show(value)}"
    if kind in ("value_error", "assertion_error"):
        message = str(error["msg"])
        return message.removeprefix("Value error, ")
    return f"{error['msg']} (got {_show(value)})"


def validate_settings(values: Mapping[str, Any], require_sid: bool = True) -> tuple[dict[str, Any], list[Problem]]:
    """Validate inputs (plain values; deferred ones pass) and return (canonical inputs, problems).

    The canonical inputs keep deferred values in place. ``problems`` is empty when the inputs are good.
    """
    if not isinstance(values, Mapping):
        return {}, [Problem("", f"the inputs must be an object, got {type(values).__name__}")]
    too_deep = nesting_problem(values)
    if too_deep:
        return {}, [too_deep]
    stripped, _ = _strip_deferred(values)
    problems: list[Problem] = []
    validated: Optional[NotificationSettings] = None
    try:
        validated = NotificationSettings.model_validate(stripped)
    except ValidationError as err:
        for error in err.errors():
            loc = tuple(safe_name(p) for p in error["loc"])
            parent = loc[:-1] if error["type"] == "extra_forbidden" else loc
            problems.append(
                Problem(".".join(loc), _describe(error, _fields_of(NotificationSettings, parent)))
            )
    sid = values.get("chat_service_sid")
    if require_sid and sid is None:
        problems.append(
            Problem("chat_service_sid", "is required: the SID ('IS' + 32 hex) of the Conversations Service")
        )
    if problems or validated is None:
        return {}, problems
    plain = _plain(validated)
    merged = _overlay_deferred(plain, values)
    result = canonical_settings(merged)
    result["chat_service_sid"] = merged.get("chat_service_sid") or ""
    return result, []


def _plain(model: BaseModel) -> dict[str, Any]:
    return {k: _plain(v) if isinstance(v, BaseModel) else v for k, v in fields_of(model).items()}


def _overlay_deferred(plain: dict[str, Any], original: Any) -> dict[str, Any]:
    if isinstance(original, BaseModel):
        original = fields_of(original)
    for key, value in original.items():
        if _is_deferred(value):
            plain[key] = value
        elif isinstance(value, (Mapping, BaseModel)) and isinstance(plain.get(key), dict):
            _overlay_deferred(plain[key], value)
    return plain
