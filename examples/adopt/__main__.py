"""Adopted settings: everything below the marker is the output of

    python -m pulumi_twilio_conversations export ISadadadadadadadadadadadadadadadad --settings-only --name support-push

pasted as is (tests/test_examples.py checks that it still is exactly what export prints).
"""

# --- pasted from export ---
from pulumi_twilio_conversations import AddedToConversation, NewMessage, ServiceNotifications

ServiceNotifications(
    "support-push",
    chat_service_sid="ISadadadadadadadadadadadadadadadad",
    log_enabled=True,
    new_message=NewMessage(
        enabled=True,
        template="${PARTICIPANT} wrote in ${CONVERSATION}: ${MESSAGE}",
        sound="default",
        badge_count_enabled=True,
    ),
    added_to_conversation=AddedToConversation(
        enabled=True,
        template="Welcome to ${CONVERSATION}",
    ),
)
