"""Pulumi resources for a Twilio Conversations push set-up: Services, push Credentials and their
notification settings.

Example::

    from pulumi_twilio_conversations import Credential, NewMessage, Service, ServiceNotifications

    fcm = Credential("android", type="fcm", secret=pulumi.Config().require_secret("fcmKey"))
    svc = Service("support", friendly_name="support-dev")
    ServiceNotifications("support-push", chat_service_sid=svc.sid,
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
from .dynamic.resources import Credential, Service
from .provider import CredentialProvider, ServiceNotificationsProvider, ServiceProvider

__all__ = [
    "AddedToConversation",
    "Credential",
    "CredentialProvider",
    "NewMessage",
    "NotificationSettings",
    "RemovedFromConversation",
    "Service",
    "ServiceNotifications",
    "ServiceNotificationsError",
    "ServiceNotificationsProvider",
    "ServiceProvider",
    "SettingsError",
    "TwilioError",
    "WithMedia",
    "__version__",
]
