"""How errors and values appear to a user: our errors, a problem with an input, values shown safely.

Everything a user or a server supplied is escaped and cut short before it reaches an error, a
warning or a terminal. An error of ours (``UserError``) is shown as its message alone: the front ends
report it without the stack the Pulumi SDK would add (see ``user_message``).

Example::

    >>> safe_name("\\x1b[31mred")
    '\\\\x1b[31mred'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional


class UserError(Exception):
    """An error whose message is all a user needs: what failed, why, and what to do.

    The front ends report its text alone, as one block; any other exception is a bug of ours and keeps
    its stack for the bug report.
    """


def user_message(err: BaseException) -> Optional[str]:
    """The text to show for ``err``: a UserError's message, also when an SDK wrapper re-raised it as a
    plain ``Exception`` carrying its text (``_raise_with_traceback`` in pulumi/provider/experimental/
    server.py raises ``Exception(f"{e}:\n{stack}")`` while handling ``e``); None for anything else.

    Only that wrapper is looked through: any other exception raised while handling one of ours (a bug
    in an ``except`` block) is a bug, and keeps its stack.

    Example::

        >>> user_message(UserError("Twilio: could not ..."))
        'Twilio: could not ...'
        >>> user_message(KeyError("bug")) is None
        True
    """
    seen: set[int] = set()
    current: Optional[BaseException] = err
    while current is not None and id(current) not in seen:
        if isinstance(current, UserError):
            return str(current)
        seen.add(id(current))
        inner = current.__cause__ or current.__context__
        wraps = type(current) is Exception and inner is not None and str(current).startswith(str(inner))
        current = inner if wraps else None
    return None


@dataclass(frozen=True)
class Problem:
    """A bad or doubtful input: the dotted field and what to do about it."""

    field: str
    reason: str


def show(value: Any) -> str:
    """A value as it may appear in an error: repr, cut short so a huge input does not flood the log."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def safe_name(name: Any, limit: int = 40) -> str:
    """A user-supplied name (a key) as it may appear in an error: escaped, no control or ANSI
    sequence reaching a terminal, cut short."""
    text = repr(str(name))[1:-1]
    return text if len(text) <= limit else text[: limit - 3] + "..."
