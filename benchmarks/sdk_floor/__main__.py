"""A provider plugin on ``pulumi.provider.experimental`` that does little besides what the SDK, gRPC and
HTTP make every plugin do: the fan-out benchmark's reference, the "SDK floor" (benchmarks/fanout.py).

It answers the same calls with the same property shapes as the real plugin (``provider/``): Check
fills every setting, as the real Check fills defaults, and outputs add ``url`` and ``accountSid``, so
every later call carries maps of the same size. It runs on the same SDK, served the same way
(``server.main``: grpc.aio, one event loop) with blocking HTTP in its own pool of 16 threads, and
makes the same requests (GET for Read, POST for Update) to the emulator, with a bare urllib3 pool and
no retries. It validates nothing, converts no names, parses each answer as JSON and uses nothing of it,
and keeps no core: what it costs per resource is close to what the SDK, gRPC and the HTTP exchange
cost, which every plugin built on this SDK pays.

Run as a plugin directory: ``python benchmarks/sdk_floor <engine address>``, with the emulator's URL
and credentials in ``PULUMI_CONFIG`` as the engine passes stack config (``baseUrl``, ``accountSid``,
``authToken`` under ``twilio-conversations:``).
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import sys
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import urllib3
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.provider import (
    CheckRequest,
    CheckResponse,
    ConfigureRequest,
    ConfigureResponse,
    CreateRequest,
    CreateResponse,
    DiffRequest,
    DiffResponse,
    PropertyDiff,
    PropertyDiffKind,
    Provider,
    ReadRequest,
    ReadResponse,
    UpdateRequest,
    UpdateResponse,
)
from pulumi.provider.experimental.server import main

WORKERS = 16


def _values(tree: Mapping[str, Any]) -> dict[str, PropertyValue]:
    return {k: PropertyValue(_values(v)) if isinstance(v, Mapping) else PropertyValue(v) for k, v in tree.items()}


# The real plugin's checked inputs hold every setting (core/wire.py WIRE_FIELDS, in schema names).
_TEXT = {"template": "", "sound": ""}
DEFAULTS = _values({
    "logEnabled": False,
    "newMessage": {"enabled": False, **_TEXT, "badgeCountEnabled": False,
                   "withMedia": {"enabled": False, "template": ""}},
    "addedToConversation": {"enabled": False, **_TEXT},
    "removedFromConversation": {"enabled": False, **_TEXT},
})
OUTPUT_ONLY = _values({"url": "https://conversations.twilio.com/v1/Services/IS.../Configuration/Notifications",
                       "accountSid": "AC" + "0" * 32})


def _filled(news: Mapping[str, PropertyValue], defaults: Mapping[str, PropertyValue]) -> dict[str, PropertyValue]:
    """``news`` over ``defaults``, nested maps merged: the shape of the real plugin's checked inputs."""
    out = dict(defaults)
    for key, value in news.items():
        base = defaults.get(key)
        if base is not None and isinstance(base.value, Mapping) and isinstance(value.value, Mapping):
            out[key] = PropertyValue(_filled(value.value, base.value))
        else:
            out[key] = value
    return out


class FloorProvider(Provider):
    def __init__(self, config: dict[str, str]) -> None:
        prefix = "twilio-conversations:"
        self.base_url = config[prefix + "baseUrl"]
        auth = f"{config[prefix + 'accountSid']}:{config[prefix + 'authToken']}"
        self.headers = urllib3.make_headers(basic_auth=auth)
        self.http = urllib3.PoolManager(maxsize=WORKERS, retries=False)
        self.pool = ThreadPoolExecutor(max_workers=WORKERS)

    def _call(self, method: str, sid: str, fields: dict[str, str]) -> Any:
        url = f"{self.base_url}/v1/Services/{sid}/Configuration/Notifications"
        if method == "GET":
            return self.http.request(method, url, headers=self.headers).json()
        return self.http.request(method, url, headers=self.headers, fields=fields, encode_multipart=False).json()

    async def _blocking(self, method: str, sid: str, fields: dict[str, str]) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, functools.partial(self._call, method, sid, fields))

    async def configure(self, request: ConfigureRequest) -> ConfigureResponse:
        return ConfigureResponse(accept_secrets=False, supports_preview=False, accept_resources=False,
                                 accept_outputs=False)

    async def check(self, request: CheckRequest) -> CheckResponse:
        return CheckResponse(inputs=_filled(request.new_inputs, DEFAULTS))

    async def diff(self, request: DiffRequest) -> DiffResponse:
        changed = {key: PropertyDiff(PropertyDiffKind.UPDATE, input_diff=False)
                   for key, value in request.new_inputs.items() if request.old_state.get(key) != value}
        return DiffResponse(changes=bool(changed), diffs=sorted(changed), detailed_diff=changed)

    async def create(self, request: CreateRequest) -> CreateResponse:
        sid = str(request.properties["chatServiceSid"].value)
        await self._blocking("POST", sid, {"NewMessage.Enabled": "true"})
        return CreateResponse(resource_id=sid, properties={**request.properties, **OUTPUT_ONLY})

    async def read(self, request: ReadRequest) -> ReadResponse:
        await self._blocking("GET", request.resource_id, {})
        inputs = {k: v for k, v in request.properties.items() if k not in OUTPUT_ONLY}
        return ReadResponse(resource_id=request.resource_id, properties=request.properties, inputs=inputs)

    async def update(self, request: UpdateRequest) -> UpdateResponse:
        log_enabled = request.news.get("logEnabled", PropertyValue(False)).value
        await self._blocking("POST", request.resource_id, {"LogEnabled": "true" if log_enabled else "false"})
        return UpdateResponse(properties={**request.news, **OUTPUT_ONLY})


if __name__ == "__main__":
    main(sys.argv[1:], "0.0.0", FloorProvider(json.loads(os.environ["PULUMI_CONFIG"])))
