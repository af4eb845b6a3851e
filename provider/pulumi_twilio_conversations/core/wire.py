"""The one wire mapping to Twilio: form fields, the canonical settings, Twilio's answers, diffs.

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

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Optional, Union

from .messages import show
from .models import _is_deferred


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
    for part in _parts(path):
        if not isinstance(node, (dict, Mapping)):  # dict first: the common case, without the ABC check
            return None
        node = node.get(part)
    return node


@functools.lru_cache(maxsize=256)
def _parts(path: str) -> tuple[str, ...]:
    return tuple(path.split("."))


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
    node: Any = values
    for part in _parts(path)[:-1]:
        node = node.get(part) if isinstance(node, (dict, Mapping)) else None
        if _is_deferred(node):
            return True
    return False


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


def flat_outputs(body: Any, keys: Iterable[str], readers: Mapping[str, Callable[[Any], Any]],
                 secrets: Iterable[str] = ()) -> dict[str, Any]:
    """The outputs ``keys`` of a flat resource (a Service, a Credential) from Twilio's JSON answer: a null or
    missing text is ``""``, a key of ``readers`` is read by its reader; anything else is MalformedResponse.
    Every text, and every error, is scrubbed of ``secrets``."""
    from .scrub import scrub, server_text

    secrets = tuple(secrets)
    if not isinstance(body, Mapping):
        raise MalformedResponse(f"expected a JSON object, got {type(body).__name__}")
    outs: dict[str, Any] = {}
    for key in keys:
        value = body.get(key)
        if key in readers:
            outs[key] = readers[key](value)
        elif value is None or isinstance(value, str):
            outs[key] = scrub(value or "", secrets)
        else:
            raise MalformedResponse(f"'{key}' should be a string, got {server_text(show(value), secrets, 60)}")
    return outs


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
            raise MalformedResponse(f"'{key}' should be an object, got {show(node)}")
    tree: dict[str, Any] = {}
    for f in WIRE_FIELDS:
        value = get_path(body, f.path)
        if value is not None and not isinstance(value, f.kind):
            raise MalformedResponse(f"'{f.path}' should be a {f.kind.__name__}, got {show(value)}")
        set_path(tree, f.path, _normalize(f, value))
    for key in ("account_sid", "chat_service_sid", "url"):
        value = body.get(key)
        if value is not None and not isinstance(value, str):
            raise MalformedResponse(f"'{key}' should be a string, got {show(value)}")
        tree[key] = value or ""
    return tree


def changed_paths(
    live: Mapping[str, Any], desired: Mapping[str, Any], fields: Iterable[WireField] = WIRE_FIELDS
) -> list[str]:
    """Dotted paths of the settings that differ; null and "" are equal; a deferred value differs.

    ``fields``: the resource's wire fields (the notification settings unless another resource's).
    """
    changed = []
    for f in fields:
        new = get_path(desired, f.path)
        if (
            _under_deferred(desired, f.path)
            or _is_deferred(new)
            or _normalize(f, get_path(live, f.path)) != _normalize(f, new)
        ):
            changed.append(f.path)
    return changed
