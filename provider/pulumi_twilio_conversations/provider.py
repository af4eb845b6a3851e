"""Where existing stacks find the dynamic provider: ``pulumi_twilio_conversations.provider``.

The engine stores every dynamic resource's provider pickled *by reference*, as this module path and
the class name. The class lives in ``dynamic/provider.py``; it keeps this path as its ``__module__``
so that state written by any version, and every new one, names the same place.
"""

from .core.config import ProviderConfigError
from .dynamic.provider import PROVIDER_KEY, CredentialProvider, ServiceNotificationsProvider, ServiceProvider

__all__ = ["PROVIDER_KEY", "CredentialProvider", "ProviderConfigError", "ServiceNotificationsProvider",
           "ServiceProvider"]
