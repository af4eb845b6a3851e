"""The README and docs/ stay true to the code, and a newcomer can find their way through them."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from pulumi_twilio_conversations import reference
from pulumi_twilio_conversations.core.config import CONFIG_KEYS, env_name
from pulumi_twilio_conversations.native.schema import PACKAGE

from conftest import MockRecorder

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
REGISTRY_PAGES = ("_index.md", "installation-configuration.md")
"""The pages the Pulumi Registry renders from a provider's docs/ (as pulumi/pulumi-random and
1Password/pulumi-onepassword publish them), each with front matter: title, meta_desc, layout: package."""


def text_of(page: Path) -> str:
    return page.read_text()


@pytest.mark.parametrize("page", [README, *PAGES], ids=lambda p: p.name)
def test_generated_sections_are_current(page: Path) -> None:
    """The input/output reference and both config tables, as the code renders them today, on the pages
    that hold them (reference.PAGES) and nowhere else."""
    text = text_of(page)
    expected = reference.PAGES.get(str(page.relative_to(ROOT)), ())
    assert reference.sections_in(text) == expected
    assert text == reference.refreshed(text), (
        f"{page.name} is stale: run python -m pulumi_twilio_conversations.reference --write docs/*.md")


def test_every_page_that_should_hold_a_generated_section_exists() -> None:
    for page in reference.PAGES:
        assert (ROOT / page).is_file(), page


def test_every_config_key_and_variable_is_documented() -> None:
    install = text_of(DOCS / "installation-configuration.md")
    for key in CONFIG_KEYS:
        assert f"`twilio:{key}`" in install, key
        assert f"`{PACKAGE}:{key}`" in install, key
        assert f"`{env_name('twilio', key)}`" in install, key


def front_matter(page: Path) -> dict[str, Any]:
    match = re.match(r"---\n(.*?)\n---\n", text_of(page), re.DOTALL)
    assert match, f"{page.name} has no front matter"
    loaded = yaml.safe_load(match.group(1))
    assert isinstance(loaded, dict)
    return loaded


@pytest.mark.parametrize("name", REGISTRY_PAGES)
def test_registry_pages_carry_the_front_matter_pulumis_providers_write(name: str) -> None:
    matter = front_matter(DOCS / name)
    assert set(matter) == {"title", "meta_desc", "layout"}
    assert matter["layout"] == "package"
    assert matter["title"].startswith("Twilio Conversations") and matter["meta_desc"]


def test_the_readme_is_a_landing_page() -> None:
    """Under 300 lines, with the two commands, installs for Python and other languages, and a link to
    every docs page."""
    text = text_of(README)
    assert len(text.splitlines()) < 300
    assert "examples/quickstart/run.sh" in text
    assert "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest" in text
    assert "pip install /path/to/" in text and "pulumi package add /path/to/" in text
    linked = {target.split("#")[0] for target in links(README)}
    assert {f"docs/{page.name}" for page in PAGES} <= linked


def test_the_readmes_test_command_is_what_ci_runs() -> None:
    assert "python -m pytest" in (ROOT / ".ci" / "run").read_text()


def links(page: Path) -> list[str]:
    """Relative link targets in a page (code blocks skipped)."""
    text = re.sub(r"```.*?```", "", text_of(page), flags=re.DOTALL)
    return [t for t in re.findall(r"\]\(([^)\s]+)\)", text) if not re.match(r"[a-z]+:", t)]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = unicodedata.normalize("NFKC", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", text_of(page), flags=re.DOTALL)
    return {slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, flags=re.MULTILINE)}


@pytest.mark.parametrize("page", [README, *PAGES], ids=lambda p: p.name)
def test_every_relative_link_resolves(page: Path) -> None:
    for target in links(page):
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        assert dest.exists(), f"{page.name}: {target}"
        if anchor:
            assert anchor in anchors(dest), f"{page.name}: {target} (anchors: {sorted(anchors(dest))})"


@pytest.mark.parametrize("page", [README, *(p for p in PAGES if p.name != "internals.md")], ids=lambda p: p.name)
def test_engine_file_citations_stay_in_the_internals_page(page: Path) -> None:
    """A user's page says what Pulumi does; where that was read in Pulumi's source is for maintainers."""
    found = re.findall(r"\b(?:pkg|sdk)/[\w/.-]+", text_of(page))
    assert found == [], found


def section(page: Path, heading: str) -> str:
    """A page's text under ``heading`` (a whole heading line), up to the next heading of the same or a
    higher level; lines in code blocks are never headings."""
    level = len(heading) - len(heading.lstrip("#"))
    lines, inside, fenced = [], False, False
    for line in text_of(page).splitlines():
        if line.startswith("```"):
            fenced = not fenced
        is_heading = not fenced and line.startswith("#")
        if is_heading and inside and len(line) - len(line.lstrip("#")) <= level:
            break
        if inside:
            lines.append(line)
        inside = inside or line == heading
    assert lines, f"no section {heading!r} in {page.name}"
    return "\n".join(lines)


def test_install_and_migration_say_a_python_project_needs_its_dependency_file() -> None:
    """`pulumi package add` links the SDK into requirements.txt (pip) or pyproject.toml (uv, poetry) and stops
    when there is neither (sdk/python/cmd/pulumi-language-python/main.go Link, sdk/python/toolchain/pip.go)."""
    install = section(DOCS / "installation-configuration.md", "### Any language: the native plugin from a checkout")
    migration = section(DOCS / "drift-adoption-migration.md",
                        "## Migrating a stack from the dynamic resource to the plugin")
    for text in (install, migration, text_of(README)):
        assert "requirements.txt" in text and "pyproject.toml" in text
    words = " ".join(install.split())  # the CLI's own words, as a user searching for them finds them
    assert "error: linking package: no pyproject.toml or requirements.txt found" in words
    assert "error opening requirements.txt" in words
    assert "touch requirements.txt" in migration.split("pulumi package add", 1)[0]  # before the add


def python_blocks(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text_of(page), flags=re.DOTALL)


@pulumi.runtime.test  # type: ignore[untyped-decorator]
def test_the_overviews_python_example_declares_the_resource(mocks: MockRecorder) -> Any:
    """The example as printed, run under Pulumi's mocks (its one declaration kept in a name to wait on)."""
    [example] = python_blocks(DOCS / "_index.md")
    assert example.count('\nServiceNotifications("support-push",') == 1
    pulumi.runtime.set_all_config({"test:serviceSid": "IS" + "0123456789abcdef" * 2})
    namespace: dict[str, Any] = {"__name__": "__main__"}
    try:
        exec(compile(example.replace('\nServiceNotifications(', '\nresource = ServiceNotifications('),
                     "docs/_index.md", "exec"), namespace)
    finally:
        pulumi.runtime.set_all_config({})

    def verify(_: Any) -> None:
        [registered] = mocks.resources
        assert registered.typ == "pulumi-python:dynamic/twilio:ServiceNotifications"
        assert registered.inputs["new_message"]["with_media"] == {"enabled": True, "template": "${MEDIA_COUNT} files"}

    return namespace["resource"].urn.apply(verify)
