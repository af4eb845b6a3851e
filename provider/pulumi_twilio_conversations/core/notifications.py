"""``ServiceNotifications``, declared: a service's push-notification settings.

``/v1/Services/{ChatServiceSid}/Configuration/Notifications`` (fetch = GET, update = POST). The pieces
it is made of: the input models (``models.NotificationSettings``), their checks
(``validation.validate_settings``) and template warnings (``templates.template_warnings``), the wire
mapping and diff (``wire``), the calls (``operations``) and the rules for a 404 (``gone``). The id is
the service SID, an input; a new SID replaces the resource; delete resets every setting to Twilio's
defaults.

Example::

    >>> SERVICE_NOTIFICATIONS.replace_on
    ('chat_service_sid',)
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from . import operations
from .client import Credentials, TwilioClient
from .models import NotificationSettings
from .resource import ResourceType
from .templates import template_warnings
from .validation import validate_settings
from .wire import changed_paths


def _create(client: TwilioClient, credentials: Credentials, props: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The id is the service SID the program names; one POST of every setting."""
    return props["chat_service_sid"], operations.create(client, credentials, props)


SERVICE_NOTIFICATIONS = ResourceType(
    name="ServiceNotifications",
    description=inspect.cleandoc(
        """Push-notification settings of one Twilio Conversations Service.

        The resource owns the service's whole notification configuration: a setting left out
        is Twilio's default, and deleting the resource resets every setting to its default.
        Import an existing service's settings with
        `pulumi import twilio-conversations:index:ServiceNotifications NAME IS...`."""
    ),
    inputs=NotificationSettings,
    required=("chat_service_sid",),
    output_only={"account_sid": "The account that owns the service.", "url": "The settings' API URL."},
    replace_on=("chat_service_sid",),
    validate=validate_settings,
    changed=changed_paths,
    replaces=operations.replaces,
    create=_create,
    read=operations.read,
    update=operations.update,
    delete=operations.delete,
    warnings=template_warnings,
)
