"""Notification templates: Twilio's placeholders per event, its built-in texts, and what we warn about.

The one place that lists them. Source: Twilio's page "Push Notification Configuration for
Conversations" (https://www.twilio.com/docs/conversations/push-notification-configuration), its
"Template variables" and "Default templates" tables, and the note on the payload limit:

    "The maximum length of the entire notification payload is 178 characters. This limit is applied
    after the notification payload is constructed and the variable data is applied. [...] the first
    178 characters are then used as the notification payload."

Example::

    >>> sorted(PLACEHOLDERS["added_to_conversation"])[:2]
    ['CONVERSATION', 'CONVERSATION_FRIENDLY_NAME']
    >>> [w.field for w in template_warnings({"added_to_conversation": {"template": "${MESSAGE}"}})]
    ['added_to_conversation.template']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from .messages import Problem

PUSH_PAYLOAD_LIMIT = 178
"""Twilio keeps the first 178 characters of the payload, counted after placeholders are substituted."""

# The page documents these without naming an event, so every event gets them.
_ANY_EVENT = frozenset({
    "PARTICIPANT", "PARTICIPANT_FRIENDLY_NAME", "PARTICIPANT_IDENTITY", "PARTICIPANT_SID",
    "CONVERSATION", "CONVERSATION_FRIENDLY_NAME", "CONVERSATION_SID", "CONVERSATION_UNIQUE_NAME",
})

PLACEHOLDERS: dict[str, frozenset[str]] = {
    # "${MESSAGE}: [...] Only used for notifications of type: New Message"
    "new_message": _ANY_EVENT | {"MESSAGE"},
    # "${MEDIA_COUNT}" and "${MEDIA}": "Sent exclusively for New Media Message pushes"
    "new_message.with_media": _ANY_EVENT | {"MEDIA_COUNT", "MEDIA"},
    "added_to_conversation": _ANY_EVENT,
    "removed_from_conversation": _ANY_EVENT,
}
"""Per event (the path of its settings), the placeholders Twilio documents for its template."""

ALL_PLACEHOLDERS = frozenset().union(*PLACEHOLDERS.values())

DEFAULT_TEMPLATES: dict[str, str] = {
    "new_message": "${CONVERSATION}:${PARTICIPANT}: ${MESSAGE}",
    "new_message.with_media": "You have a new message in ${CONVERSATION} with ${MEDIA_COUNT} media files: ${MEDIA}",
    "added_to_conversation": "You have been added to the conversation ${CONVERSATION} by ${PARTICIPANT}",
    "removed_from_conversation": "${PARTICIPANT} has removed you from the conversation ${CONVERSATION}",
}
"""The text Twilio sends for an event whose template is unset (the page's "Default templates")."""

WELL_FORMED = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
# Longest first, so `$PARTICIPANT_SID` is read as one name, not PARTICIPANT plus "_SID".
_NAMES = "|".join(sorted(ALL_PLACEHOLDERS, key=len, reverse=True))
_MALFORMED = (
    # `${NAME` with no closing brace (the well-formed ones are removed before these run).
    (re.compile(r"\$\{([A-Za-z0-9_]+)(?![A-Za-z0-9_}])"), "unclosed placeholder '${{{0}': write '${{{0}}}'"),
    # `$NAME}` with no opening brace.
    (re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)\}"), "placeholder '${0}}}' lacks its '{{': write '${{{0}}}'"),
    # `{NAME}` with no dollar, for a name Twilio substitutes.
    (re.compile(r"(?<!\$)\{(" + _NAMES + r")\}"), "placeholder '{{{0}}}' lacks its '$': write '${{{0}}}'"),
    # `$NAME` bare, for a name Twilio substitutes.
    (re.compile(r"\$(" + _NAMES + r")\b(?!\})"), "placeholder '${0}' lacks its braces: write '${{{0}}}'"),
)
# `${...}` whose inside is not a name: spaces, accents, punctuation, or nothing.
_ODD_INSIDE = re.compile(r"\$\{([^}]{0,40})\}")
_EXAMPLE = "${CONVERSATION}"


def _closest_name(inside: str) -> str | None:
    """The placeholder a mistyped inside most likely meant: spaces dropped, accents removed, upper-cased."""
    ascii_only = unicodedata.normalize("NFKD", inside).encode("ascii", "ignore").decode()
    guess = re.sub(r"[^A-Za-z0-9_]", "", ascii_only.replace(" ", "_").strip("_")).upper()
    guess = re.sub(r"_+", "_", guess)
    return guess if guess in ALL_PLACEHOLDERS else None


def describe(event: str) -> str:
    """The placeholders and the built-in text of an event, in words for the reference docs."""
    names = ", ".join("${" + n + "}" for n in sorted(PLACEHOLDERS[event]))
    return f"Placeholders: {names}. Twilio's text when unset: `{DEFAULT_TEMPLATES[event]}`."


def placeholder_syntax_error(template: str) -> str | None:
    """Why the placeholders in ``template`` are malformed, or None when they are well formed.

    Every fix suggested is itself a well-formed template fragment.
    """
    rest = WELL_FORMED.sub(lambda m: " " * len(m.group()), template)
    odd = _ODD_INSIDE.search(rest)
    if odd and not odd.group(1):
        return f"has an empty placeholder '${{}}': name one, such as '{_EXAMPLE}'"
    if odd:
        shown = repr(odd.group())[1:-1]
        name = _closest_name(odd.group(1))
        if name:
            return f"placeholder '{shown}' is not a name Twilio substitutes: write '${{{name}}}'"
        return (f"placeholder '{shown}' must name a placeholder with letters A-Z, digits and '_' only, "
                f"such as '{_EXAMPLE}'")
    for pattern, message in _MALFORMED:
        match = pattern.search(rest)
        if match:
            return message.format(match.group(1))
    if "${" in rest:
        return f"has '${{' with no placeholder name after it: name one and close it, such as '{_EXAMPLE}'"
    return None


def fixed_text_length(template: str) -> int:
    """Characters of the template that are not placeholders: a floor of the payload's length."""
    return len(WELL_FORMED.sub("", template))


def template_warnings(settings: Mapping[str, Any]) -> list[Problem]:
    """Doubtful but legal templates: placeholders Twilio does not document for the event, or fixed
    text that alone reaches past the payload limit (placeholder values are only known at send time)."""
    warnings = []
    for event, allowed in PLACEHOLDERS.items():
        path = f"{event}.template"
        node: Any = settings
        for part in path.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        if not isinstance(node, str) or not node:
            continue
        for name in dict.fromkeys(WELL_FORMED.findall(node)):
            if name not in allowed:
                warnings.append(Problem(
                    path,
                    f"'${{{name}}}' is not a placeholder Twilio documents for this event, so it may be sent "
                    f"as typed; documented: {', '.join('${' + n + '}' for n in sorted(allowed))}",
                ))
        fixed = fixed_text_length(node)
        if fixed > PUSH_PAYLOAD_LIMIT:
            warnings.append(Problem(
                path,
                f"has {fixed} characters besides its placeholders; Twilio keeps the first {PUSH_PAYLOAD_LIMIT} "
                "characters of the push after substituting placeholders, so the end may be cut",
            ))
    return warnings
