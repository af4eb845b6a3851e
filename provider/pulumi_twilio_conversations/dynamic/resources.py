"""The ``Service`` and ``Credential`` resources that Pulumi programs declare, beside ``ServiceNotifications``.

Both are thin: their inputs are checked by their core declaration (core/service.py, core/credential.py)
when the program builds them (plain values; Outputs once known, by the provider's Check), and their
calls are the core's. What is added here is what only a program can do:

- ``Credential``: its secrets are secret in the state. Each one the program gives in plain is wrapped in
  ``pulumi.Output.secret``, so the stored *inputs* are encrypted; ``additional_secret_outputs`` does the
  same for the outputs (the engine encrypts the properties it names, sdk/python/lib/pulumi/resource.py
  ResourceOptions.additional_secret_outputs).
- ``Service``: Pulumi's ``protect`` option is on while ``deletion_protection`` is (unless the program sets
  ``protect`` itself). The engine refuses to delete a protected resource, for a destroy at its preview,
  before any delete has run (pkg/resource/deploy/step.go DeleteStep.Apply checks ``Protect`` before the
  dry-run check), and a replace at step generation (step_generator.go); a provider is never called for a
  delete during a preview.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn, Optional

import pulumi
from pulumi import dynamic

from ..core.config import DEFAULT_NAMESPACE
from ..core.models import In, SettingsError, _is_deferred
from ..core.resource import ResourceType
from ..core.validation import report
from .provider import CredentialProvider, ServiceProvider, TwilioResourceProvider
from .resource import _keyword_hint


def _checked(kind: ResourceType, resource_name: str, given: Mapping[str, Any], unknown: Mapping[str, Any],
             opts: Optional[pulumi.ResourceOptions], adopt: str) -> None:
    """The program's inputs checked now (Outputs pass, the provider's Check sees their values): a
    mistake is one SettingsError naming the resource, the field and the fix; a secret is never quoted.
    ``adopt``: what to do instead of the ``import_`` option, which cannot work here."""
    opts_import = adopt if opts is not None and opts.import_ is not None else ""
    if opts_import:
        raise SettingsError(
            f"{kind.name} {resource_name!r}: the import_ option cannot work for a dynamic resource (the engine's "
            f"import calls Read without the provider, pulumi/pulumi#16175). {opts_import}")
    values = {k: v for k, v in given.items() if v is not None}
    # An Output given to a misspelt keyword is named too: validation passes deferred values by.
    _, problems = kind.validate({**values, **{k: None if _is_deferred(v) else v for k, v in unknown.items()}})
    problems = [_keyword_hint(p) for p in problems]
    if problems:
        raise SettingsError(report(f"{kind.name} {resource_name!r}", problems))


def _register(resource: dynamic.Resource, provider: TwilioResourceProvider, resource_name: str,
              props: dict[str, Any], opts: Optional[pulumi.ResourceOptions]) -> None:
    kind = provider.resource
    props = {k: v for k, v in props.items() if v is not None}
    for name in kind.secret_inputs:  # encrypted in the state's inputs too, however the program gave them
        if name in props and not _is_deferred(props[name]):
            props[name] = pulumi.Output.secret(props[name])
    # Every output registered (None), so that it is an attribute of the resource.
    for name in (*kind.output_only, *kind.inputs.model_fields):
        props.setdefault(name, None)
    secret_outputs = pulumi.ResourceOptions(additional_secret_outputs=sorted(kind.secret_inputs))
    dynamic.Resource.__init__(resource, provider, resource_name, props,
                              pulumi.ResourceOptions.merge(opts, secret_outputs))


class Service(dynamic.Resource, module="twilio", name="Service"):
    """A Twilio Conversations Service: conversations, their participants and messages, and their push settings.

    Deleting a service deletes every conversation, message and participant in it, and nothing brings them
    back: ``deletion_protection`` (true unless set false) makes a destroy, a removal from the program and a
    rename (a new ``friendly_name`` replaces the service) fail at preview, before anything is deleted.

    Example::

        svc = Service("support", friendly_name=f"support-{pulumi.get_stack()}")
        ServiceNotifications("support-push", chat_service_sid=svc.sid, new_message=NewMessage(enabled=True))

    To take over a service made elsewhere, give its SID as ``adopt_sid`` (the ``export`` command prints the
    declaration); to let go of one without deleting it, use ``ResourceOptions(retain_on_delete=True)``.
    """

    sid: pulumi.Output[str]
    """The service's SID (``IS...``): the ``chat_service_sid`` of its ``ServiceNotifications``."""
    account_sid: pulumi.Output[str]
    friendly_name: pulumi.Output[str]
    deletion_protection: pulumi.Output[bool]
    date_created: pulumi.Output[str]
    date_updated: pulumi.Output[str]
    url: pulumi.Output[str]
    links: pulumi.Output[dict[str, str]]

    def __init__(
        self,
        resource_name: str,
        *,
        friendly_name: In[str],
        deletion_protection: Optional[In[bool]] = None,
        adopt_sid: Optional[In[str]] = None,
        config_namespace: str = DEFAULT_NAMESPACE,
        opts: Optional[pulumi.ResourceOptions] = None,
        **unknown: NoReturn,
    ) -> None:
        """Declare a service; plain values are checked here, Outputs once they resolve.

        :param friendly_name: the name, up to 256 characters; a new one replaces the service.
        :param deletion_protection: refuse to delete or replace it (default true); set false and run
            ``pulumi up`` before a destroy or a rename.
        :param adopt_sid: an existing service (``IS...``) to take over instead of creating one.
        :param config_namespace: stack config namespace holding this account's credentials.
        :raises SettingsError: an input is invalid; the message names the field and the fix.
        """
        given = {"friendly_name": friendly_name, "deletion_protection": deletion_protection, "adopt_sid": adopt_sid}
        _checked(ServiceProvider.resource, resource_name, given, unknown, opts,
                 "To take the service over, set adopt_sid to its SID instead (`python -m pulumi_twilio_conversations "
                 "export IS...` prints the declaration)")
        if opts is None or opts.protect is None:
            # Plain False turns it off; an Output (not known yet) keeps the engine's protection on.
            protect = deletion_protection is not False
            opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(protect=protect))
        _register(self, ServiceProvider(config_namespace), resource_name, given, opts)


class Credential(dynamic.Resource, module="twilio", name="Credential"):
    """A push credential: what Twilio needs to send notifications through Apple (``apn``), Firebase (``fcm``)
    or Google (``gcm``).

    ``certificate``, ``private_key``, ``api_key`` and ``secret`` are secret in the state (inputs and outputs)
    and never appear in an error. Twilio never returns them: a refresh sees ``type``, ``friendly_name`` and
    ``sandbox``, not a key replaced in the console. A new ``type`` replaces the credential.

    Example::

        cfg = pulumi.Config()
        apns = Credential("ios", type="apn", certificate=cfg.require_secret("apnsCert"),
                          private_key=cfg.require_secret("apnsKey"), sandbox=pulumi.get_stack() != "prod")
        fcm = Credential("android", type="fcm", secret=cfg.require_secret("fcmKey"))
        pulumi.export("apnsCredentialSid", apns.sid)
    """

    sid: pulumi.Output[str]
    """The credential's SID (``CR...``): the push credential SID of the app's access tokens."""
    account_sid: pulumi.Output[str]
    type: pulumi.Output[str]
    friendly_name: pulumi.Output[str]
    sandbox: pulumi.Output[bool]
    certificate: pulumi.Output[str]
    private_key: pulumi.Output[str]
    api_key: pulumi.Output[str]
    secret: pulumi.Output[str]
    date_created: pulumi.Output[str]
    date_updated: pulumi.Output[str]
    url: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        type: In[str],
        friendly_name: Optional[In[str]] = None,
        certificate: Optional[In[str]] = None,
        private_key: Optional[In[str]] = None,
        sandbox: Optional[In[bool]] = None,
        api_key: Optional[In[str]] = None,
        secret: Optional[In[str]] = None,
        config_namespace: str = DEFAULT_NAMESPACE,
        opts: Optional[pulumi.ResourceOptions] = None,
        **unknown: NoReturn,
    ) -> None:
        """Declare a push credential; plain values are checked here, Outputs once they resolve.

        :param type: ``apn``, ``fcm`` or ``gcm``; a new one replaces the credential.
        :param certificate: apn: the certificate, PEM text. Secret.
        :param private_key: apn: its private key, PEM text, without a passphrase. Secret.
        :param sandbox: apn: the APNs sandbox (true) or production (false, the default).
        :param api_key: gcm: the project's API key. Secret.
        :param secret: fcm: the Firebase project's server key. Secret.
        :raises SettingsError: an input is invalid; the message names the field and the fix, never a secret.
        """
        given = {"type": type, "friendly_name": friendly_name, "certificate": certificate,
                 "private_key": private_key, "sandbox": sandbox, "api_key": api_key, "secret": secret}
        _checked(CredentialProvider.resource, resource_name, given, unknown, opts,
                 "Twilio never returns a credential's secrets, so there is nothing to adopt that the program does "
                 "not hold: declare the credential without import_ (a new one is created), then delete the old "
                 "one once the app uses the new SID")
        _register(self, CredentialProvider(config_namespace), resource_name, given, opts)
