"""One version everywhere (RELEASING.md, "Versioning").

``provider/pulumi_twilio_conversations/_version.py`` is the one source. The installed metadata, the
package schema and the native plugin's GetPluginInfo read it; CHANGELOG.md's top heading, the git-install
refs (``provider@v<version>``) in the README and docs/, BENCHMARKS.md and the compatibility fixtures are
text, and these tests fail when the text drifts from it.
"""

from __future__ import annotations

import re
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import NamedTuple, Optional

import pytest
from google.protobuf import empty_pb2

from pulumi_twilio_conversations import __version__
from pulumi_twilio_conversations.core.client import USER_AGENT
from pulumi_twilio_conversations.native.schema import package_schema

from native_harness import NativePlugin

ROOT = Path(__file__).resolve().parent.parent
SEMVER = re.compile(r"\d+\.\d+\.\d+")
HEADING = re.compile(r"^## (?P<version>\S+) \((?P<date>unreleased|\d{4}-\d{2}-\d{2})\)$")


class Entry(NamedTuple):
    version: str
    released: bool


def key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def changelog_entries(text: str) -> list[Entry]:
    """The ``## X.Y.Z (unreleased | YYYY-MM-DD)`` headings, top first; any other ``## `` heading is an error."""
    entries = []
    for line in text.splitlines():
        if not line.startswith("## "):
            continue
        match = HEADING.match(line)
        assert match and SEMVER.fullmatch(match["version"]), (
            f"CHANGELOG.md heading {line!r}: write '## X.Y.Z (unreleased)' or '## X.Y.Z (YYYY-MM-DD)'")
        entries.append(Entry(match["version"], match["date"] != "unreleased"))
    return entries


def git_install_refs(text: str) -> list[str]:
    """Versions in ``.../provider@v<version>`` and ``tag `v<version>` ``: the native plugin's git install."""
    return [a or b for a, b in re.findall(r"provider@v(\d[\w.+-]*\w)|tag `v([^`]+)`", text)]


def benchmarks_version(text: str) -> Optional[str]:
    match = re.search(r"\bpackage (\d+\.\d+\.\d+)\b", text)
    return match[1] if match else None


def user_docs() -> dict[str, str]:
    """The README and the docs/ pages (where the install instructions may move)."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    return {str(p.relative_to(ROOT)): p.read_text() for p in pages}


CHANGELOG = changelog_entries((ROOT / "CHANGELOG.md").read_text())


# --- the readers themselves, as tables -------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("# Changelog\n\n## 0.2.0 (unreleased)\n\n- x\n\n## 0.1.0 (2026-12-01)\n",
     [Entry("0.2.0", False), Entry("0.1.0", True)]),
    ("## 1.0.0 (2027-01-31)\n### Fixed\n", [Entry("1.0.0", True)]),
])
def test_changelog_headings_are_read(text: str, expected: list[Entry]) -> None:
    assert changelog_entries(text) == expected


@pytest.mark.parametrize("heading", ["## 0.2.0", "## v0.2.0 (unreleased)", "## 0.2.0 (soon)", "## Unreleased",
                                     "## 0.2.0-rc.1 (unreleased)"])
def test_a_changelog_heading_without_a_version_and_status_is_refused(heading: str) -> None:
    with pytest.raises(AssertionError, match=r"CHANGELOG\.md heading"):
        changelog_entries(heading)


@pytest.mark.parametrize(("text", "expected"), [
    ("pulumi package add github.com/OWNER/REPO/provider@v0.1.0\n", ["0.1.0"]),
    ("`https://github.com/O/R/provider@v1.2.3`, `gitlab.com/G/S/R.git/provider@v1.2.3`.", ["1.2.3", "1.2.3"]),
    ("clones the repository at tag `v0.3.0` into", ["0.3.0"]),
    ("run under Pulumi CLI v3.259.0; `...@<commit sha>`", []),
])
def test_git_install_refs_are_read(text: str, expected: list[str]) -> None:
    assert git_install_refs(text) == expected


# --- every place agrees ----------------------------------------------------------------------------

def test_the_version_is_plain_semver() -> None:
    # Pulumi plugin versions and git tags are semver, wheels PEP 440; X.Y.Z is spelled the same in both.
    assert SEMVER.fullmatch(__version__), f"_version.py: {__version__!r} is not X.Y.Z"


def test_the_installed_metadata_says_the_version() -> None:
    assert installed_version("pulumi-twilio-conversations") == __version__, (
        "the installed metadata is stale: pip install -e '.[test]' again")


def test_the_schema_and_the_user_agent_say_the_version() -> None:
    assert package_schema()["version"] == __version__
    assert USER_AGENT.startswith(f"pulumi-twilio-conversations/{__version__} ")


def test_the_native_plugin_reports_the_version() -> None:
    # The engine asks GetPluginInfo first (pkg/host/host.go defaultHost.Provider), and compares it with
    # the version the program asked for.
    with NativePlugin(configure=False) as plugin:
        assert plugin._rpc("GetPluginInfo", empty_pb2.Empty()).version == __version__


def test_the_changelog_top_heading_is_the_version() -> None:
    assert CHANGELOG, "CHANGELOG.md has no '## X.Y.Z (...)' heading"
    assert CHANGELOG[0].version == __version__, (
        f"CHANGELOG.md's top heading is {CHANGELOG[0].version}, _version.py says {__version__}: "
        "one of them is stale (RELEASING.md, Versioning)")


def test_the_changelog_versions_descend_and_only_the_top_is_unreleased() -> None:
    versions = [key(e.version) for e in CHANGELOG]
    assert versions == sorted(set(versions), reverse=True), "CHANGELOG.md: each version once, newest first"
    assert all(e.released for e in CHANGELOG[1:]), "CHANGELOG.md: only the top entry may be '(unreleased)'"


def test_every_git_install_ref_names_the_version() -> None:
    found = {page: git_install_refs(text) for page, text in user_docs().items()}
    assert any(found.values()), "no 'provider@v<version>' git install in README.md or docs/"
    stale = {page: refs for page, refs in found.items() if set(refs) - {__version__}}
    assert not stale, f"git-install refs other than v{__version__}: {stale}"


def test_benchmarks_name_a_version_no_newer_than_this_one() -> None:
    """BENCHMARKS.md names the version it measured: the release's own in a release commit (the top heading
    dated), an earlier one in between (re-measuring is not part of a version bump)."""
    measured = benchmarks_version((ROOT / "BENCHMARKS.md").read_text())
    assert measured is not None, "BENCHMARKS.md names no 'package <version>'"
    if CHANGELOG[0].released:
        assert measured == __version__, f"releasing {__version__}: run python -m benchmarks --write"
    else:
        assert measured in {e.version for e in CHANGELOG} and key(measured) <= key(__version__), measured


def test_compatibility_fixtures_and_their_wording_name_real_versions() -> None:
    """A state fixture is named after a version the CHANGELOG has; "release X" is said only of a dated one."""
    known = {e.version for e in CHANGELOG}
    for fixture in (ROOT / "tests" / "fixtures").glob("state-*.json"):
        named = fixture.stem.removeprefix("state-")
        assert named in known, f"{fixture.name}: {named} is not a CHANGELOG version"
        assert f'"recorded_with": "{named}"' in fixture.read_text(), fixture.name
    released = {e.version for e in CHANGELOG if e.released}
    claimed = set(re.findall(r"\brelease (\d+\.\d+\.\d+)", (ROOT / "tests" / "test_compat.py").read_text()))
    assert claimed <= released, f"tests/test_compat.py calls {sorted(claimed - released)} a release; it is not"
