"""One program for every environment: each stack's Pulumi.<stack>.yaml holds its account and settings."""

import pulumi
from rules import stack_problems

from pulumi_twilio_conversations import AddedToConversation, NewMessage, ServiceNotifications

config = pulumi.Config()
template = config.get("newMessageTemplate") or "${PARTICIPANT}: ${MESSAGE}"
badge_count = config.get_bool("badgeCount") or False

problems = stack_problems(pulumi.get_stack(), badge_count, template)
if problems:
    # RunError: the preview fails with this message alone, no traceback.
    raise pulumi.RunError("stack rules broken:\n  " + "\n  ".join(problems))

push = ServiceNotifications(
    "support-push",
    chat_service_sid=config.require("serviceSid"),
    log_enabled=config.get_bool("logEnabled") or False,
    new_message=NewMessage(enabled=True, template=template, badge_count_enabled=badge_count),
    added_to_conversation=AddedToConversation(enabled=True, template="You joined ${CONVERSATION}"),
)

pulumi.export("account_sid", push.account_sid)
pulumi.export("new_message", push.new_message)
