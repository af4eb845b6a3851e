"""The settings under watch in the drift walkthrough."""

import pulumi

from pulumi_twilio_conversations import AddedToConversation, NewMessage, ServiceNotifications

push = ServiceNotifications(
    "support-push",
    chat_service_sid=pulumi.Config().require("serviceSid"),
    log_enabled=True,
    new_message=NewMessage(enabled=True, template="${PARTICIPANT}: ${MESSAGE}", sound="ring"),
    added_to_conversation=AddedToConversation(enabled=True),
)
pulumi.export("new_message", push.new_message)
