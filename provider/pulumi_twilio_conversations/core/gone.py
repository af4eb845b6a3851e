"""When a "not found" from Twilio means the service is really gone.

Twilio answers 404 with error 20404 for a service that does not exist *in the account the
credentials act for*. Credentials of another account (a leftover ``TWILIO_API_KEY`` in the shell, the
wrong stack config) or of another region (credentials are per region: "Manage Regional API
Credentials") get the same answer for a service that is alive and well. So refresh and destroy treat
a 404 as "gone" only when Twilio's own code says so and the credentials act for the account that
owned the service, as recorded in the ``account_sid`` output when the settings were written.

Example::

    >>> verdict(recorded="AC1", caller="AC1")
    'gone'
    >>> verdict(recorded="AC1", caller="AC2")
    'other-account'
"""

from __future__ import annotations

from typing import Literal, Optional

from .client import Credentials, TwilioClient, TwilioError

Verdict = Literal["gone", "other-account", "unknown-owner"]


def verdict(recorded: Optional[str], caller: str) -> Verdict:
    """What a 20404 means, given the account that owned the service and the one that asked."""
    if not recorded:
        return "unknown-owner"
    return "gone" if recorded == caller else "other-account"


def confirm_gone(
    err: TwilioError, client: TwilioClient, credentials: Credentials, recorded_account: Optional[str]
) -> None:
    """Return when ``err`` proves the service is gone; otherwise raise an error saying why not.

    The extra request (``GET /v1/Configuration``, for an API key) is made only here, on this rare path.
    """
    if not err.not_found:
        if err.status == 404:
            raise TwilioError(
                err.operation, err.service_sid, 404, err.code, err.twilio_message, err.more_info,
                "This 404 is not Twilio's 'not found' (error 20404), so the service is not taken as deleted: "
                "check the base URL and any proxy in between",
            ) from None
        raise err
    caller = client.caller_account(credentials)
    found = verdict(recorded_account, caller)
    if found == "gone":
        return
    if found == "other-account":
        raise TwilioError(
            err.operation, err.service_sid, 404, err.code, err.twilio_message, err.more_info,
            f"The service belongs to account {recorded_account}, but the credentials in use "
            f"({credentials.hint or credentials.username}) act for account {caller}, which cannot see it. "
            f"Nothing was changed in the stack: set the credentials of {recorded_account} (and its region) "
            "and run again",
        ) from None
    raise TwilioError(
        err.operation, err.service_sid, 404, err.code, err.twilio_message, err.more_info,
        f"The stack does not record which account owned the service, so this cannot tell a deleted service "
        f"from credentials of another account (in use: {credentials.hint or credentials.username}, account "
        f"{caller}). If the service was deleted, remove it from the stack with `pulumi state delete`",
    ) from None


def missing_for_get(err: TwilioError, client: TwilioClient, credentials: Credentials) -> TwilioError:
    """The error for ``ServiceNotifications.get`` of a service the credentials cannot find."""
    if not err.not_found:
        return err
    caller = client.caller_account(credentials)
    return TwilioError(
        "look up", err.service_sid, 404, err.code, err.twilio_message, err.more_info,
        f"Service {err.service_sid} does not exist in account {caller} (credentials from "
        f"{credentials.hint or credentials.username}); check the SID, the account and its region",
    )
