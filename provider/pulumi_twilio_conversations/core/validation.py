"""Validation of the inputs, with errors a user can act on: the field, what is wrong, the fix.

Example::

    >>> inputs, problems = validate_settings({"chat_service_sid": "IS" + "0" * 32, "new_mesage": {}})
    >>> problems[0].reason.split(":")[0]
    "unknown field 'new_mesage'"
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Optional

from pydantic import BaseModel, ValidationError

from .messages import Problem, safe_name, show
from .models import (
    MAX_NESTING,
    NotificationSettings,
    _is_deferred,
    fields_of,
    nested_model,
)
from .wire import canonical_settings

_SETTINGS_DEPTH = "the settings need 3 (for example new_message.with_media.template)"


def nesting_problem(values: Any, limit: int = MAX_NESTING, need: str = _SETTINGS_DEPTH) -> Optional[Problem]:
    """A Problem naming the top-level field whose objects nest deeper than ``limit``, else None.

    Iterative, so that absurd input is an error message, not a RecursionError. ``need`` says how deep
    the resource's inputs really go (a flat resource passes ``limit=1``).
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
                    levels = "level" if limit == 1 else "levels"
                    return Problem(safe_name(key), f"nests objects more than {limit} {levels} deep; {need}")
                children = node.values() if isinstance(node, Mapping) else node
                stack.extend((child, depth + 1) for child in children)
    return None


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
        current = nested_model(field)
    return list(current.model_fields) if current is not None else []


_TYPE_NAMES = {
    "bool_type": "a boolean (True or False)",
    "string_type": "a string",
    "model_type": "an object",
    "dict_type": "an object",
}


def _describe(
    error: Any, loc: tuple[str, ...], fields: list[str], root: type[BaseModel] = NotificationSettings,
    hidden: bool = False,
) -> str:
    """Pydantic's error in words. ``hidden``: the field is a secret, so its value is never shown (only its
    type); a value_error's message is ours and never quotes a secret either."""
    kind = error["type"]
    value = error.get("input")
    shown = "(a secret: its value is not shown)" if hidden else show(value)
    if kind == "extra_forbidden":
        name = str(error["loc"][-1])
        close = difflib.get_close_matches(name[:100], fields, n=1)
        hint = f"did you mean '{close[0]}'? " if close else _elsewhere(name, loc[:-1], root)
        return f"unknown field '{safe_name(name)}': {hint}valid fields are {', '.join(fields)}"
    if kind in _TYPE_NAMES:
        got = type(value).__name__
        return f"must be {_TYPE_NAMES[kind]}, got {got} {shown}"
    if kind == "model_attributes_type":
        return f"must be an object (a dict or the model), got {type(value).__name__} {shown}"
    if kind in ("value_error", "assertion_error"):
        message = str(error["msg"])
        return message.removeprefix("Value error, ")
    return f"{error['msg']} (got {shown})"


def _elsewhere(name: str, parent: tuple[str, ...], root: type[BaseModel] = NotificationSettings) -> str:
    """A hint for a field that belongs one level up (``new_message.with_media.sound``: Twilio's
    ``NewMessage.WithMedia`` has no sound; ``NewMessage.Sound`` is the one there is)."""
    if parent and name in _fields_of(root, parent[:-1]):
        owner = ".".join(parent[:-1]) or "the resource"
        return f"'{name}' is a field of {owner} ({'.'.join((*parent[:-1], name))}), not of {'.'.join(parent)}; "
    return ""


def problems_of(
    err: ValidationError, at: tuple[str, ...] = (), root: type[BaseModel] = NotificationSettings,
    hidden: frozenset[str] = frozenset(),
) -> list[Problem]:
    """Pydantic's errors as Problems with full dotted paths from the resource's inputs (``at``: where the
    validated model sits, such as ``("new_message", "with_media")``) and the fix in words.

    ``root`` is the resource's input model (for the valid fields an unknown one is compared with);
    ``hidden`` names its secret top-level fields, whose values no Problem shows.
    """
    problems = []
    for error in err.errors():
        loc = (*at, *(safe_name(p) for p in error["loc"]))
        parent = loc[:-1] if error["type"] == "extra_forbidden" else loc
        secret = bool(loc) and loc[0] in hidden and error["type"] != "extra_forbidden"
        reason = _describe(error, loc, _fields_of(root, parent), root, hidden=secret)
        problems.append(Problem(".".join(loc), reason))
    return problems


def report(subject: str, problems: list[Problem]) -> str:
    """One block for a program's invalid inputs: ``subject`` (what has them), then a line per problem.

    Example::

        >>> print(report("ServiceNotifications 'push'", [Problem("log_enabled", "must be a boolean")]))
        ServiceNotifications 'push' has invalid inputs:
          log_enabled: must be a boolean
    """
    details = "\n".join(f"  {p.field or 'inputs'}: {p.reason}" for p in problems)
    return f"{subject} has invalid inputs:\n{details}"


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
        problems.extend(problems_of(err))
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


def flat_problems(
    values: Any, model: type[BaseModel], rules: Callable[[Mapping[str, Any], bool, Iterable[str]], list[Problem]],
    need: str, require: bool = True, hidden: frozenset[str] = frozenset(),
) -> list[Problem]:
    """The problems of a flat resource's inputs (a Service's, a Credential's): an object of scalars, each
    field checked by ``model`` (deferred values pass, to be checked once known), then the resource's
    ``rules`` across fields on the values whose own check passed. ``need`` says what the inputs are, for
    one nested too deep; ``hidden``: secret fields, whose values no problem quotes."""
    if not isinstance(values, Mapping):
        return [Problem("", f"the inputs must be an object, got {type(values).__name__}")]
    too_deep = nesting_problem(values, limit=1, need=need)
    if too_deep:
        return [too_deep]
    problems: list[Problem] = []
    try:
        model.model_validate({k: v for k, v in values.items() if not _is_deferred(v)})
    except ValidationError as err:
        problems.extend(problems_of(err, root=model, hidden=hidden))
    failed = {p.field.split(".")[0] for p in problems}
    problems.extend(rules({k: v for k, v in values.items() if k not in failed}, require, failed))
    return problems
