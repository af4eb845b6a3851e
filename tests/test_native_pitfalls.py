"""What pulumi.provider.experimental (SDK 3.272) does that native/provider.py works around, proven in process.

Each test states a fact about the SDK's server.py / property_value.py / provider.py. When an SDK upgrade
makes one fail, the workaround in native/provider.py may be dropped (and requirements.txt's pin moved).
"""

from __future__ import annotations

import asyncio
from importlib.metadata import version
from typing import Any

import pytest
from google.protobuf import struct_pb2
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.provider import (
    DiffRequest,
    DiffResponse,
    PropertyDiff,
    PropertyDiffKind,
    Provider,
    ReadRequest,
    ReadResponse,
)
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime.proto import provider_pb2

from pulumi_twilio_conversations.core.client import HttpSettings, TwilioClient
from pulumi_twilio_conversations.native.provider import (
    UNKNOWN,
    WORKERS,
    ServiceNotificationsNative,
    to_plain,
    to_property_values,
)

pytestmark = pytest.mark.skipif(version("pulumi") != "3.272.0", reason="facts about pulumi 3.272.0")


class _Answers(Provider):
    def __init__(self, diff_config: DiffResponse) -> None:
        self.diff_config_answer = diff_config

    async def diff_config(self, request: DiffRequest) -> DiffResponse:
        return self.diff_config_answer

    async def read(self, request: ReadRequest) -> ReadResponse:
        return ReadResponse(resource_id="")  # "not found"


def _servicer(provider: Provider) -> ProviderServicer:
    return ProviderServicer([], "0.0.0", provider, engine_address="127.0.0.1:1")


def _call(servicer: ProviderServicer, method: str, request: Any) -> Any:
    return asyncio.run(getattr(servicer, method)(request, None))


def test_diff_config_with_a_detailed_diff_crashes() -> None:
    answer = DiffResponse(changes=True, detailed_diff={"region": PropertyDiff(PropertyDiffKind.UPDATE, True)})
    with pytest.raises(Exception, match="inputDiff"):
        _call(_servicer(_Answers(answer)), "DiffConfig", provider_pb2.DiffRequest(urn="u", id="default"))


def test_diff_config_changes_true_goes_out_as_diff_none() -> None:
    resp = _call(_servicer(_Answers(DiffResponse(changes=True))), "DiffConfig",
                 provider_pb2.DiffRequest(urn="u", id="default"))
    assert resp.changes == provider_pb2.DiffResponse.DIFF_NONE


def test_the_default_diff_config_leaves_the_decision_to_the_engine() -> None:
    resp = _call(_servicer(ServiceNotificationsNative()), "DiffConfig", provider_pb2.DiffRequest(urn="u", id="d"))
    assert resp.changes == provider_pb2.DiffResponse.DIFF_UNKNOWN
    assert "diff_config" not in ServiceNotificationsNative.__dict__


def test_property_value_numbers_must_be_floats() -> None:
    with pytest.raises(TypeError, match="Unsupported value type: int"):
        PropertyValue(5)
    assert to_property_values({"n": 5, "flag": True})["n"] == PropertyValue(5.0)
    assert to_property_values({"flag": True})["flag"] == PropertyValue(True)


def test_unknowns_arrive_as_the_plain_sentinel_string_and_go_back_as_it() -> None:
    received = PropertyValue.unmarshal(struct_pb2.Value(string_value=UNKNOWN))
    assert received.value == UNKNOWN  # no Computed on the way in
    with pytest.raises(ValueError, match="Unsupported value type"):
        PropertyValue.computed().marshal()  # and Computed cannot go out
    plain = to_plain({"sid": received})
    assert type(plain["sid"]).__name__ == "Unknown"
    assert to_property_values(plain)["sid"] == PropertyValue(UNKNOWN)


def test_a_not_found_read_sends_empty_present_properties() -> None:
    resp = _call(_servicer(_Answers(DiffResponse())), "Read", provider_pb2.ReadRequest(urn="u", id="IS1"))
    assert resp.id == ""
    assert resp.HasField("properties") and resp.HasField("inputs")
    assert len(resp.properties.fields) == 0 and len(resp.inputs.fields) == 0


def test_own_pool_and_http_connections_for_sixteen_calls() -> None:
    # asyncio.to_thread would use the default executor: min(32, CPUs + 4) threads (6 on 2 CPUs).
    native = ServiceNotificationsNative()
    assert native._pool._max_workers == WORKERS == 16
    adapter = TwilioClient(HttpSettings()).session.get_adapter("https://conversations.twilio.com")
    assert adapter._pool_maxsize >= WORKERS  # type: ignore[attr-defined]
