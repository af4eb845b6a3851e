"""When a "not found" from Twilio means a resource is really gone (a service, its settings, a credential).

Twilio answers 404 with error 20404 for a service that does not exist *where it was asked*: in the
account the credentials act for, at the endpoint called. Credentials of another account (a leftover
``TWILIO_API_KEY`` in the shell, the wrong stack config), another region's host (each region keeps its
own data: "Using the Twilio REST API in a non-US Region") or a base URL that points elsewhere get the
same answer for a service that is alive and well. So refresh and destroy treat a 404 as "gone" only
when Twilio's own code says so, the endpoint in use is the one that wrote the settings (the ``url``
output Twilio answered with, "An absolute API resource URL for this configuration" in its OpenAPI
spec), and the credentials act for the account that owned the service (the ``account_sid`` output).

Example::

    >>> verdict(recorded="AC1", caller="AC1")
    'gone'
    >>> verdict(recorded="AC1", caller="AC2")
    'other-account'
    >>> endpoint_verdict("https://conversations.dublin.ie1.twilio.com/v1/Services/IS1/Configuration/Notifications",
    ...                  "https://conversations.twilio.com")
    'other'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Optional
from urllib.parse import urlsplit

from .client import Credentials, TwilioClient, TwilioError
from .config import DEFAULT_NAMES, KeyNames
from .endpoint import endpoint_of, normalized_base_url, same_endpoint, twilio_region

Verdict = Literal["gone", "other-account", "unknown-owner"]
EndpointVerdict = Literal["same", "other", "unknown"]


def verdict(recorded: Optional[str], caller: str) -> Verdict:
    """What a 20404 means, given the account that owned the service and the one that asked."""
    if not recorded:
        return "unknown-owner"
    return "gone" if recorded == caller else "other-account"


def endpoint_verdict(recorded_url: Optional[str], base_url: str) -> EndpointVerdict:
    """Whether a 20404 from ``base_url`` speaks for the endpoint that wrote the settings (``recorded_url``,
    Twilio's ``url`` output). "unknown" when no URL was recorded (Twilio may answer ``url`` null) or it
    is not a resource URL: the account rule alone decides then, as before the URL was compared.

    This takes ``url`` to name the host the settings were written through, as the emulator's does. The
    spec promises only "an absolute API resource URL"; were a region to answer with another host than
    the one called, a 20404 there would count as another endpoint's: the resource is then kept and
    the error offers ``pulumi state delete``. Erring that way never forgets settings that are alive.
    """
    written = endpoint_of(recorded_url) if recorded_url else None
    if written is None:
        return "unknown"
    return "same" if same_endpoint(written, normalized_base_url(base_url)) else "other"


def _shown(endpoint: str) -> str:
    region = twilio_region(urlsplit(endpoint).netloc) if endpoint.startswith("https://") else None
    return f"{endpoint} (region {region})" if region else endpoint


def confirm_gone(
    err: TwilioError, client: TwilioClient, credentials: Credentials, recorded: Mapping[str, Any],
    names: KeyNames = DEFAULT_NAMES, what: str = "service", written_what: str = "the settings in the stack were",
) -> None:
    """Return when ``err`` proves the resource is gone; otherwise raise an error saying why not.

    ``recorded``: the outputs this provider wrote (``url``, ``account_sid``); ``names`` names the config
    keys in the fix; ``what`` names the resource that may be gone ("service", "credential") and
    ``written_what`` what the stack holds of it. The extra request (``GET /v1/Configuration``, for an API
    key) is made only here, on this rare path, and only once the endpoint is known to be the one that
    wrote the resource.
    """
    if not err.not_found:
        if err.status == 404:
            raise err.with_hint(
                f"This 404 is not Twilio's 'not found' (error 20404), so the {what} is not taken as deleted: "
                "check the base URL and any proxy in between",
            ) from None
        raise err
    recorded_url = recorded.get("url")
    if endpoint_verdict(recorded_url, client.settings.base_url) == "other":
        written = endpoint_of(str(recorded_url)) or ""
        raise err.with_hint(
            f"That answer came from {_shown(normalized_base_url(client.settings.base_url))}, but {written_what} "
            f"written through {_shown(written)}, where the {what} may still exist. Nothing was "
            f"changed in the stack: set {names('baseUrl')} to {written} (or the region and edge the stack was "
            f"deployed with) and run again; if the {what} is gone from there too, remove the resource from the "
            "stack with `pulumi state delete`",
        ) from None
    recorded_account = recorded.get("account_sid")
    caller = client.caller_account(credentials)
    found = verdict(recorded_account, caller)
    if found == "gone":
        return
    if found == "other-account":
        raise err.with_hint(
            f"The {what} belongs to account {recorded_account}, but the credentials in use "
            f"({credentials.hint or credentials.username}) act for account {caller}, which cannot see it. "
            f"Nothing was changed in the stack: set the credentials of {recorded_account} (and its region) "
            "and run again",
        ) from None
    raise err.with_hint(
        f"The stack does not record which account owned the {what}, so this cannot tell a deleted {what} "
        f"from credentials of another account (in use: {credentials.hint or credentials.username}, account "
        f"{caller}). If the {what} was deleted, remove it from the stack with `pulumi state delete`",
    ) from None


def missing_for_get(err: TwilioError, client: TwilioClient, credentials: Credentials,
                    what: str = "Service") -> TwilioError:
    """The error for a ``get`` or an import of a resource (``what``) the credentials cannot find."""
    if not err.not_found:
        return err
    caller = client.caller_account(credentials)
    return TwilioError(
        "look up", err.service_sid, 404, err.code, err.twilio_message, err.more_info,
        f"{what} {err.service_sid} does not exist in account {caller} (credentials from "
        f"{credentials.hint or credentials.username}); check the SID, the account and its region",
        None if what == "Service" else err.subject,
    )
