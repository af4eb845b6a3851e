"""A 404 makes a resource vanish only when the service is really gone (core/gone.py).

Twilio answers 404/20404 for a service missing *from the account the credentials act for*; the
scenarios below are the ways that answer misleads: another account's credentials, an API key left in
the shell, a proxy's 404 page. Each runs on the dynamic resource and on the native plugin (frontends.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from pulumi_twilio_conversations.emulator import Emulator, default_settings_raw

from conftest import FAST_RETRIES, SID, TOKEN
from frontends import FrontEnd, ScenarioStack, both
from harness import ProviderError, Secret

pytestmark = both

OTHER_ACCOUNT, OTHER_TOKEN = "AC" + "0b" * 16, "other-account-token"
KEY, KEY_SECRET = "SK" + "5e" * 16, "api-key-secret"
KEY_CREDENTIALS: dict[str, Any] = {"twilio:apiKey": KEY, "twilio:apiSecret": Secret(KEY_SECRET)}
PROGRAM: dict[str, Any] = {"push": {"chat_service_sid": SID, "log_enabled": True}}


@pytest.fixture
def deployed(stack: ScenarioStack, emulator: Emulator) -> ScenarioStack:
    emulator.state.accounts[OTHER_ACCOUNT] = OTHER_TOKEN
    stack.up(PROGRAM)
    emulator.clear_requests()
    return stack


@contextmanager
def with_credentials(emulator: Emulator, stack: ScenarioStack, front_end: FrontEnd,
                     **credentials: Any) -> Iterator[ScenarioStack]:
    """The same state, driven by a provider configured with other credentials."""
    config = {"twilio:baseUrl": emulator.url, **FAST_RETRIES, **credentials}
    with front_end.server(config) as server:
        other = front_end.stack(server)
        other.state = stack.state
        yield other


def test_refresh_with_another_accounts_credentials_keeps_the_resource(deployed: ScenarioStack, emulator: Emulator,
                                                                      front_end: FrontEnd) -> None:
    with with_credentials(emulator, deployed, front_end, **{"twilio:accountSid": OTHER_ACCOUNT,
                                                         "twilio:authToken": Secret(OTHER_TOKEN)}) as other:
        with pytest.raises(ProviderError) as caught:
            other.refresh()
    message = str(caught.value)
    assert f"belongs to account {emulator.auth[0]}" in message
    assert f"act for account {OTHER_ACCOUNT}" in message
    keys = f"{front_end.key('accountSid')} + {front_end.key('authToken')}"
    assert f"{keys} (or TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN)" in message
    assert OTHER_TOKEN not in message
    assert "push" in deployed.state  # not forgotten


def test_destroy_with_another_accounts_credentials_fails_and_the_settings_stay(deployed: ScenarioStack,
                                                                               emulator: Emulator,
                                                                               front_end: FrontEnd) -> None:
    with with_credentials(emulator, deployed, front_end, **{"twilio:accountSid": OTHER_ACCOUNT,
                                                         "twilio:authToken": Secret(OTHER_TOKEN)}) as other:
        with pytest.raises(ProviderError, match=f"act for account {OTHER_ACCOUNT}"):
            other.destroy()
    assert emulator.settings(SID)["log_enabled"] is True
    assert "push" in deployed.state


def test_a_leftover_api_key_of_another_account_costs_one_extra_request(deployed: ScenarioStack, emulator: Emulator,
                                                                       front_end: FrontEnd) -> None:
    emulator.state.api_keys[KEY] = (KEY_SECRET, OTHER_ACCOUNT)
    with with_credentials(emulator, deployed, front_end, **KEY_CREDENTIALS) as other:
        with pytest.raises(ProviderError, match=f"account {emulator.auth[0]}.*act for account {OTHER_ACCOUNT}"):
            other.refresh()
    assert [(r.method, r.path) for r in emulator.api_requests()] == [
        ("GET", f"/v1/Services/{SID}/Configuration/Notifications"), ("GET", "/v1/Configuration")]
    assert "push" in deployed.state


def test_an_api_key_of_the_owning_account_confirms_the_service_is_gone(deployed: ScenarioStack, emulator: Emulator,
                                                                       front_end: FrontEnd) -> None:
    emulator.state.api_keys[KEY] = (KEY_SECRET, emulator.auth[0])
    emulator.state.remove_service(SID)
    with with_credentials(emulator, deployed, front_end, **KEY_CREDENTIALS) as other:
        assert other.refresh() == {"push": "deleted"}
    assert deployed.state == {}


def test_service_deleted_with_the_owners_credentials_is_gone_at_no_extra_request(deployed: ScenarioStack,
                                                                                emulator: Emulator) -> None:
    emulator.state.remove_service(SID)
    assert deployed.refresh() == {"push": "deleted"}
    assert len(emulator.api_requests()) == 1  # the account is the Account SID itself: nothing to ask


@pytest.mark.parametrize("step", ["refresh", "destroy"])
def test_a_404_that_is_not_twilios_is_an_error(deployed: ScenarioStack, emulator: Emulator, step: str) -> None:
    emulator.inject(status=404, body="<html><body>Not Found</body></html>", count=-1)
    with pytest.raises(ProviderError) as caught:
        getattr(deployed, step)()
    assert "not Twilio's 'not found' (error 20404)" in str(caught.value)
    assert "push" in deployed.state
    emulator.state.faults.clear()
    assert emulator.settings(SID)["log_enabled"] is True


def test_state_without_a_recorded_account_is_not_dropped_on_a_404(deployed: ScenarioStack,
                                                                  emulator: Emulator) -> None:
    deployed.state["push"].outputs["account_sid"] = ""  # Twilio may answer account_sid null
    emulator.state.remove_service(SID)
    with pytest.raises(ProviderError, match="pulumi state delete"):
        deployed.refresh()
    assert "push" in deployed.state


def test_happy_path_stays_at_one_request_per_step(stack: ScenarioStack, emulator: Emulator) -> None:
    stack.up(PROGRAM)
    stack.refresh()
    stack.destroy()
    assert [r.method for r in emulator.api_requests()] == ["POST", "GET", "POST"]
    assert emulator.settings(SID) == default_settings_raw()
    assert TOKEN not in "".join(str(r.headers) for r in emulator.api_requests())
