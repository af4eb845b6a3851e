"""A 404 makes a resource vanish only when the service is really gone (core/gone.py).

Twilio answers 404/20404 for a service missing *from the account the credentials act for, at the
endpoint called*; the scenarios below are the ways that answer misleads: another account's credentials,
an API key left in the shell, another region's host or a base URL that points elsewhere, a proxy's 404
page. Each runs on the dynamic resource and on the native plugin (frontends.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Optional

import pytest

from pulumi_twilio_conversations.core.gone import endpoint_verdict
from pulumi_twilio_conversations.emulator import Emulator, default_settings_raw

from conftest import FAST_RETRIES, SID, TOKEN
from frontends import FrontEnd, ScenarioStack, both
from harness import ProviderError, Resource, Secret

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
def with_config(stack: ScenarioStack, front_end: FrontEnd, config: dict[str, Any],
                run_program: bool = True) -> Iterator[ScenarioStack]:
    """The same state, driven by a provider configured with other stack config.

    ``run_program=False``: ``pulumi refresh`` / ``destroy`` without ``--run-program``, which configure the
    provider without checking its config first (harness.ProviderServer)."""
    with front_end.server({**FAST_RETRIES, **config}, run_program=run_program) as server:
        other = front_end.stack(server)
        other.state = stack.state
        yield other


@contextmanager
def with_credentials(emulator: Emulator, stack: ScenarioStack, front_end: FrontEnd,
                     **credentials: Any) -> Iterator[ScenarioStack]:
    """The same state, driven by a provider configured with other credentials."""
    with with_config(stack, front_end, {"twilio:baseUrl": emulator.url, **credentials}) as other:
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


# --- another endpoint: another region's host, a base URL that points elsewhere --------------------------

NOTIFICATIONS = f"/v1/Services/{SID}/Configuration/Notifications"
IE1 = "https://conversations.dublin.ie1.twilio.com"


@pytest.mark.parametrize(("recorded", "in_use", "expected"), [
    # The endpoint that wrote the settings answers: its 20404 speaks for the service.
    ("https://conversations.twilio.com" + NOTIFICATIONS, "https://conversations.twilio.com", "same"),
    ("https://Conversations.Twilio.com:443" + NOTIFICATIONS, "https://conversations.twilio.com/", "same"),
    ("https://conversations.twilio.com" + NOTIFICATIONS, "https://conversations.us1.twilio.com", "same"),
    ("https://conversations.twilio.com" + NOTIFICATIONS, "https://conversations.ashburn.us1.twilio.com", "same"),
    (IE1 + NOTIFICATIONS, "https://conversations.frankfurt.ie1.twilio.com", "same"),  # another edge, same data
    ("http://127.0.0.1:8787" + NOTIFICATIONS, "http://127.0.0.1:8787", "same"),
    ("https://proxy.example/twilio" + NOTIFICATIONS, "https://proxy.example/twilio", "same"),
    # Another region, host or path: that endpoint cannot see the service.
    (IE1 + NOTIFICATIONS, "https://conversations.twilio.com", "other"),
    ("https://conversations.twilio.com" + NOTIFICATIONS, IE1, "other"),
    ("https://conversations.sydney.au1.twilio.com" + NOTIFICATIONS, IE1, "other"),
    ("http://127.0.0.1:8787" + NOTIFICATIONS, "http://127.0.0.1:9999", "other"),  # another emulator
    ("http://127.0.0.1:8787" + NOTIFICATIONS, "http://localhost:8787", "other"),  # not known to be the same
    ("https://proxy.example/twilio" + NOTIFICATIONS, "https://proxy.example", "other"),
    ("https://conversations.twilio.com" + NOTIFICATIONS, "https://twilio-proxy.example", "other"),
    ("https://conversations.ie1.twilio.com" + NOTIFICATIONS, IE1, "other"),  # the dead region-only host
    # Nothing recorded to compare: the account rule alone decides.
    (None, "https://conversations.twilio.com", "unknown"),
    ("", "https://conversations.twilio.com", "unknown"),
    ("not a url", "https://conversations.twilio.com", "unknown"),
    ("https://conversations.twilio.com/elsewhere", "https://conversations.twilio.com", "unknown"),
])
def test_which_endpoint_a_not_found_speaks_for(recorded: Optional[str], in_use: str, expected: str) -> None:
    assert endpoint_verdict(recorded, in_use) == expected


@pytest.fixture
def another_region(emulator: Emulator) -> Iterator[Emulator]:
    """Another endpoint where the same account and token are valid but the service does not exist, as
    another region's host answers (services and credentials are per region)."""
    with Emulator(accounts={emulator.auth[0]: emulator.auth[1]}, strict=True) as other:
        yield other


@pytest.mark.parametrize("step", ["refresh", "destroy"])
def test_a_not_found_from_another_endpoint_keeps_the_resource(deployed: ScenarioStack, emulator: Emulator,
                                                              another_region: Emulator, front_end: FrontEnd,
                                                              step: str) -> None:
    account, token = emulator.auth
    config = {"twilio:baseUrl": another_region.url, "twilio:accountSid": account, "twilio:authToken": Secret(token)}
    with with_config(deployed, front_end, config) as other:
        with pytest.raises(ProviderError) as caught:
            getattr(other, step)()
    message = str(caught.value)
    assert "HTTP 404, Twilio error 20404" in message
    assert f"came from {another_region.url}" in message
    assert f"written through {emulator.url}" in message
    assert f"set {front_end.key('baseUrl')} (or TWILIO_CONVERSATIONS_BASE_URL) to {emulator.url}" in message
    assert "pulumi state delete" in message and token not in message
    assert "push" in deployed.state  # not forgotten
    assert emulator.settings(SID)["log_enabled"] is True  # and the live settings were not touched
    # Told apart from the URL alone: no account lookup at the endpoint that cannot see the service.
    assert [r.path for r in another_region.api_requests()] == [NOTIFICATIONS]


@pytest.mark.parametrize("step", ["refresh", "destroy"])
def test_a_base_url_ending_in_v1_keeps_the_resource_and_names_the_fix(deployed: ScenarioStack, emulator: Emulator,
                                                                      front_end: FrontEnd, step: str) -> None:
    # Without --run-program nothing checks the config first: the step itself refuses it.
    config = {"twilio:baseUrl": emulator.url + "/v1", "twilio:accountSid": emulator.auth[0],
              "twilio:authToken": Secret(emulator.auth[1])}
    with with_config(deployed, front_end, config, run_program=False) as other:
        with pytest.raises(ProviderError) as caught:
            getattr(other, step)()
    message = str(caught.value)
    assert f"drop it, set {emulator.url!r} ({front_end.key('baseUrl')} (or TWILIO_CONVERSATIONS_BASE_URL))" in message
    assert "push" in deployed.state
    assert emulator.api_requests() == []
    assert emulator.settings(SID)["log_enabled"] is True


def test_a_service_deleted_at_the_endpoint_that_wrote_it_is_still_gone(deployed: ScenarioStack,
                                                                       emulator: Emulator) -> None:
    # The recorded URL is compared with the base URL in use, and here they agree.
    assert deployed.state["push"].outputs["url"] == emulator.url + NOTIFICATIONS
    emulator.state.remove_service(SID)
    assert deployed.refresh() == {"push": "deleted"}


PUSH_PROGRAM: dict[str, Any] = {
    "support": Resource({"friendly_name": "support-dev", "deletion_protection": False}, kind="Service"),
    "android": Resource({"type": "fcm", "secret": "AAAA-fcm-server-key"}, kind="Credential"),
}


@pytest.mark.parametrize("name", ["support", "android"])
def test_a_service_or_credential_refreshed_with_another_accounts_credentials_is_kept(
        stack: ScenarioStack, emulator: Emulator, front_end: FrontEnd, name: str) -> None:
    emulator.state.accounts[OTHER_ACCOUNT] = OTHER_TOKEN
    stack.up(PUSH_PROGRAM)
    with with_credentials(emulator, stack, front_end, **{"twilio:accountSid": OTHER_ACCOUNT,
                                                         "twilio:authToken": Secret(OTHER_TOKEN)}) as other:
        other.state = {name: stack.state[name]}
        with pytest.raises(ProviderError) as caught:
            other.refresh()
    what = "service" if name == "support" else "push credential"
    assert f"The {what} belongs to account {emulator.auth[0]}" in str(caught.value)
    assert name in stack.state


@pytest.mark.parametrize("name", ["support", "android"])
def test_a_service_or_credential_destroyed_through_another_region_is_kept(
        stack: ScenarioStack, emulator: Emulator, another_region: Emulator, front_end: FrontEnd, name: str) -> None:
    stack.up(PUSH_PROGRAM)
    elsewhere = {"twilio:baseUrl": another_region.url, "twilio:accountSid": emulator.auth[0],
                 "twilio:authToken": Secret(TOKEN)}
    with with_config(stack, front_end, elsewhere) as other:
        other.state = {name: stack.state[name]}
        with pytest.raises(ProviderError) as caught:
            other.destroy()
    what = "service" if name == "support" else "push credential"
    assert f"the {what} in the stack was written through {emulator.url}" in str(caught.value)
    assert f"where the {what} may still exist" in str(caught.value)
    assert name in stack.state
