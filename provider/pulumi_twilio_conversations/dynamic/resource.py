"""The ``ServiceNotifications`` resource that Pulumi programs declare."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any, NoReturn, Optional, Union

import pulumi
from pulumi import dynamic
from pydantic import BaseModel

from ..core.config import DEFAULT_NAMESPACE
from ..core.messages import Problem
from ..core.models import (
    AddedToConversation,
    In,
    NewMessage,
    RemovedFromConversation,
    SettingsError,
    _is_deferred,
    fields_of,
)
from ..core.templates import template_warnings
from ..core.validation import report, validate_settings
from .provider import ServiceNotificationsProvider

_KEYWORDS = ("config_namespace", "opts")
"""The constructor's keywords that are not settings: a near miss of one is named too."""


def _keyword_hint(problem: Problem) -> Problem:
    """An unknown field that is a near miss of a constructor keyword (``confg_namespace``), said so."""
    if "." in problem.field or not problem.reason.startswith("unknown field"):
        return problem
    close = difflib.get_close_matches(problem.field, _KEYWORDS, n=1)
    if not close:
        return problem
    return Problem(problem.field, f"unknown keyword '{problem.field}': did you mean '{close[0]}'?")


class ServiceNotificationsError(SettingsError):
    """Inputs that Twilio would reject or that would silently do the wrong thing.

    A ``SettingsError`` (so a ``pulumi.RunError``): the program stops with this message alone.
    """


def _as_input(value: Any) -> Any:
    """Models become plain dicts (keeping Outputs inside); omitted fields are left out."""
    if isinstance(value, pulumi.Output) or _is_deferred(value):
        return value
    if isinstance(value, BaseModel):
        value = fields_of(value)
    if isinstance(value, Mapping):
        return {k: _as_input(v) for k, v in value.items() if v is not None}
    return value


class ServiceNotifications(dynamic.Resource, module="twilio", name="ServiceNotifications"):
    """Push-notification settings of one Twilio Conversations Service.

    The resource owns the service's whole notification configuration: a setting left out of the
    program is Twilio's default, and destroying the resource resets every setting to its default.

    Example::

        ServiceNotifications(
            "support-push",
            chat_service_sid="IS0123456789abcdef0123456789abcdef",
            new_message=NewMessage(enabled=True, template="${PARTICIPANT}: ${MESSAGE}", sound="ring"),
            added_to_conversation=AddedToConversation(enabled=True),
        )
    """

    account_sid: pulumi.Output[str]
    """The account that owns the service."""
    chat_service_sid: pulumi.Output[str]
    """The Conversations Service SID; also the resource's id."""
    log_enabled: pulumi.Output[bool]
    new_message: pulumi.Output[dict[str, Any]]
    """``{enabled, template, sound, badge_count_enabled, with_media: {enabled, template}}``"""
    added_to_conversation: pulumi.Output[dict[str, Any]]
    """``{enabled, template, sound}``"""
    removed_from_conversation: pulumi.Output[dict[str, Any]]
    """``{enabled, template, sound}``"""
    url: pulumi.Output[str]
    """The settings' API URL."""

    def __init__(
        self,
        resource_name: str,
        *,
        chat_service_sid: In[str],
        log_enabled: Optional[In[bool]] = None,
        new_message: Optional[In[Union[NewMessage, Mapping[str, Any]]]] = None,
        added_to_conversation: Optional[In[Union[AddedToConversation, Mapping[str, Any]]]] = None,
        removed_from_conversation: Optional[In[Union[RemovedFromConversation, Mapping[str, Any]]]] = None,
        config_namespace: str = DEFAULT_NAMESPACE,
        opts: Optional[pulumi.ResourceOptions] = None,
        **unknown: NoReturn,
    ) -> None:
        """Declare the settings; plain values are validated here, Outputs once they resolve.

        A misspelt keyword (``new_mesage=``) is an error naming the field meant, as in a dict; type
        checkers flag it too (``**unknown`` takes no value of any type).

        :param chat_service_sid: the service (``IS`` + 32 hex), a string or an Output of one.
        :param config_namespace: stack config namespace holding this account's credentials
            (``twilio`` by default; for example ``twilio-eu`` for a second account).
        :raises ServiceNotificationsError: an input is invalid; the message names the field and the fix.
        """
        props: dict[str, Any] = {
            "chat_service_sid": chat_service_sid,
            "log_enabled": log_enabled,
            "new_message": new_message,
            "added_to_conversation": added_to_conversation,
            "removed_from_conversation": removed_from_conversation,
        }
        if opts is not None and opts.import_ is not None:
            # The engine's ImportStep calls Read with neither inputs nor state (pkg/resource/deploy/step.go
            # ImportStep.Apply), so the dynamic-provider server cannot find this provider (pulumi/pulumi#16175).
            raise ServiceNotificationsError(
                f"ServiceNotifications {resource_name!r}: the import_ option cannot work for this dynamic "
                "resource (pulumi/pulumi#16175). To adopt the live settings, print them as a declaration with "
                f"`python -m pulumi_twilio_conversations export {opts.import_}` and paste it in place of this "
                "one (without import_); the first `pulumi up` then changes nothing"
            )
        reading = opts is not None and opts.id is not None  # ServiceNotifications.get: the live settings decide
        if unknown or not reading:
            # Before anything walks the inputs: validation bounds their nesting first.
            # A misspelt keyword is reported even as None: the value was meant for another field.
            # An Output given to a misspelt keyword is named too: validation passes deferred values by.
            extra: dict[str, Any] = dict(unknown)
            given = {**({} if reading else {k: v for k, v in props.items() if v is not None}),
                     **{k: None if _is_deferred(v) else v for k, v in extra.items()}}
            _, problems = validate_settings(given, require_sid=not reading)
            problems = [_keyword_hint(p) for p in problems]
            if problems:
                raise ServiceNotificationsError(report(f"ServiceNotifications {resource_name!r}", problems))
        props = {k: _as_input(v) for k, v in props.items() if v is not None}
        # Outputs computed by the provider; None registers them so they appear as attributes.
        props.update({"account_sid": None, "url": None})
        for key in ("log_enabled", "new_message", "added_to_conversation", "removed_from_conversation"):
            props.setdefault(key, None)
        super().__init__(ServiceNotificationsProvider(config_namespace), resource_name, props, opts)
        if not reading:
            self._warn_about_templates(chat_service_sid, props)

    def _warn_about_templates(self, sid: In[str], props: Mapping[str, Any]) -> None:
        """Template warnings as warnings on this resource, once the values are known.

        A dynamic provider's stderr reaches the CLI as an info line on the stack, not a warning on a
        resource (pkg/resource/plugin/plugin.go newPlugin: Diag.Infoerrf with no URN; CLI 3.144-3.145
        hide it), so the program warns, through ``pulumi.log.warn(..., resource=self)``.
        """
        settings = {k: props[k] for k in ("new_message", "added_to_conversation", "removed_from_conversation")
                    if props.get(k) is not None}

        def warn(known: list[Any]) -> list[str]:
            service, values = known
            messages = [f"ServiceNotifications of {service} {w.field}: {w.reason}" for w in template_warnings(values)]
            for message in messages:
                pulumi.log.warn(message, resource=self)
            return messages

        # Runs now for plain values, and for Outputs once they resolve (never for unknowns during preview).
        self._template_warnings: pulumi.Output[list[str]] = pulumi.Output.all(sid, settings).apply(warn)

    @staticmethod
    def get(
        resource_name: str,
        id: In[str],
        config_namespace: str = DEFAULT_NAMESPACE,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> ServiceNotifications:
        """Read an existing service's settings into the program without managing them.

        Example: ``live = ServiceNotifications.get("support", "IS0123...")``; then ``live.new_message``.
        """
        merged = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))
        return ServiceNotifications(
            resource_name, chat_service_sid=id, config_namespace=config_namespace, opts=merged
        )
