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

import difflib
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from .messages import Problem, safe_name

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
    # `{{NAME}}` (Mustache, Handlebars, Jinja), before `{NAME}` so the message quotes what was typed.
    (re.compile(r"(?<!\$)\{\{(" + _NAMES + r")\}\}"),
     "placeholder '{{{{{0}}}}}' is not Twilio's syntax: write '${{{0}}}'"),
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


# Other template languages' placeholders. Twilio substitutes only `${NAME}` ("The templating employs
# markup for a limited set of variables", the page's table lists them all as `${NAME}`), so these are
# sent as typed. Each runs on what the previous ones left (matches are blanked), so one mistake warns once.
_DOUBLE_BRACES = re.compile(r"\{\{(\s*[^{}\s][^{}]{0,39})\}\}")
_SINGLE_BRACES = re.compile(r"\{([^{}$]{1,40})\}")
_PERCENTS = re.compile(r"%([A-Za-z_][A-Za-z0-9_]*)%")
_DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_NEAR = 0.75
"""difflib ratio for "did you mean": MESAGE, MESSAGES, PARTICPANT pass; SENDER, USER, NAME do not."""


def _documented_for(name: str) -> list[str]:
    """The template fields whose event Twilio documents ``name`` for."""
    return [f"{event}.template" for event, names in PLACEHOLDERS.items() if name in names]


def _as_name(inside: str) -> str:
    """What a placeholder's inside spells in Twilio's convention: trimmed, spaces and '-' as '_', upper case."""
    return re.sub(r"[\s-]+", "_", inside.strip()).upper()


def _intended(inside: str, allowed: frozenset[str], near: bool) -> str | None:
    """The documented placeholder that ``inside`` most likely meant, or None.

    Preference: the same name in another case or with spaces for '_', whichever event documents it
    (a user who knows the name but not its event is told which event); then, with ``near``, a close
    spelling of a placeholder of this event, then of another event.
    """
    name = _as_name(inside)
    if name in ALL_PLACEHOLDERS:
        return name
    if not near:
        return None
    for candidates in (allowed, ALL_PLACEHOLDERS - allowed):
        close = difflib.get_close_matches(name[:100], sorted(candidates), n=1, cutoff=_NEAR)
        if close:
            return close[0]
    return None


def _elsewhere(name: str, allowed: frozenset[str]) -> str:
    """Words saying that ``name`` is documented only for another event, or '' when this event has it."""
    return "" if name in allowed else f"Twilio documents '${{{name}}}' only for {', '.join(_documented_for(name))}"


def _documented(allowed: frozenset[str]) -> str:
    return "documented for this event: " + ", ".join("${" + n + "}" for n in sorted(allowed))


def _undocumented_warning(name: str, allowed: frozenset[str]) -> str:
    """A well-formed `${name}` that is not documented for this event."""
    head = (f"'${{{safe_name(name, 60)}}}' is not a placeholder Twilio documents for this event, "
            "so it may be sent as typed")
    if name in ALL_PLACEHOLDERS:  # right name, wrong event
        return f"{head}: {_elsewhere(name, allowed)}; {_documented(allowed)}"
    meant = _intended(name, allowed, near=True)
    if meant is None:
        return f"{head}; {_documented(allowed)}"
    elsewhere = _elsewhere(meant, allowed)
    return f"{head}: did you mean '${{{meant}}}'? " + (f"{elsewhere}; " if elsewhere else "") + _documented(allowed)


def _style_warnings(template: str, allowed: frozenset[str]) -> list[str]:
    """Placeholders in another template language's syntax, which Twilio sends as typed."""
    rest = WELL_FORMED.sub(lambda m: " " * len(m.group()), template)
    found: dict[str, str] = {}
    # `{{...}}` is never prose, so any inside warns; the others warn only when the inside is a
    # documented name (`{smile}`, `$5`, `50% off` stay quiet).
    for pattern, any_inside in ((_DOUBLE_BRACES, True), (_SINGLE_BRACES, False), (_PERCENTS, False),
                                (_DOLLAR, False)):
        for match in pattern.finditer(rest):
            meant = _intended(match.group(1), allowed, near=any_inside)
            if meant is None and not any_inside:
                continue
            shown = safe_name(match.group(), 60)
            head = (f"'{shown}' is not Twilio's placeholder syntax (it substitutes only '${{NAME}}'), "
                    "so it is sent as typed")
            if meant is None:
                found.setdefault(shown, f"{head}; {_documented(allowed)}")
                continue
            exact = _as_name(match.group(1)) == meant
            fix = f"write '${{{meant}}}'" if exact else f"did you mean '${{{meant}}}'?"
            elsewhere = _elsewhere(meant, allowed)
            found.setdefault(shown, f"{head}: {fix}" + (f" ({elsewhere})" if elsewhere else ""))
        rest = pattern.sub(lambda m: " " * len(m.group()), rest)
    return list(found.values())


def template_warnings(settings: Mapping[str, Any]) -> list[Problem]:
    """Doubtful but legal templates: warnings, never errors (Twilio accepts any text).

    The rules, per template (each mistake warns once):

    - A well-formed ``${NAME}`` that Twilio does not document for this event: it may be sent as typed.
      The warning adds "did you mean '${MESSAGE}'?" when NAME is the same name in another case
      (``${message}``) or a close spelling (``${MESAGE}``, difflib ratio 0.75) of one documented for
      this event, and says when the name (or the one it resembles) is documented only for another
      event (``${MEDIA}`` in ``new_message.template``).
    - Another template language's placeholder, which Twilio sends as typed because it substitutes only
      ``${NAME}``: ``{{ NAME }}`` with anything inside (double braces are never prose; a near-miss gets
      "did you mean"), and ``{name}``, ``{ name }``, ``%name%``, ``$name`` only when the name, in any
      case, is exactly a documented placeholder. So ``{smile}``, ``$5 off``, ``50% off``, ``$`` and
      ``$USD`` warn nothing. The exact upper-case ``{NAME}``, ``{{NAME}}``, ``$NAME`` and ``${ NAME }``
      are errors instead (see :func:`placeholder_syntax_error`), and a template with such an error gets
      none of these warnings: the error names the fix.
    - Fixed text (everything outside ``${...}``) longer than the payload limit: the end may be cut.
      Placeholder values are only known at send time, so they are not counted.
    """
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
                warnings.append(Problem(path, _undocumented_warning(name, allowed)))
        if placeholder_syntax_error(node) is None:
            warnings += [Problem(path, reason) for reason in _style_warnings(node, allowed)]
        fixed = fixed_text_length(node)
        if fixed > PUSH_PAYLOAD_LIMIT:
            warnings.append(Problem(
                path,
                f"has {fixed} characters besides its placeholders; Twilio keeps the first {PUSH_PAYLOAD_LIMIT} "
                "characters of the push after substituting placeholders, so the end may be cut",
            ))
    return warnings
