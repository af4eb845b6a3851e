"""Where credentials and endpoint settings come from: stack config, then the environment.

Keys live in a config namespace, ``twilio`` by default (``twilio:accountSid``). Each key has an
environment variable named after the namespace (``twilio`` -> ``TWILIO_ACCOUNT_SID``,
``twilio-eu`` -> ``TWILIO_EU_ACCOUNT_SID``), so a second account never falls back to the first one's
variables.

Example::

    settings = resolve({"twilio:accountSid": "AC...", "twilio:authToken": "..."}, "twilio", os.environ)
    settings.credentials.username  # 'AC...'
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

from .client import Credentials, HttpSettings
from .endpoint import base_url as regional_base_url
from .endpoint import check_base_url
from .messages import UserError

DEFAULT_NAMESPACE = "twilio"
NAMESPACE_PATTERN = r"^[A-Za-z][A-Za-z0-9_.-]*$"

# config key -> environment variable suffix (after the namespace's prefix)
CONFIG_KEYS: dict[str, str] = {
    "accountSid": "ACCOUNT_SID",
    "authToken": "AUTH_TOKEN",
    "apiKey": "API_KEY",
    "apiSecret": "API_SECRET",
    "region": "REGION",
    "edge": "EDGE",
    "baseUrl": "CONVERSATIONS_BASE_URL",
    "connectTimeout": "CONNECT_TIMEOUT",
    "readTimeout": "READ_TIMEOUT",
    "maxRetries": "MAX_RETRIES",
    "backoffFactor": "BACKOFF_FACTOR",
    "backoffMax": "BACKOFF_MAX",
    "retryAfterMax": "RETRY_AFTER_MAX",
    "callDeadline": "CALL_DEADLINE",
}
# key -> (type, smallest, largest): finite numbers only; a timeout of 0 would fail every call.
_NUMBERS: dict[str, tuple[type, float, float]] = {
    "connectTimeout": (float, 0.001, 300),
    "readTimeout": (float, 0.001, 600),
    "maxRetries": (int, 0, 20),
    "backoffFactor": (float, 0, 60),
    "backoffMax": (float, 0, 600),
    "retryAfterMax": (int, 0, 600),
    "callDeadline": (float, 1, 86400),  # a day: above the worst case of the largest settings (about 8.6 h)
}
SECRET_KEYS = frozenset({"authToken", "apiSecret"})
"""Keys to set with ``pulumi config set --secret``; the package schema marks them secret."""
_MEANINGS: dict[str, str] = {
    "accountSid": "Twilio Account SID (`AC` + 32 hex), used with `authToken`.",
    "authToken": "Auth Token of the account.",
    "apiKey": "API key SID (`SK` + 32 hex), used with `apiSecret` instead of the Account SID and Auth Token.",
    "apiSecret": "Secret of the API key.",
    "region": "Twilio region such as `ie1` or `au1` (credentials are per region). Default: `us1`.",
    "edge": "Twilio edge location such as `dublin` or `sydney`; without a region it means `us1`.",
    "baseUrl": "Base URL of the Conversations API instead of the one built from region and edge "
    "(a test server or the bundled emulator). Plain `http` only for loopback hosts.",
    "connectTimeout": "Seconds to wait for a connection.",
    "readTimeout": "Seconds to wait for an answer (restarts with every byte received).",
    "maxRetries": "Retries of a call that failed with 429, a 5xx or a connection error.",
    "backoffFactor": "Base of the exponential backoff between retries, in seconds.",
    "backoffMax": "Longest wait between retries, in seconds.",
    "retryAfterMax": "Longest `Retry-After` honoured, in seconds.",
    "callDeadline": "Longest one call may take, in seconds, all its attempts and waits included: the "
    "connection is shut down then, whatever the server is sending.",
}


def snake_key(key: str) -> str:
    """A config key's field of ``HttpSettings``: ``readTimeout`` -> ``read_timeout``."""
    return re.sub(r"([A-Z])", r"_\1", key).lower()


def describe_key(key: str, namespace: str = DEFAULT_NAMESPACE) -> str:
    """What a config key means, with its default (taken from ``HttpSettings``, never restated)."""
    text = _MEANINGS[key]
    if key in SECRET_KEYS:
        text += f" Set it as a secret: `pulumi config set --secret {namespace}:{key}`."
    if key == "callDeadline":
        defaults = HttpSettings()
        text += (" Default: the longest the retries and timeouts allow, `(maxRetries + 1) × (connectTimeout + "
                 f"readTimeout) + maxRetries × (max(backoffMax, retryAfterMax) + {defaults.backoff_jitter:g})`, "
                 f"{defaults.worst_case_seconds():g} with the defaults.")
    elif key in _NUMBERS:
        text += f" Default: {getattr(HttpSettings(), snake_key(key)):g}."
    return text
_SID_PATTERNS = {"accountSid": ("AC", r"AC[0-9a-fA-F]{32}"), "apiKey": ("SK", r"SK[0-9a-fA-F]{32}")}
# Characters Twilio puts in SIDs, tokens and secrets: printable ASCII, no space.
_TOKEN_CHARACTERS = re.compile(r"[!-~]+")


def _number(namespace: str, key: str, raw: str) -> float:
    """A config number, finite, of the right type and within bounds; ValueError naming the key."""
    kind, low, high = _NUMBERS[key]
    named = where(namespace, key)
    try:
        number = float(raw)
    except (TypeError, ValueError):
        raise ValueError(f"{named} must be a number, got {raw[:20]!r}") from None
    if math.isnan(number) or math.isinf(number):
        raise ValueError(f"{named} must be a finite number, got {raw[:20]!r}")
    if kind is int and not number.is_integer():
        raise ValueError(f"{named} must be a whole number, got {raw[:20]!r}")
    if not low <= number <= high:
        bound = "greater than 0" if low == 0.001 else f"at least {low:g}"
        raise ValueError(f"{named} must be {bound} and at most {high:g}, got {raw[:20]!r}")
    return int(number) if kind is int else number


def _credential_problem(namespace: str, key: str, value: str) -> Optional[str]:
    """Why a SID, token or secret cannot be what Twilio issued, without showing it or its length."""
    if not _TOKEN_CHARACTERS.fullmatch(value):
        return (f"{where(namespace, key)} contains a space, an invisible or a non-ASCII character (often from "
                "copying it out of a web page or a document); re-type or re-copy it. The value is not shown")
    if key in _SID_PATTERNS and not re.fullmatch(_SID_PATTERNS[key][1], value):
        prefix = _SID_PATTERNS[key][0]
        what = "an Account SID" if key == "accountSid" else "an API key SID"
        return f"{where(namespace, key)} must be {what}: '{prefix}' followed by 32 hex characters"
    return None


def check_namespace(namespace: str) -> str:
    if not isinstance(namespace, str) or not re.fullmatch(NAMESPACE_PATTERN, namespace):
        raise ValueError(
            f"config_namespace {namespace!r} must be a Pulumi config namespace such as 'twilio' or "
            "'twilio-eu' (a letter, then letters, digits, '-', '_' or '.')"
        )
    return namespace


def env_name(namespace: str, key: str) -> str:
    """The environment variable for a config key: ``env_name("twilio-eu", "authToken")`` -> TWILIO_EU_AUTH_TOKEN."""
    prefix = re.sub(r"[^A-Za-z0-9]", "_", namespace).upper()
    return f"{prefix}_{CONFIG_KEYS[key]}"


def where(namespace: str, *keys: str) -> str:
    """Both places a setting can come from, for error messages."""
    return " + ".join(f"{namespace}:{k}" for k in keys) + " (or " + " + ".join(
        env_name(namespace, k) for k in keys
    ) + ")"


class ProviderConfigError(UserError):
    """The provider cannot talk to Twilio: missing credentials or a bad endpoint setting."""


@dataclass(frozen=True)
class ProviderSettings:
    """What the provider needs to talk to Twilio. Lives only in the provider process's memory."""

    namespace: str
    credentials: Optional[Credentials]
    http: Optional[HttpSettings]
    problem: Optional[str]
    """Why the settings are unusable (missing credentials, bad URL), in words naming the keys."""

    @property
    def failure(self) -> Optional[str]:
        """The problem as both front ends report it at check, or None."""
        return f"Twilio provider settings: {self.problem}" if self.problem else None

    def usable(self) -> tuple[Credentials, HttpSettings]:
        """The credentials and HTTP settings; ProviderConfigError when they are not usable."""
        if self.problem or self.credentials is None or self.http is None:
            raise ProviderConfigError(self.failure)
        return self.credentials, self.http


def _lookup(config: Mapping[str, Any], env: Mapping[str, str], namespace: str, key: str) -> Optional[str]:
    """The value from stack config, else the environment; surrounding whitespace removed (no SID,
    token or secret Twilio issues holds any)."""
    value = config.get(f"{namespace}:{key}")
    if value is None or value == "":
        value = env.get(env_name(namespace, key))
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def resolve(config: Mapping[str, Any], namespace: str, env: Mapping[str, str]) -> ProviderSettings:
    """Credentials and HTTP settings for ``namespace``; never raises, reports a ``problem`` instead."""
    get = {key: _lookup(config, env, namespace, key) for key in CONFIG_KEYS}
    problems: list[str] = []

    credentials: Optional[Credentials] = None
    if get["apiKey"] or get["apiSecret"]:
        if not (get["apiKey"] and get["apiSecret"]):
            missing = "apiSecret" if get["apiKey"] else "apiKey"
            problems.append(f"an API key needs both parts: set {where(namespace, missing)}")
        else:
            found = [p for k in ("apiKey", "apiSecret") if (p := _credential_problem(namespace, k, get[k] or ""))]
            problems.extend(found)
            if not found:
                credentials = Credentials(get["apiKey"], get["apiSecret"],
                                          hint=where(namespace, "apiKey", "apiSecret"))
    elif get["accountSid"] and get["authToken"]:
        found = [p for k in ("accountSid", "authToken") if (p := _credential_problem(namespace, k, get[k] or ""))]
        problems.extend(found)
        if not found:
            credentials = Credentials(get["accountSid"], get["authToken"],
                                      hint=where(namespace, "accountSid", "authToken"))
    else:
        missing_keys = [k for k in ("accountSid", "authToken") if not get[k]]
        problems.append(
            "no Twilio credentials: set " + where(namespace, *missing_keys)
            + f" (authToken as a secret: pulumi config set --secret {namespace}:authToken), "
            + f"or an API key with {where(namespace, 'apiKey', 'apiSecret')}"
        )

    http: Optional[HttpSettings] = None
    try:
        if get["baseUrl"]:
            base_url = check_base_url(get["baseUrl"])
        else:
            try:
                base_url = regional_base_url(get["region"], get["edge"], region_key=f"{namespace}:region",
                                             edge_key=f"{namespace}:edge")
            except ValueError as err:
                raise ValueError(f"{err} (from {where(namespace, 'region', 'edge')})") from None
        numbers: dict[str, Any] = {}
        for key in _NUMBERS:
            raw = get[key]
            if raw is not None:
                numbers[snake_key(key)] = _number(namespace, key, raw)
        http = HttpSettings(base_url=base_url, **numbers)
    except ValueError as err:
        problems.append(f"{err} ({where(namespace, 'baseUrl')})" if "base URL" in str(err) else str(err))

    return ProviderSettings(namespace, credentials, http, "; ".join(problems) or None)
