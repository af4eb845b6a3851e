"""Which host a region and edge reach (sources in core/endpoint.py: Twilio's global-infrastructure docs)."""

from __future__ import annotations

from typing import Optional

import pytest

from pulumi_twilio_conversations.core.client import Credentials, HttpSettings, TwilioClient, TwilioError
from pulumi_twilio_conversations.core.config import resolve
from pulumi_twilio_conversations.core.endpoint import base_url, check_base_url
from pulumi_twilio_conversations.emulator import Emulator

from conftest import SID, ToEmulator, stack_config
from frontends import FrontEnd, both
from harness import CheckFailed


@pytest.mark.parametrize(
    ("region", "edge", "url"),
    [
        (None, None, "https://conversations.twilio.com"),
        # Region only: the region-only host stopped working on 2026-04-28, so the documented edge is added.
        ("ie1", None, "https://conversations.dublin.ie1.twilio.com"),
        ("au1", None, "https://conversations.sydney.au1.twilio.com"),
        ("jp1", None, "https://conversations.tokyo.jp1.twilio.com"),
        ("IE1", None, "https://conversations.dublin.ie1.twilio.com"),
        ("us1", None, "https://conversations.us1.twilio.com"),  # the one region-only host Twilio keeps
        ("ie1", "dublin", "https://conversations.dublin.ie1.twilio.com"),
        ("ie1", "frankfurt", "https://conversations.frankfurt.ie1.twilio.com"),  # any edge with any region
        # Edge only: processed in us1.
        (None, "sydney", "https://conversations.sydney.us1.twilio.com"),
        (None, "ashburn-ix", "https://conversations.ashburn-ix.us1.twilio.com"),
    ],
)
def test_host_for_region_and_edge(region: Optional[str], edge: Optional[str], url: str) -> None:
    assert base_url(region, edge) == url


@pytest.mark.parametrize(
    ("region", "edge", "words"),
    [
        # A region code given as the edge: say which is which.
        (None, "ie1", "edge 'ie1' is a region code, not an edge (edges are cities such as dublin): "
                      "set region=ie1 and edge=dublin"),
        ("ie1", "ie1", "edge 'ie1' is a region code"),
        (None, "de1", "edge 'de1' is a region code, not an edge (edges are cities such as frankfurt): "
                      "set edge=frankfurt"),
        # An edge given as the region.
        ("dublin", None, "region 'dublin' is an edge (a city), not a region: set edge=dublin and region=ie1"),
        ("frankfurt", None, "region 'frankfurt' is an edge (a city), not a region: set edge=frankfurt"),
        # A region with no documented edge, and the old region-style edge IDs.
        ("de1", None, "set edge=frankfurt and unset region"),
        ("us2", None, "set edge=umatilla and unset region"),
        ("xx9", None, "region 'xx9' has no edge Twilio documents as its default"),
        ("xx9", None, "set edge too"),
        (None, "dub lin", "edge 'dub lin' must contain only ASCII letters"),
        ("ie1\u200b", None, "must contain only ASCII letters"),
    ],
)
def test_region_and_edge_mistakes_name_the_key_and_the_fix(region: Optional[str], edge: Optional[str],
                                                          words: str) -> None:
    with pytest.raises(ValueError) as err:
        base_url(region, edge)
    assert words in str(err.value)


def test_every_suggested_fix_is_itself_accepted() -> None:
    for region, edge in [(None, "ie1"), ("dublin", None), ("de1", None), (None, "us2")]:
        with pytest.raises(ValueError) as err:
            base_url(region, edge)
        fix = str(err.value).rsplit(": ", 1)[1]
        settings = dict(part.split("=") for part in fix.replace(" and ", ",").split(",") if "=" in part)
        fixed_edge = settings.get("edge", "").split()[0] if settings.get("edge") else None
        assert base_url(settings.get("region"), fixed_edge).startswith("https://conversations.")


# --- the host the provider really calls ------------------------------------------------------------------

@pytest.mark.parametrize(
    ("config", "host"),
    [
        ({}, "conversations.twilio.com"),
        ({"twilio:region": "ie1"}, "conversations.dublin.ie1.twilio.com"),
        ({"twilio:region": "au1", "twilio:edge": "sydney"}, "conversations.sydney.au1.twilio.com"),
        ({"twilio:edge": "frankfurt"}, "conversations.frankfurt.us1.twilio.com"),
        ({"twilio:region": "us1"}, "conversations.us1.twilio.com"),
    ],
)
def test_provider_calls_the_regional_host(emulator: Emulator, config: dict[str, str], host: str) -> None:
    client, credentials = regional_client(emulator, config)
    client.fetch(SID, credentials)
    (request,) = emulator.api_requests()
    assert request.headers["Host"] == host


def test_the_old_region_only_host_gets_no_answer(emulator: Emulator) -> None:
    # What the first cut of 0.1.0 built for twilio:region=ie1; Twilio stopped serving it on 2026-04-28.
    client = TwilioClient(HttpSettings(base_url="https://conversations.ie1.twilio.com", max_retries=0))
    client.session.mount("https://", ToEmulator(emulator.url))
    with pytest.raises(TwilioError, match="no response"):
        client.fetch(SID, Credentials(*emulator.auth))


def regional_client(emulator: Emulator, config: dict[str, str]) -> tuple[TwilioClient, Credentials]:
    """The provider's client for this config, its requests delivered to the emulator with their Host."""
    account, token = emulator.auth
    settings = resolve({"twilio:accountSid": account, "twilio:authToken": token, **config}, "twilio", {})
    assert settings.http is not None and settings.credentials is not None, settings.problem
    client = TwilioClient(settings.http)
    client.session.mount("https://", ToEmulator(emulator.url))
    return client, settings.credentials


# --- a base URL that already holds the API's path ---------------------------------------------------------

@pytest.mark.parametrize(("url", "fixed"), [
    ("https://conversations.twilio.com/v1", "https://conversations.twilio.com"),
    ("https://conversations.twilio.com/v1/", "https://conversations.twilio.com"),
    ("https://conversations.dublin.ie1.twilio.com/V1", "https://conversations.dublin.ie1.twilio.com"),
    ("http://127.0.0.1:8787/v1", "http://127.0.0.1:8787"),
    # a resource URL pasted whole, such as the `url` output
    (f"https://conversations.twilio.com/v1/Services/{SID}/Configuration/Notifications",
     "https://conversations.twilio.com"),
    ("https://conversations.twilio.com/v1/Configuration", "https://conversations.twilio.com"),
    ("https://proxy.example/twilio/v1", "https://proxy.example/twilio"),
])
def test_a_base_url_ending_in_v1_is_refused_with_the_url_to_set(url: str, fixed: str) -> None:
    with pytest.raises(ValueError) as err:
        check_base_url(url)
    assert f"which the provider adds itself (it calls <base URL>/v1/Services/...): drop it, set {fixed!r}" in str(
        err.value)
    assert check_base_url(fixed) == fixed  # the fix is itself accepted


@pytest.mark.parametrize("url", ["https://proxy.example/v1/twilio", "https://proxy.example/api/v1/conversations",
                                 "https://conversations.twilio.com", "https://proxy.example/v10"])
def test_a_v1_that_belongs_to_a_proxys_own_path_is_kept(url: str) -> None:
    assert check_base_url(url) == url


def test_the_v1_mistake_names_the_key_and_its_variable() -> None:
    problem = resolve({"twilio-eu:accountSid": "AC" + "1" * 32, "twilio-eu:authToken": "t",
                       "twilio-eu:baseUrl": "https://conversations.twilio.com/v1"}, "twilio-eu", {}).problem
    assert problem == (
        "base URL 'https://conversations.twilio.com/v1' ends in the API's own path '/v1', which the provider adds "
        "itself (it calls <base URL>/v1/Services/...): drop it, set 'https://conversations.twilio.com' "
        "(twilio-eu:baseUrl (or TWILIO_EU_CONVERSATIONS_BASE_URL))")


@both
def test_a_base_url_ending_in_v1_fails_the_preview_and_sends_nothing(emulator: Emulator, front_end: FrontEnd) -> None:
    # The dynamic resource fails its Check; the plugin its CheckConfig, as the preview starts it.
    config = stack_config(emulator, **{"twilio:baseUrl": emulator.url + "/v1"})
    with pytest.raises(CheckFailed) as caught, front_end.server(config) as server:
        front_end.stack(server).preview({"push": {"chat_service_sid": SID}})
    message = str(caught.value)
    assert f"drop it, set {emulator.url!r} ({front_end.key('baseUrl')} (or TWILIO_CONVERSATIONS_BASE_URL))" in message
    assert emulator.api_requests() == []
