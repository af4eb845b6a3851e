"""The README stays true to the code."""

from __future__ import annotations

from pathlib import Path

from pulumi_twilio_conversations import reference
from pulumi_twilio_conversations.core.config import CONFIG_KEYS, env_name

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_generated_sections_are_current() -> None:
    """The input/output reference and both config tables, as the code renders them today."""
    assert README == reference.refreshed(README), (
        "README is stale: run python -m pulumi_twilio_conversations.reference --write README.md")


def test_config_tables_state_the_defaults_the_client_uses() -> None:
    from pulumi_twilio_conversations.core.client import HttpSettings

    defaults = HttpSettings()
    assert f"| `twilio:readTimeout` | `TWILIO_READ_TIMEOUT` | Seconds to wait for an answer (restarts with every " \
           f"byte received). Default: {defaults.read_timeout:g}. |" in README
    assert f"{defaults.worst_case_seconds():g} with the defaults" in README
    assert "| `twilio-conversations:authToken` (secret) | `TWILIO_AUTH_TOKEN` |" in README


def test_every_config_key_and_variable_is_documented() -> None:
    for key in CONFIG_KEYS:
        assert f"`twilio:{key}`" in README, key
        assert f"`{env_name('twilio', key)}`" in README, key
