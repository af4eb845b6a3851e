"""The dynamic providers: check/diff/create/read/update/delete, generic over a core declaration
(``ServiceNotificationsProvider``, ``ServiceProvider``, ``CredentialProvider``).

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
import os
import sys
import threading
from collections.abc import Mapping
from typing import Any, ClassVar, Optional

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

from ..core.client import Credentials, TwilioClient
from ..core.config import (
    CONFIG_KEYS,
    DEFAULT_NAMESPACE,
    ProviderSettings,
    check_namespace,
    resolve,
)
from ..core.credential import CREDENTIAL
from ..core.notifications import SERVICE_NOTIFICATIONS
from ..core.resource import ResourceType
from ..core.service import SERVICE
from . import errors

PROVIDER_KEY = "__provider"

# Inside the engine's `python -m pulumi.dynamic`, this module is imported while the first call unpickles
# the provider: from then on that server shows our errors as their message, without a stack (errors.py).
errors.install(sys.modules.get("__main__"))


class TwilioResourceProvider(ResourceProvider):
    """The dynamic provider of one resource type (``resource``, a core declaration): every method is
    generic over it.

    ``config_namespace`` selects where credentials come from (``twilio`` reads ``twilio:accountSid``
    and ``TWILIO_ACCOUNT_SID``); give a second Twilio account its own, such as ``twilio-eu``.
    """

    resource: ClassVar[ResourceType]

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
        # The keys set in the namespace, so that resolve names the ones that look like misspellings of
        # ours: the engine sends a dynamic provider the whole stack config, every key with its namespace
        # (pkg/resource/deploy/target.go GetPackageConfig), and pulumi.dynamic.config.Config keeps it as
        # ``_props``, which it offers no public way to list (pulumi/dynamic/config.py, unchanged since
        # it was added, pulumi/pulumi#17673).
        raw = getattr(req.config, "_props", None)
        if isinstance(raw, Mapping):
            config.update({key: None for key in raw if isinstance(key, str) and key.startswith(f"{ns}:")
                           and key not in config})
        self.__dict__["_settings"] = resolve(config, ns, os.environ)

    def _resolved(self) -> ProviderSettings:
        settings: Optional[ProviderSettings] = self.__dict__.get("_settings")
        if settings is None:  # an engine too old to send Configure: the environment alone
            settings = resolve({}, self.config_namespace, os.environ)
            self.__dict__["_settings"] = settings
        return settings

    def _connection(self) -> tuple[TwilioClient, Credentials]:
        credentials, http = self._resolved().usable()
        lock = self.__dict__.setdefault("_lock", threading.Lock())
        with lock:
            client: Optional[TwilioClient] = self.__dict__.get("_client")
            if client is None:
                client = TwilioClient(http)
                self.__dict__["_client"] = client
        return client, credentials

    # ------------------------------------------------------------------ lifecycle

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate and fill defaults, and check the change from the old inputs (a protected service's
        rename). No HTTP call; unknown (preview) values pass through."""
        props = {k: v for k, v in news.items() if k != PROVIDER_KEY}
        inputs, problems = self.resource.check({k: v for k, v in (olds or {}).items() if k != PROVIDER_KEY}, props)
        failures = [CheckFailure(p.field, p.reason) for p in problems]
        failure = self._resolved().failure
        if failure:
            failures.append(CheckFailure("", failure))
        if failures:
            return CheckResult(props, failures)
        # Template warnings are the program's (dynamic/resource.py): there they become warnings on the resource.
        return CheckResult(inputs, [])

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Compare the live outputs (olds) with the checked inputs, field by field. No HTTP call."""
        replaces = list(self.resource.replace_on) if self.resource.replaces(id_, olds, news) else []
        changed = self.resource.changed(olds, news)
        # A new config namespace changes no setting, but read and delete must use its credentials
        # from now on: an update (with no HTTP call) stores the new provider in the state.
        moved = _namespace_of(olds.get(PROVIDER_KEY)) not in (None, self.config_namespace)
        return DiffResult(changes=bool(replaces or changed or moved), replaces=replaces,
                          delete_before_replace=self.resource.delete_first(olds))

    def create(self, props: dict[str, Any]) -> CreateResult:
        """The resource's create (ServiceNotifications: one POST of every setting; a Service or Credential:
        one POST to its list, sent once)."""
        client, credentials = self._connection()
        return CreateResult(*self.resource.create(client, credentials, props))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """One GET. Returns inputs equal to the live settings, so a refresh records drift as such.

        A refresh hands over the outputs this provider wrote (with ``account_sid`` and ``url``); a
        ``ServiceNotifications.get`` only the program's properties (step.go ReadStep.Apply sends them as
        both inputs and state). A service Twilio cannot find drops a refreshed resource only when it is
        really gone (see gone.py); a ``get`` of it fails, naming the SID and the account.
        """
        client, credentials = self._connection()
        found = self.resource.read(client, credentials, id_, props, self._resolved().names)
        if found is None:
            return ReadResult("", {})
        outs, inputs = found
        return ReadResult(id_, outs, inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """One POST carrying only the inputs that differ from the live ones (none when nothing Twilio keeps
        changed, such as a Service's deletion_protection)."""
        changed = self.resource.changed(olds, news)
        if not changed:  # no request at all
            return UpdateResult({k: v for k, v in olds.items() if k != PROVIDER_KEY})
        client, credentials = self._connection()
        olds = {k: v for k, v in olds.items() if k != PROVIDER_KEY}
        return UpdateResult(self.resource.update(client, credentials, id_, olds, news, changed))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """The resource's delete (ServiceNotifications: a reset to Twilio's defaults; a Service: refused
        while deletion protection is on); one already gone is fine."""
        client, credentials = self._connection()
        self.resource.delete(client, credentials, id_, props, self._resolved().names)


class ServiceNotificationsProvider(TwilioResourceProvider):
    """Manages ``/v1/Services/{ChatServiceSid}/Configuration/Notifications`` (core/notifications.py)."""

    resource = SERVICE_NOTIFICATIONS


class ServiceProvider(TwilioResourceProvider):
    """Manages ``/v1/Services/{Sid}``: Conversations Services, with deletion protection (core/service.py)."""

    resource = SERVICE


class CredentialProvider(TwilioResourceProvider):
    """Manages ``/v1/Credentials/{Sid}``: push credentials (core/credential.py)."""

    resource = CREDENTIAL


# Pickled by reference into every resource's state: keep the path existing stacks recorded (provider.py).
for _provider in (ServiceNotificationsProvider, ServiceProvider, CredentialProvider):
    _provider.__module__ = "pulumi_twilio_conversations.provider"


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


