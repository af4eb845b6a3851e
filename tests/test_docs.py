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


def section(heading: str) -> str:
    """The README's text under ``heading`` (a whole heading line), up to the next heading of the same or a
    higher level; lines in code blocks are never headings."""
    level = len(heading) - len(heading.lstrip("#"))
    lines, inside, fenced = [], False, False
    for line in README.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        is_heading = not fenced and line.startswith("#")
        if is_heading and inside and len(line) - len(line.lstrip("#")) <= level:
            break
        if inside:
            lines.append(line)
        inside = inside or line == heading
    assert lines, f"no section {heading!r} in README.md"
    return "\n".join(lines)


def test_install_and_migration_say_a_python_project_needs_its_dependency_file() -> None:
    """`pulumi package add` links the SDK into requirements.txt (pip) or pyproject.toml (uv, poetry) and stops
    when there is neither (sdk/python/cmd/pulumi-language-python/main.go Link, sdk/python/toolchain/pip.go)."""
    install = section("#### From a checkout")
    migration = section("### Migrating a stack from the dynamic resource")
    for text in (install, migration):
        assert "requirements.txt" in text and "pyproject.toml" in text
    words = " ".join(install.split())  # the CLI's own words, as a user searching for them finds them
    assert "error: linking package: no pyproject.toml or requirements.txt found" in words
    assert "error opening requirements.txt" in words
    assert "touch requirements.txt" in migration.split("pulumi package add", 1)[0]  # before the add
