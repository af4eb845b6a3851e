"""The dynamic provider: check/diff/create/read/update/delete for a service's notification settings.

It runs in the process the Pulumi engine starts (``python -m pulumi.dynamic``). The engine stores
this object, pickled by reference, in every resource's state: it carries only the config namespace,
never a credential, URL or session (those are built in memory from ``configure``).

Example (what the engine does)::

    p = ServiceNotificationsProvider()            # or ServiceNotificationsProvider("twilio-eu")
    p.configure(ConfigureRequest(config))         # stack config: twilio:accountSid, twilio:authToken, ...
    checked = p.check({}, {"chat_service_sid": "IS...", "log_enabled": True})
    p.create(checked.inputs)                      # one POST
"""

from __future__ import annotations

import base64
import functools
import os
import threading
from collections.abc import Callable
from typing import Any, Optional, TypeVar, cast

import dill
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from .client import Credentials, TwilioClient, TwilioError
from .config import CONFIG_KEYS, DEFAULT_NAMESPACE, ProviderSettings, check_namespace, resolve
from .gone import confirm_gone, missing_for_get
from .models import (
    SETTINGS_KEYS,
    MalformedResponse,
    _is_deferred,
    changed_paths,
    default_settings,
    from_api,
    to_form,
    validate_settings,
)

PROVIDER_KEY = "__provider"
_F = TypeVar("_F", bound=Callable[..., Any])


def _user_facing(method: _F) -> _F:
    """Re-raise our own errors from here, so the user sees our message under a short traceback."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except (TwilioError, ProviderConfigError) as err:
            raise err.with_traceback(None) from None

    return cast(_F, wrapper)


class ProviderConfigError(Exception):
    """The provider cannot talk to Twilio: missing credentials or a bad endpoint setting."""


class ServiceNotificationsProvider(ResourceProvider):
    """Manages ``/v1/Services/{ChatServiceSid}/Configuration/Notifications``.

    ``config_namespace`` selects where credentials come from (``twilio`` reads ``twilio:accountSid``
    and ``TWILIO_ACCOUNT_SID``); give a second Twilio account its own, such as ``twilio-eu``.
    """

    # The pickled provider holds no secret, so it need not be encrypted in state.
    serialize_as_secret_always = False

    def __init__(self, config_namespace: str = DEFAULT_NAMESPACE) -> None:
        super().__init__()
        self.config_namespace = check_namespace(config_namespace)

    # Only the namespace is pickled into state: a session, lock or credential never is.
    def __getstate__(self) -> dict[str, Any]:
        return {"config_namespace": self.config_namespace}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.config_namespace = state["config_namespace"]

    # ------------------------------------------------------------------ configuration

    def configure(self, req: ConfigureRequest) -> None:
        ns = self.config_namespace
        config = {f"{ns}:{key}": req.config.get(f"{ns}:{key}") for key in CONFIG_KEYS}
        self.__dict__["_settings"] = resolve(config, ns, os.environ)

    def _resolved(self) -> ProviderSettings:
        settings: Optional[ProviderSettings] = self.__dict__.get("_settings")
        if settings is None:  # an engine too old to send Configure: the environment alone
            settings = resolve({}, self.config_namespace, os.environ)
            self.__dict__["_settings"] = settings
        return settings

    def _connection(self) -> tuple[TwilioClient, Credentials]:
        settings = self._resolved()
        if settings.problem or settings.credentials is None or settings.http is None:
            raise ProviderConfigError(f"Twilio provider settings: {settings.problem}")
        lock = self.__dict__.setdefault("_lock", threading.Lock())
        with lock:
            client: Optional[TwilioClient] = self.__dict__.get("_client")
            if client is None:
                client = TwilioClient(settings.http)
                self.__dict__["_client"] = client
        return client, settings.credentials

    # ------------------------------------------------------------------ lifecycle

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate and fill defaults. No HTTP call; unknown (preview) values pass through."""
        props = {k: v for k, v in news.items() if k != PROVIDER_KEY}
        inputs, problems = validate_settings(props)
        failures = [CheckFailure(p.field, p.reason) for p in problems]
        settings = self._resolved()
        if settings.problem:
            failures.append(CheckFailure("", f"Twilio provider settings: {settings.problem}"))
        if failures:
            return CheckResult(props, failures)
        # Template warnings are the program's (resource.py): there they become warnings on the resource.
        return CheckResult(inputs, [])

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Compare the live outputs (olds) with the checked inputs, field by field. No HTTP call."""
        new_sid = news.get("chat_service_sid")
        old_sid = olds.get("chat_service_sid") or id_
        replaces = []
        if _is_deferred(new_sid) or str(new_sid).lower() != str(old_sid).lower():
            replaces.append("chat_service_sid")
        changed = changed_paths(olds, news)
        # A new config namespace changes no setting, but read and delete must use its credentials
        # from now on: an update (with no HTTP call) stores the new provider in the state.
        moved = _namespace_of(olds.get(PROVIDER_KEY)) not in (None, self.config_namespace)
        return DiffResult(
            changes=bool(replaces or changed or moved), replaces=replaces, delete_before_replace=False
        )

    @_user_facing
    def create(self, props: dict[str, Any]) -> CreateResult:
        """One POST of the complete desired settings."""
        sid = props["chat_service_sid"]
        outs = self._post(sid, "create", to_form(props))
        return CreateResult(sid, outs)

    @_user_facing
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """One GET. Returns inputs equal to the live settings, so a refresh records drift as such.

        A refresh hands over the outputs this provider wrote (with ``account_sid`` and ``url``); a
        ``ServiceNotifications.get`` only the program's properties (step.go ReadStep.Apply sends them as
        both inputs and state). A service Twilio cannot find drops a refreshed resource only when it is
        really gone (see gone.py); a ``get`` of it fails, naming the SID and the account.
        """
        client, credentials = self._connection()
        try:
            body = client.fetch(id_, credentials)
        except TwilioError as err:
            if not _written_by_provider(props):
                raise missing_for_get(err, client, credentials) from None
            confirm_gone(err, client, credentials, props.get("account_sid"))
            return ReadResult("", {})
        outs = _outputs(id_, body, "read")
        inputs = {key: outs[key] for key in SETTINGS_KEYS}
        inputs["chat_service_sid"] = id_
        return ReadResult(id_, outs, inputs)

    @_user_facing
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """One POST carrying only the settings that differ from the live ones."""
        changed = changed_paths(olds, news)
        if not changed:
            return UpdateResult({k: v for k, v in olds.items() if k != PROVIDER_KEY})
        return UpdateResult(self._post(id_, "update", to_form(news, only=changed)))

    @_user_facing
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """One POST that resets every setting to Twilio's default; a service really gone is fine."""
        client, credentials = self._connection()
        try:
            client.update(id_, credentials, to_form(default_settings()), "reset")
        except TwilioError as err:
            confirm_gone(err, client, credentials, props.get("account_sid"))

    def _post(self, sid: str, operation: str, form: dict[str, str]) -> dict[str, Any]:
        client, credentials = self._connection()
        body = client.update(sid, credentials, form, operation)
        return _outputs(sid, body, operation)


def _written_by_provider(props: dict[str, Any]) -> bool:
    """True for the outputs of create, update or read (refresh); False for a program's properties (get)."""
    return bool(props.get("url") or props.get("account_sid"))


def _namespace_of(serialized: Any) -> Optional[str]:
    """The config namespace recorded in a serialized provider, or None when it cannot be read."""
    if not isinstance(serialized, str):
        return None
    try:
        provider = dill.loads(base64.b64decode(serialized))
    except Exception:  # an unreadable old provider only means we cannot compare namespaces
        return None
    namespace = getattr(provider, "config_namespace", None)
    return namespace if isinstance(namespace, str) else None


def _outputs(sid: str, body: dict[str, Any], operation: str) -> dict[str, Any]:
    try:
        outs = from_api(body)
    except MalformedResponse as err:
        raise TwilioError(operation, sid, 200, None, f"unexpected response: {err}") from None
    outs["chat_service_sid"] = outs["chat_service_sid"] or sid
    return outs

