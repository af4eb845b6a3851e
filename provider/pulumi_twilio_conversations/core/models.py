"""Input types for a service's push-notification settings: what users write.

The pydantic models are what users write (``NewMessage(enabled=True, ...)``). Every field also
accepts a Pulumi ``Output`` (or any awaitable): such a value is passed through untouched here and
validated by the provider's ``check`` once it is known. Field-level rules (SIDs, texts, placeholder
syntax) live here, next to the fields they guard.

Example::

    >>> NewMessage(enabled=True, template="${PARTICIPANT}: ${MESSAGE}").enabled
    True
"""

from __future__ import annotations

import inspect
import os
import re
import sys
from collections.abc import Awaitable, Callable, Iterable, Mapping
from functools import cache
from typing import Annotated, Any, ClassVar, Optional, TypeVar, Union

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

from .messages import Problem, UserError
from .templates import placeholder_syntax_error

T = TypeVar("T")
In = Union[T, Awaitable[T], pulumi.Output[T]]
"""Same as ``pulumi.Input[T]``, spelled without its forward reference so pydantic can resolve it."""

SERVICE_SID_PATTERN = r"^IS[0-9a-fA-F]{32}$"
"""Twilio's pattern for a Conversations Service SID (the path parameter ChatServiceSid)."""

MAX_TEXT_LENGTH = 1024
"""Hard limit for a template or sound. Far past the 178-character payload; longer is surely a mistake."""


_KNOWN_TYPES = frozenset({str, bool, int, float, type(None), dict, list, tuple})
"""Plain types, known at a glance: checked first because every value of every call passes here."""


def _is_deferred(value: Any) -> bool:
    """True for a value that is not known yet: a Pulumi Output, an awaitable, or an unknown marker."""
    if type(value) in _KNOWN_TYPES:
        return False
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


def name_check(limit: int) -> Callable[[str], str]:
    """A check of a resource's FriendlyName: Twilio's length ``limit``, then the rules of any text."""
    def check(value: str) -> str:
        if len(value) > limit:
            raise ValueError(f"is {len(value)} characters long; Twilio's limit is {limit}")
        return _check_text(value)
    return check


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


class SettingsError(UserError, pulumi.RunError, ValueError):
    """Invalid settings written in a program, as one message: where, the full field path, the fix.

    A ``pulumi.RunError``, so the Python language host prints its message alone, not "Program failed with
    an unhandled exception" and a stack (pulumi/pulumi sdk/python/cmd/pulumi-language-python-exec:
    ``except pulumi.RunError as e: pulumi.log.error(str(e))``). A ``ValueError`` like pydantic's own error.
    """


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_PYDANTIC_DIR = os.path.dirname(os.path.abspath(sys.modules[BaseModel.__module__].__file__ or ""))


def _caller() -> str:
    """The program's line that built the model (the first frame outside this package and pydantic)."""
    frame = sys._getframe(1)
    while frame is not None:
        path = os.path.abspath(frame.f_code.co_filename)
        if not path.startswith((_PACKAGE_DIR, _PYDANTIC_DIR)):
            try:
                shown = os.path.relpath(path)
            except ValueError:  # another drive (Windows)
                shown = path
            return f"{shown if not shown.startswith('..') else path}:{frame.f_lineno}"
        frame = frame.f_back  # type: ignore[assignment]
    return "<unknown>"


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, frozen=True, use_attribute_docstrings=True)

    def __init__(self, **data: Any) -> None:
        """Validate as pydantic does; a mistake is a SettingsError reading like the dict path's, with the
        field's full path (``new_message.with_media.template``) and the program line that built it."""
        try:
            super().__init__(**data)
        except ValidationError as err:
            from .validation import problems_of, report

            problems = problems_of(err, model_path(type(self)))
            raise SettingsError(report(f"{type(self).__name__}(...) at {_caller()}", problems)) from None

    # Pydantic calls a model's own __init__ when it validates a nested dict too, unless the function is
    # marked as its base __init__ (pydantic/_internal/_model_construction.py, __pydantic_custom_init__):
    # nested values then keep pydantic's error locations, which validation.py reads for the dict path.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]


class _Hidden:
    """What a model's repr shows in place of a secret's value."""

    def __repr__(self) -> str:
        return "<secret>"


_HIDDEN = _Hidden()


class _ResourceInputs(_Settings):
    """Base of a flat resource's input model (``Credential``, ``Service``): direct construction checks the
    fields and then the resource's own cross-field rules (``_rules``), and a mistake is a SettingsError.

    The values of the ``SECRET`` fields appear in no message, repr or str: pydantic's ValidationError (whose
    text quotes the input) is neither shown nor chained, and ``__repr_args__`` (behind pydantic's repr and
    str) masks them. ``model_dump()`` still returns them: the provider needs them to talk to Twilio.
    """

    RESOURCE: ClassVar[str] = ""
    """The resource's name, as errors show it: ``Credential(...) at main.py:12 has invalid inputs``."""
    SECRET: ClassVar[frozenset[str]] = frozenset()
    """Fields whose value is a secret."""
    model_config = ConfigDict(hide_input_in_errors=True)

    def __init__(self, **data: Any) -> None:
        """Validate as pydantic does, then the resource's rules; a mistake is one SettingsError."""
        from .validation import problems_of, report

        problems: list[Problem]
        try:
            BaseModel.__init__(self, **data)
        except ValidationError as err:
            problems = problems_of(err, root=type(self), hidden=self.SECRET)
        else:
            problems = self._rules()
        if problems:
            # Raised here, not in the except block, so that pydantic's error is not its __context__.
            raise SettingsError(report(f"{self.RESOURCE}(...) at {_caller()}", problems))

    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]  # see _Settings.__init__

    def _rules(self) -> list[Problem]:
        """The resource's rules across fields (which fields a credential type needs); none by default."""
        return []

    def __repr_args__(self) -> Iterable[tuple[Optional[str], Any]]:
        for name, value in super().__repr_args__():
            hide = name in self.SECRET and value is not None and not _is_deferred(value)
            yield name, (_HIDDEN if hide else value)


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


def fields_of(model: BaseModel) -> dict[str, Any]:
    """A model's fields as a shallow dict (nested models and Outputs left as they are)."""
    return {name: getattr(model, name) for name in type(model).model_fields}


@cache
def nested_models(root: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """Dotted path of each nested object of a resource's inputs -> its model ('' is ``root`` itself):
    ``"new_message.with_media"`` -> ``WithMedia``."""
    found: dict[str, type[BaseModel]] = {"": root}
    queue: list[tuple[str, type[BaseModel]]] = [("", root)]
    while queue:
        prefix, model = queue.pop()
        for name, field in model.model_fields.items():
            nested = nested_model(field)
            if nested is not None:
                path = f"{prefix}.{name}" if prefix else name
                found[path] = nested
                queue.append((path, nested))
    return found


def model_path(model: type[BaseModel]) -> tuple[str, ...]:
    """Where a settings model sits in the resource's inputs: ``WithMedia`` -> ``("new_message", "with_media")``."""
    for path, found in nested_models(NotificationSettings).items():
        if found is model:
            return tuple(path.split(".")) if path else ()
    return ()


def scalar_type(field: Any) -> Optional[type]:
    """The plain type a scalar field holds once known (``bool``, ``str``...), or None for a nested model."""
    for meta in field.metadata:
        if isinstance(meta, _OrDeferred):
            for arg in getattr(meta.inner, "__args__", (meta.inner,)):
                base = getattr(arg, "__origin__", arg)  # Annotated[StrictStr, ...] -> str
                base = getattr(base, "__args__", (base,))[0] if base is Annotated else base
                if isinstance(base, type) and base is not type(None) and not issubclass(base, BaseModel):
                    return base
    return None


def nested_model(field: Any) -> Optional[type[BaseModel]]:
    """The settings model a field holds (``NewMessage`` for ``new_message``), or None for a scalar."""
    for meta in field.metadata:
        if isinstance(meta, _OrDeferred):
            args = getattr(meta.inner, "__args__", (meta.inner,))
            for arg in args:
                if isinstance(arg, type) and issubclass(arg, BaseModel):
                    return arg
    return None
