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

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

from .client import Credentials, HttpSettings, check_base_url
from .endpoint import base_url as regional_base_url

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
}
_NUMBERS: dict[str, type] = {
    "connectTimeout": float,
    "readTimeout": float,
    "maxRetries": int,
    "backoffFactor": float,
    "backoffMax": float,
    "retryAfterMax": int,
}


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


@dataclass(frozen=True)
class ProviderSettings:
    """What the provider needs to talk to Twilio. Lives only in the provider process's memory."""

    namespace: str
    credentials: Optional[Credentials]
    http: Optional[HttpSettings]
    problem: Optional[str]
    """Why the settings are unusable (missing credentials, bad URL), in words naming the keys."""


def _lookup(config: Mapping[str, Any], env: Mapping[str, str], namespace: str, key: str) -> Optional[str]:
    value = config.get(f"{namespace}:{key}")
    if value is None or value == "":
        value = env.get(env_name(namespace, key))
    if value is None or value == "":
        return None
    return str(value).strip()


def resolve(config: Mapping[str, Any], namespace: str, env: Mapping[str, str]) -> ProviderSettings:
    """Credentials and HTTP settings for ``namespace``; never raises, reports a ``problem`` instead."""
    get = {key: _lookup(config, env, namespace, key) for key in CONFIG_KEYS}
    problems: list[str] = []

    credentials: Optional[Credentials] = None
    if get["apiKey"] or get["apiSecret"]:
        if not (get["apiKey"] and get["apiSecret"]):
            missing = "apiSecret" if get["apiKey"] else "apiKey"
            problems.append(f"an API key needs both parts: set {where(namespace, missing)}")
        elif not get["apiKey"].startswith("SK"):
            problems.append(f"{namespace}:apiKey must be an API key SID starting with 'SK'")
        else:
            credentials = Credentials(get["apiKey"], get["apiSecret"],
                                      hint=where(namespace, "apiKey", "apiSecret"))
    elif get["accountSid"] and get["authToken"]:
        if not get["accountSid"].startswith("AC"):
            problems.append(f"{namespace}:accountSid must be an Account SID starting with 'AC'")
        else:
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
        for key, kind in _NUMBERS.items():
            raw = get[key]
            if raw is None:
                continue
            try:
                number = kind(float(raw)) if kind is int else kind(raw)
            except ValueError:
                raise ValueError(f"{namespace}:{key} must be a number, got {raw!r}") from None
            if number < 0:
                raise ValueError(f"{namespace}:{key} must not be negative, got {raw!r}")
            numbers[re.sub(r"([A-Z])", r"_\1", key).lower()] = number  # readTimeout -> read_timeout
        http = HttpSettings(base_url=base_url, **numbers)
    except ValueError as err:
        problems.append(f"{err} ({where(namespace, 'baseUrl')})" if "base URL" in str(err) else str(err))

    return ProviderSettings(namespace, credentials, http, "; ".join(problems) or None)
