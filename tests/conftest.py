"""Shared fixtures: a fresh emulator per test, and the provider server configured against it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pulumi
import pytest
import requests
from requests.adapters import HTTPAdapter

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pulumi_twilio_conversations.emulator import Emulator

from harness import ProviderServer, Secret, Stack
from spec import find_spec

SID = "IS" + "0123456789abcdef" * 2
OTHER_SID = "IS" + "fedcba9876543210" * 2
TOKEN = "tok-5e9b1c7a-RECOGNIZABLE-SECRET"  # recognizable, so tests can prove it never leaks
ACCOUNT = "AC" + "a1" * 16

# Twilio's OpenAPI spec (see spec.py); SPEC_MISSING says why it is absent, for the skips.
_spec, SPEC_MISSING = find_spec()
SPEC_PATH = _spec or Path("/nonexistent/twilio_conversations_v1.json")
OPERATION = "/v1/Services/{ChatServiceSid}/Configuration/Notifications"

# Short backoffs for tests; the production defaults stay as they are.
FAST_RETRIES = {"twilio:maxRetries": "3", "twilio:backoffFactor": "0.01", "twilio:backoffMax": "0.05",
                "twilio:retryAfterMax": "1", "twilio:readTimeout": "2", "twilio:connectTimeout": "2"}


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    # Strict: a misspelt form field fails the test, where Twilio would silently ignore it.
    with Emulator(accounts={ACCOUNT: TOKEN}, services=[SID, OTHER_SID], strict=True) as emu:
        yield emu


def stack_config(emu: Emulator, namespace: str = "twilio", **extra: str) -> dict[str, Any]:
    account, token = emu.auth
    config: dict[str, Any] = {f"{namespace}:accountSid": account, f"{namespace}:authToken": Secret(token),
                              f"{namespace}:baseUrl": emu.url}
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


def run_export(emu: Emulator, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m pulumi_twilio_conversations export ...`` with the emulator's first account in the environment."""
    account, token = emu.auth
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO")}
    env.update({"TWILIO_ACCOUNT_SID": account, "TWILIO_AUTH_TOKEN": token, "TWILIO_CONVERSATIONS_BASE_URL": emu.url})
    return subprocess.run([sys.executable, "-m", "pulumi_twilio_conversations", "export", *args],
                          env=env, capture_output=True, text=True, timeout=60, check=False)


class ToEmulator(HTTPAdapter):
    """A transport that delivers every request to the emulator, keeping the Host of the URL the client
    chose: a test sees which Twilio host the provider would have called (the emulator logs Host)."""

    def __init__(self, emulator_url: str) -> None:
        super().__init__(max_retries=0)
        self.target = emulator_url

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        parts = urlsplit(str(request.url))
        request.headers["Host"] = parts.netloc
        request.url = self.target + parts.path + (f"?{parts.query}" if parts.query else "")
        return super().send(request, *args, **kwargs)


class MockRecorder(pulumi.runtime.Mocks):
    """Pulumi mocks that record every registration; outputs echo the inputs plus account_sid and url."""

    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append(args)
        outs = dict(args.inputs)
        outs.update(account_sid="AC" + "0" * 32, url="https://example/url")
        return args.inputs.get("chat_service_sid", args.name), outs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        return {}, []
