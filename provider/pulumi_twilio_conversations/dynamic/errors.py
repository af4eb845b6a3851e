"""How an error of ours leaves the dynamic-provider server: as its message, without a stack.

The engine runs ``python -m pulumi.dynamic`` (the SDK's server, not ours), and from SDK 3.260 every
resource call of that server is wrapped so::

    def _abort_with_traceback(fn):                      # pulumi/dynamic/__main__.py
        def wrapper(self, request, context):
            try:
                return fn(self, request, context)
            except Exception:
                context.abort(grpc.StatusCode.UNKNOWN, traceback.format_exc())

The engine prints those details after ``error:``, so a user reads the frames first and our message last.
The SDK offers no exception type that it reports without a stack, and the server, its servicer and its
handlers are made before our code is imported (``get_provider`` unpickles the provider inside the first
call). What the wrapper does look up at call time is the module global ``traceback``; ``install``
replaces it, in that process only, with one whose ``format_exc`` gives a ``UserError``'s message alone
and every other exception's full traceback, as before. Where the server is not the one described here
(another SDK, a test calling the provider directly) nothing is changed.

Example (what importing ``dynamic/provider.py`` does inside the server)::

    install(sys.modules["__main__"])
"""

from __future__ import annotations

import sys
import traceback
import types
from typing import Any, Optional

from ..core.messages import user_message

SERVER_MODULE = "pulumi.dynamic.__main__"


class _Traceback(types.ModuleType):
    """The ``traceback`` module, but ``format_exc`` shows an error of ours as its message alone."""

    def __init__(self) -> None:
        super().__init__(traceback.__name__, traceback.__doc__)

    def __getattr__(self, name: str) -> Any:
        return getattr(traceback, name)

    @staticmethod
    def format_exc(limit: Optional[int] = None, chain: bool = True) -> str:
        error = sys.exc_info()[1]
        message = user_message(error) if error is not None else None
        return message if message is not None else traceback.format_exc(limit, chain)


def is_dynamic_server(module: Optional[types.ModuleType]) -> bool:
    """True for the SDK's dynamic-provider server module, in the shape described above."""
    spec = getattr(module, "__spec__", None)
    return (
        module is not None
        and getattr(spec, "name", None) == SERVER_MODULE
        and callable(getattr(module, "_abort_with_traceback", None))
        and isinstance(getattr(module, "traceback", None), types.ModuleType)
    )


def install(module: Optional[types.ModuleType]) -> bool:
    """Make the dynamic server ``module`` report our errors without a stack; True when it now does."""
    if not is_dynamic_server(module):
        return False
    assert module is not None
    if not isinstance(getattr(module, "traceback", None), _Traceback):
        setattr(module, "traceback", _Traceback())  # noqa: B010 (a module global, not a known attribute)
    return True
