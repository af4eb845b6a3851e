"""Shared fixtures: a fresh emulator per test, and the provider server configured against it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pulumi_twilio_conversations.emulator import Emulator

from harness import ProviderServer, Stack

SID = "IS" + "0123456789abcdef" * 2
OTHER_SID = "IS" + "fedcba9876543210" * 2
TOKEN = "tok-5e9b1c7a-RECOGNIZABLE-SECRET"  # recognizable, so tests can prove it never leaks
ACCOUNT = "AC" + "a1" * 16

# Short backoffs for tests; the production defaults stay as they are.
FAST_RETRIES = {"twilio:maxRetries": "3", "twilio:backoffFactor": "0.01", "twilio:backoffMax": "0.05",
                "twilio:retryAfterMax": "1", "twilio:readTimeout": "2", "twilio:connectTimeout": "2"}


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(accounts={ACCOUNT: TOKEN}, services=[SID, OTHER_SID]) as emu:
        yield emu


def stack_config(emu: Emulator, namespace: str = "twilio", **extra: str) -> dict[str, Any]:
    account, token = emu.auth
    config = {f"{namespace}:accountSid": account, f"{namespace}:authToken": token, f"{namespace}:baseUrl": emu.url}
    config.update({k.replace("twilio:", f"{namespace}:"): v for k, v in FAST_RETRIES.items()})
    config.update(extra)
    return config


@pytest.fixture
def server(emulator: Emulator) -> Iterator[ProviderServer]:
    with ProviderServer(stack_config(emulator)) as srv:
        yield srv


@pytest.fixture
def stack(server: ProviderServer) -> Stack:
    return Stack(server)
