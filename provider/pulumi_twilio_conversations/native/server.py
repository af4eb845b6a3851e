"""The plugin's gRPC server: the SDK's servicer, but an error of ours reaches the engine as its message.

``pulumi.provider.experimental.server.ProviderServicer`` wraps every call in ``_raise_with_traceback``,
which re-raises any exception as ``Exception(f"{e}:\\n{stack}")``; grpc.aio then answers
``Unexpected <class 'Exception'>: ...`` with those frames, and the engine prints it after ``error:``.
The SDK has no exception type it reports without a stack, but its ``main`` is a few lines around that
servicer: ``serve`` below is the same server with a servicer whose calls answer a ``UserError`` with
``context.abort`` and the message alone (grpc.aio sends that status at once, so the SDK's own handling of
the exception that follows sends nothing). Any other exception keeps the SDK's answer, frames included.

Example::

    serve(["127.0.0.1:12345"], "0.1.0", ServiceNotificationsNative("127.0.0.1:12345"))
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from pulumi.provider.experimental.provider import Provider
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import provider_pb2_grpc

from ..core.messages import user_message

Handler = Callable[[Any, Any, Any], Awaitable[Any]]

# The calls that reach our Provider and can fail with our errors (the rest answer from the SDK alone).
CALLS = ("CheckConfig", "Configure", "Check", "Diff", "Create", "Read", "Update", "Delete", "GetSchema")


def _plain_errors(call: Handler) -> Handler:
    async def wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        try:
            return await call(self, request, context)
        except Exception as err:
            message = user_message(err)
            if message is None:
                raise
            await context.abort(grpc.StatusCode.UNKNOWN, message)

    wrapper.__name__ = wrapper.__qualname__ = getattr(call, "__name__", "call")
    return wrapper


class Servicer(ProviderServicer):
    """``ProviderServicer`` with our errors answered as their message alone."""


for _name in CALLS:
    setattr(Servicer, _name, _plain_errors(getattr(ProviderServicer, _name)))


def serve(args: list[str], version: str, provider: Provider) -> None:
    """``pulumi.provider.experimental.server.main`` (SDK 3.272) with ``Servicer``: the same arguments, the
    port on stdout (the engine reads it, plugin.go parsePort), serving until the engine stops it."""
    parser = argparse.ArgumentParser(description="Pulumi provider plugin (gRPC server)")
    parser.add_argument("engine", help="Pulumi engine address")
    parser.add_argument("--logflow", action="store_true", help="Currently ignored")
    parser.add_argument("--logtostderr", action="store_true", help="Currently ignored")
    engine_address: str = parser.parse_known_args(args)[0].engine

    async def run() -> None:
        server = grpc.aio.server(options=_GRPC_CHANNEL_OPTIONS)
        servicer = Servicer(args, version, provider, engine_address=engine_address)
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
        port = server.add_insecure_port(address="127.0.0.1:0")
        await server.start()
        sys.stdout.buffer.write(f"{port}\n".encode())
        sys.stdout.buffer.flush()
        await server.wait_for_termination()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
