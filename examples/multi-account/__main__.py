"""Two Twilio accounts in one stack: each resource reads its credentials from its own namespace."""

import pulumi

from pulumi_twilio_conversations import NewMessage, ServiceNotifications

config = pulumi.Config()
settings = NewMessage(enabled=True, template="${PARTICIPANT}: ${MESSAGE}", badge_count_enabled=True)

us = ServiceNotifications("us-push", chat_service_sid=config.require("usServiceSid"), new_message=settings)
eu = ServiceNotifications(
    "eu-push",
    chat_service_sid=config.require("euServiceSid"),
    new_message=settings,
    config_namespace="twilio-eu",  # twilio-eu:accountSid, twilio-eu:authToken (or TWILIO_EU_* variables)
)

pulumi.export("us_account", us.account_sid)
pulumi.export("eu_account", eu.account_sid)
