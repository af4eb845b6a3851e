"""Quickstart: the push-notification settings of one Conversations Service.

Run it against the bundled emulator with ``examples/quickstart/run.sh``, which finds the Pulumi CLI or
installs one into this checkout.
"""

import pulumi

from pulumi_twilio_conversations import (
    AddedToConversation,
    NewMessage,
    RemovedFromConversation,
    ServiceNotifications,
    WithMedia,
)

config = pulumi.Config()

push = ServiceNotifications(
    "support-push",
    chat_service_sid=config.require("serviceSid"),
    log_enabled=True,
    new_message=NewMessage(
        enabled=True,
        template="${PARTICIPANT}: ${MESSAGE}",
        sound="ring",
        badge_count_enabled=True,
        with_media=WithMedia(enabled=True, template="${PARTICIPANT} sent ${MEDIA_COUNT} files"),
    ),
    added_to_conversation=AddedToConversation(enabled=True, template="You were added to ${CONVERSATION}"),
    removed_from_conversation=RemovedFromConversation(enabled=False),
)

pulumi.export("account_sid", push.account_sid)
pulumi.export("new_message", push.new_message)
pulumi.export("added_to_conversation", push.added_to_conversation)
pulumi.export("removed_from_conversation", push.removed_from_conversation)
