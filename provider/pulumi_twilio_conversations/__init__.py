"""Pulumi dynamic provider for the push-notification settings of a Twilio Conversations Service.

Example::

    from pulumi_twilio_conversations import ServiceNotifications, NewMessage

    ServiceNotifications("support-push",
        chat_service_sid="IS0123456789abcdef0123456789abcdef",
        new_message=NewMessage(enabled=True, template="${PARTICIPANT}: ${MESSAGE}"))
"""

from ._version import __version__
from .core.client import TwilioError
from .core.models import (
    AddedToConversation,
    NewMessage,
    NotificationSettings,
    RemovedFromConversation,
    SettingsError,
    WithMedia,
)
from .dynamic.resource import ServiceNotifications, ServiceNotificationsError
from .provider import ServiceNotificationsProvider

__all__ = [
    "AddedToConversation",
    "NewMessage",
    "NotificationSettings",
    "RemovedFromConversation",
    "ServiceNotifications",
    "ServiceNotificationsError",
    "ServiceNotificationsProvider",
    "SettingsError",
    "TwilioError",
    "WithMedia",
    "__version__",
]
