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


def test_every_config_key_and_variable_is_documented() -> None:
    for key in CONFIG_KEYS:
        assert f"`twilio:{key}`" in README, key
        assert f"`{env_name('twilio', key)}`" in README, key
