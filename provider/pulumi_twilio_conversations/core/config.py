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

import difflib
import functools
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

from .client import Credentials, HttpSettings
from .endpoint import base_url as regional_base_url
from .endpoint import check_base_url
from .messages import UserError, safe_name

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


def _number(names: KeyNames, key: str, raw: str) -> float:
    """A config number, finite, of the right type and within bounds; ValueError naming the key."""
    kind, low, high = _NUMBERS[key]
    named = names(key)
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


def _credential_problem(names: KeyNames, key: str, value: str) -> Optional[str]:
    """Why a SID, token or secret cannot be what Twilio issued, without showing it or its length."""
    if not _TOKEN_CHARACTERS.fullmatch(value):
        return (f"{names(key)} contains a space, an invisible or a non-ASCII character (often from "
                "copying it out of a web page or a document); re-type or re-copy it. The value is not shown")
    if key in _SID_PATTERNS and not re.fullmatch(_SID_PATTERNS[key][1], value):
        prefix = _SID_PATTERNS[key][0]
        what = "an Account SID" if key == "accountSid" else "an API key SID"
        return f"{names(key)} must be {what}: '{prefix}' followed by 32 hex characters"
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


def env_where(namespace: str, *keys: str) -> str:
    """Where a setting comes from when only the environment is read (``export``): its variables."""
    return " + ".join(env_name(namespace, k) for k in keys)


KeyNames = Callable[..., str]
"""How messages name config keys: ``names("baseUrl")`` -> ``twilio:baseUrl (or TWILIO_CONVERSATIONS_BASE_URL)``."""
DEFAULT_NAMES: KeyNames = functools.partial(where, DEFAULT_NAMESPACE)
"""The default namespace's key names, for callers that have no ``ProviderSettings.names``."""


# --------------------------------------------------------------------------------------------------
# Keys set in the namespace that the provider does not read

SHARED_NAMESPACE_KEYS = frozenset({"username", "password", "subaccountSid"})
"""Keys other Pulumi providers read from the ``twilio`` namespace, so never taken for a misspelling of
ours: lbrlabs/pulumi-twilio (the bridged Terraform provider, package ``twilio``; its schema's
``config.variables``: accountSid, edge, password, region, username) and twilio/terraform-provider-twilio
(provider.go: subaccount_sid, which a bridge spells subaccountSid)."""

_NEAR_MISS_CUTOFF = 0.8
"""difflib's ratio above which a key counts as a misspelling of one of ours: ``acountSid``, ``readTimout``,
``baseUri`` and ``edg`` are near; ``token``, ``timeout`` (which of two?) and ``accountName`` are not."""


def _folded(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


@functools.lru_cache(maxsize=1)
def _spellings() -> dict[str, str]:
    """Every spelling of a key that differs only in case or separators -> the key: ``accountsid``,
    ``account_sid`` and ``TWILIO_ACCOUNT_SID`` (its variable) all fold to one of these."""
    found: dict[str, str] = {}
    for key, suffix in CONFIG_KEYS.items():
        for spelling in (key, suffix, f"{DEFAULT_NAMESPACE}_{suffix}"):
            found[_folded(spelling)] = key
    return found


def near_miss(key: str) -> Optional[str]:
    """The config key a key set in our namespace probably meant, or None: ``accountSID`` ->
    ``accountSid``. None for a key of ours, a key another provider reads from the same namespace
    (SHARED_NAMESPACE_KEYS), and a key like none of ours."""
    if key in CONFIG_KEYS or key in SHARED_NAMESPACE_KEYS:
        return None
    folded = _folded(key)
    spellings = _spellings()
    if folded in spellings:
        return spellings[folded]
    close = difflib.get_close_matches(folded, [_folded(k) for k in CONFIG_KEYS], n=1, cutoff=_NEAR_MISS_CUTOFF)
    return spellings[close[0]] if close else None


def unknown_key_problems(keys: Iterable[str], namespace: str, strict: bool = False,
                         provider: Optional[str] = None) -> list[str]:
    """Why keys set in ``namespace`` (given without it) are not what the user meant, naming the fix.

    A near-miss of one of ours (``near_miss``) is always a problem: the value is silently not used. Any
    other unknown key is one only when ``strict``: the native plugin's namespace is its package's own
    (the engine sends it only that package's keys, pkg/resource/deploy/target.go GetPackageConfig), as
    bridged providers refuse any unknown key in theirs (pulumi-terraform-bridge
    pkg/tfbridge/check_failures.go formatDefaultProviderInvalidKey). The dynamic resource's ``twilio``
    namespace is shared with other providers (SHARED_NAMESPACE_KEYS) and, in a project named
    ``twilio``, with the project's own config, so an unrelated key there is left alone.

    ``provider``: the name of an explicit provider resource, whose settings are its arguments rather
    than stack config.
    """
    problems = []
    for key in sorted(set(keys)):
        if key in CONFIG_KEYS:
            continue
        meant = near_miss(key)
        if meant is None and not strict:
            continue
        shown = safe_name(key)
        if provider is not None:
            where_set = f"provider {safe_name(provider)!r}: argument {shown!r}"
            fix = (f"did you mean {meant!r}? Rename the argument" if meant
                   else f"its settings are {', '.join(CONFIG_KEYS)}; remove the argument")
        else:
            where_set = f"{namespace}:{shown}"
            secret = " --secret" if meant in SECRET_KEYS else ""
            fix = (f"did you mean {namespace}:{meant}? Rename it: `pulumi config rm {namespace}:{shown}`, then "
                   f"`pulumi config set{secret} {namespace}:{meant} <value>`" if meant
                   else f"its settings are {', '.join(CONFIG_KEYS)}; remove it with `pulumi config rm "
                        f"{namespace}:{shown}` (a value for another program belongs in another namespace)")
        problems.append(f"{where_set} is not a setting of this provider, so its value is not used: {fix}")
    return problems


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
    names: KeyNames = field(default=DEFAULT_NAMES, compare=False)
    """How messages name this front end's config keys (``twilio-eu:baseUrl (or TWILIO_EU_...)``)."""
    key_problems: tuple[str, ...] = ()
    """Keys set in the namespace that the provider does not read (``unknown_key_problems``): a failure
    at check, where the program can still be fixed, but no reason to refuse a refresh or destroy."""

    @property
    def failure(self) -> Optional[str]:
        """The problems as both front ends report them at check, or None."""
        problems = ([self.problem] if self.problem else []) + list(self.key_problems)
        return f"Twilio provider settings: {'; '.join(problems)}" if problems else None

    def usable(self) -> tuple[Credentials, HttpSettings]:
        """The credentials and HTTP settings; ProviderConfigError when they are not usable."""
        if self.problem or self.credentials is None or self.http is None:
            raise ProviderConfigError(f"Twilio provider settings: {self.problem}")
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


def resolve(config: Mapping[str, Any], namespace: str, env: Mapping[str, str],
            from_config: bool = True) -> ProviderSettings:
    """Credentials and HTTP settings for ``namespace``; never raises, reports a ``problem`` instead.

    ``config`` may hold other keys of the namespace than the provider's (the dynamic provider's Configure
    gets the whole stack config): those that look like misspellings of ours become ``key_problems``
    (``unknown_key_problems``). ``from_config=False``: only the environment is read (``export``), and
    the messages name only environment variables.
    """
    names: KeyNames = functools.partial(where if from_config else env_where, namespace)
    get = {key: _lookup(config, env, namespace, key) for key in CONFIG_KEYS}
    problems: list[str] = []

    credentials: Optional[Credentials] = None
    if get["apiKey"] or get["apiSecret"]:
        if not (get["apiKey"] and get["apiSecret"]):
            missing = "apiSecret" if get["apiKey"] else "apiKey"
            problems.append(f"an API key needs both parts: set {names(missing)}")
        else:
            found = [p for k in ("apiKey", "apiSecret") if (p := _credential_problem(names, k, get[k] or ""))]
            problems.extend(found)
            if not found:
                credentials = Credentials(get["apiKey"], get["apiSecret"], hint=names("apiKey", "apiSecret"))
    elif get["accountSid"] and get["authToken"]:
        found = [p for k in ("accountSid", "authToken") if (p := _credential_problem(names, k, get[k] or ""))]
        problems.extend(found)
        if not found:
            credentials = Credentials(get["accountSid"], get["authToken"], hint=names("accountSid", "authToken"))
    else:
        missing_keys = [k for k in ("accountSid", "authToken") if not get[k]]
        secret = f" (authToken as a secret: pulumi config set --secret {namespace}:authToken)" if from_config else ""
        problems.append(
            f"no Twilio credentials: set {names(*missing_keys)}{secret}, "
            f"or an API key with {names('apiKey', 'apiSecret')}"
        )

    http: Optional[HttpSettings] = None
    try:
        if get["baseUrl"]:
            base_url = check_base_url(get["baseUrl"])
        else:
            region_key, edge_key = ((f"{namespace}:region", f"{namespace}:edge") if from_config
                                    else (env_name(namespace, "region"), env_name(namespace, "edge")))
            try:
                base_url = regional_base_url(get["region"], get["edge"], region_key=region_key, edge_key=edge_key)
            except ValueError as err:
                raise ValueError(f"{err} (from {names('region', 'edge')})") from None
        numbers: dict[str, Any] = {}
        for key in _NUMBERS:
            raw = get[key]
            if raw is not None:
                numbers[snake_key(key)] = _number(names, key, raw)
        http = HttpSettings(base_url=base_url, **numbers)
    except ValueError as err:
        problems.append(f"{err} ({names('baseUrl')})" if "base URL" in str(err) else str(err))

    prefix = f"{namespace}:"
    keys_set = [key[len(prefix):] for key in config if isinstance(key, str) and key.startswith(prefix)]
    return ProviderSettings(namespace, credentials, http, "; ".join(problems) or None, names,
                            tuple(unknown_key_problems(keys_set, namespace)))
