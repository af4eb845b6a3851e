"""Keep credentials out of text built from a server's answer.

A proxy or a hostile server can echo our request back: the ``Authorization`` header (base64 of
``user:password``), the token itself, or either one URL-encoded in a link. Every piece of text the
client takes from an answer (Twilio's message and more_info link, a redirect's Location, a
Content-Type, a reason phrase) goes through :func:`server_text` before it reaches an error.

Example::

    secrets = credential_secrets("AC123", "tok")
    scrub("echo: Basic QUMxMjM6dG9r", secrets)    # 'echo: Basic [redacted]'
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

REDACTED = "[redacted]"
WINDOW = 8
"""A run of this many characters of a secret (in any of its forms) is scrubbed: a truncated echo
must not reveal most of a token either."""
SERVER_TEXT_MAX = 300
_PERCENT = re.compile(r"%[0-9A-F]{2}")


def credential_secrets(username: str, password: str) -> tuple[str, ...]:
    """The secrets of HTTP Basic credentials: the password and the header value built from it."""
    found = [password]
    for encoding in ("latin-1", "utf-8"):  # requests sends latin-1 when it can
        try:
            found.append(base64.b64encode(f"{username}:{password}".encode(encoding)).decode("ascii"))
        except UnicodeEncodeError:
            continue
    return tuple(dict.fromkeys(s for s in found if s))


def _forms(secret: str) -> set[str]:
    """A secret as it may be echoed: raw, URL-encoded (either case of hex digits), form-encoded."""
    forms = {secret, quote(secret, safe=""), quote(secret), quote_plus(secret), quote_plus(secret, safe="")}
    forms |= {_PERCENT.sub(lambda m: m.group(0).lower(), f) for f in forms}
    return {f for f in forms if f}


MARKERS = (REDACTED, "***", "\u2588\u2588\u2588")
"""What replaces a secret: the first whose result holds no secret (an odd secret can hide in the
marker and the text beside it; real tokens are hex)."""


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret, in every form from ``_forms``, replaced by ``[redacted]``.

    Pure. Any run of ``WINDOW`` characters of a form counts (a truncated echo); a secret shorter
    than that is matched whole. Adjacent or overlapping hits become one ``[redacted]`` (or the next of
    ``MARKERS`` when an odd secret would show again in the result).
    """
    if not text:
        return text
    forms, windows = _matcher(tuple(secrets))
    if not forms:
        return text
    hit = bytearray(len(text))
    for k, pieces in windows:
        for i in range(len(text) - k + 1):
            if text[i:i + k] in pieces:
                hit[i:i + k] = b"\x01" * k
    if not any(hit):
        return text
    for marker in MARKERS:
        out = _joined(text, hit, marker)
        if not any(form in out for form in forms):
            return out
    return ""


@functools.lru_cache(maxsize=16)
def _matcher(secrets: tuple[str, ...]) -> tuple[frozenset[str], tuple[tuple[int, frozenset[str]], ...]]:
    """Every form of ``secrets``, and their runs grouped by length: one pass over a text per length.

    Cached because every output string of every answer is scrubbed with the same few credentials, and
    building the forms (URL-encoding each secret five ways) costs far more than scanning a short text.
    """
    forms = frozenset(f for s in secrets if s for f in _forms(s))
    by_length: dict[int, set[str]] = {}
    for form in forms:
        k = min(WINDOW, len(form))
        by_length.setdefault(k, set()).update(form[i:i + k] for i in range(len(form) - k + 1))
    return forms, tuple((k, frozenset(pieces)) for k, pieces in sorted(by_length.items()))


def _joined(text: str, hit: bytearray, marker: str) -> str:
    """``text`` with each run of hit characters replaced by ``marker``."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if hit[i]:
            while i < len(text) and hit[i]:
                i += 1
            out.append(marker)
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def server_text(value: object, secrets: Iterable[str], limit: int = SERVER_TEXT_MAX) -> str:
    """A value from an answer, fit for an error message: scrubbed, control characters escaped, cut short."""
    secrets = tuple(secrets)
    text = str(value)[: 4 * limit]  # bounds the work below; a secret cut here is past the final cut
    text = scrub(text, secrets)
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
    if len(text) > limit:
        text = text[:limit] + "…"
    return scrub(text, secrets)
