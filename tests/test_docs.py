"""The README stays true to the code."""

from __future__ import annotations

from pathlib import Path

from pulumi_twilio_conversations import reference
from pulumi_twilio_conversations.core.config import CONFIG_KEYS, env_name

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_input_output_reference_is_current() -> None:
    expected = reference.replace_between_markers(README, reference.render())
    assert README == expected, "README is stale: run python -m pulumi_twilio_conversations.reference --write README.md"


def test_every_config_key_and_variable_is_documented() -> None:
    for key in CONFIG_KEYS:
        assert f"`twilio:{key}`" in README, key
        assert f"`{env_name('twilio', key)}`" in README, key
