"""Shared fixtures: a fresh emulator per test, and the provider server configured against it.

``server`` and ``stack`` are the dynamic resource's, unless a test is marked with the front ends it runs on
(frontends.py ``both`` / ``only``): then it runs once per front end, with ids ``[dynamic]`` and ``[native]``.
"""

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

from frontends import FRONT_ENDS, FrontEnd, ScenarioStack, Server
from harness import Secret
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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "front_ends(*names, why=''): the front ends a scenario runs on "
                                       "(frontends.py both / only); why: the reason for one front end only")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One run per front end named by the closest ``front_ends`` marker (the test's, else its module's)."""
    marker = metafunc.definition.get_closest_marker("front_ends")
    if marker is None or "front_end" not in metafunc.fixturenames:
        return
    names = marker.args
    if not names or not set(names) <= set(FRONT_ENDS):
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: front_ends({names}): name some of {FRONT_ENDS}")
    if len(names) < len(FRONT_ENDS) and not marker.kwargs.get("why"):
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: a scenario of one front end says why")
    metafunc.parametrize("front_end", [FrontEnd(name) for name in names], ids=list(names), indirect=True)


@pytest.fixture
def front_end(request: pytest.FixtureRequest) -> FrontEnd:
    """The front end under test: the parametrized one, else the dynamic resource."""
    return getattr(request, "param", FrontEnd("dynamic"))


@pytest.fixture
def server(emulator: Emulator, front_end: FrontEnd) -> Iterator[Server]:
    with front_end.server(stack_config(emulator)) as srv:
        yield srv


@pytest.fixture
def stack(server: Server, front_end: FrontEnd) -> ScenarioStack:
    return front_end.stack(server)


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


@pytest.fixture
def mocks() -> Iterator[MockRecorder]:
    """Pulumi's mocks for a program's resources (no provider code runs), recording each registration."""
    recorder = MockRecorder()
    pulumi.runtime.set_mocks(recorder, project="test", stack="dev", preview=False)
    yield recorder
