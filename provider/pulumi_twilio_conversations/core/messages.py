"""How values appear in messages: a problem with an input, and values shown safely.

Everything a user or a server supplied is escaped and cut short before it reaches an error, a
warning or a terminal.

Example::

    >>> safe_name("\\x1b[31mred")
    '\\\\x1b[31mred'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
