"""The release workflow (.github/workflows/release.yml) a maintainer runs by pushing a ``v<version>`` tag.

GitHub cannot run here: these tests read the workflow, and run its shell steps that check the version
and the tag, and cut the release notes, with the variables GitHub sets
(https://docs.github.com/en/actions/reference/variables-reference: GITHUB_REF_NAME, GITHUB_OUTPUT).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Optional

import pytest
import yaml

from pulumi_twilio_conversations import __version__

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW: dict[Any, Any] = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text())
JOBS: dict[str, dict[str, Any]] = WORKFLOW["jobs"]
ON_A_TAG = "startsWith(github.ref, 'refs/tags/v')"


def steps(job: str) -> list[dict[str, Any]]:
    return JOBS[job]["steps"]  # type: ignore[no-any-return]


def step(name: str) -> dict[str, Any]:
    (found,) = [s for job in JOBS for s in steps(job) if s.get("name") == name]
    return found


def needed(job: str) -> Iterator[str]:
    """Every job this one waits for, transitively."""
    needs = JOBS[job].get("needs", [])
    for other in [needs] if isinstance(needs, str) else needs:
        yield other
        yield from needed(other)


def run_step(name: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-e", "-c", step(name)["run"]], cwd=cwd, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=60, check=False)


def jobs_using(fragment: str) -> list[str]:
    return [job for job in JOBS if any(fragment in (s.get("uses", "") + s.get("run", "")) for s in steps(job))]


def test_a_v_tag_push_or_a_manual_run_starts_it() -> None:
    on: dict[str, Any] = WORKFLOW["on"] if "on" in WORKFLOW else WORKFLOW[True]  # YAML 1.1 reads `on` as true
    assert on["push"] == {"tags": ["v*"]}
    assert "workflow_dispatch" in on


def test_it_builds_the_sdist_and_the_wheel_and_keeps_them() -> None:
    (build,) = jobs_using("python -m build")
    assert "python -m build\n" in step("Build the sdist and the wheel")["run"]  # both: no --sdist / --wheel
    assert any(s.get("uses", "").startswith("actions/upload-artifact@") and s["with"]["path"] == "dist/"
               for s in steps(build))


def test_it_runs_the_ci_script() -> None:
    assert jobs_using("bash .ci/run")


def test_it_installs_the_built_wheel_on_the_oldest_and_the_newest_python() -> None:
    (install,) = jobs_using("pip install dist/*.whl")
    assert JOBS[install]["strategy"]["matrix"]["python-version"] == ["3.10", "3.13"]
    assert "pip show pulumi-twilio-conversations" in step("Install the wheel and use it")["run"]


def test_the_version_step_reads_the_version(tmp_path: Path) -> None:
    output = tmp_path / "output"
    result = run_step("Read the version", ROOT, GITHUB_OUTPUT=str(output))
    assert result.returncode == 0, result.stderr
    assert output.read_text() == f"version={__version__}\n"


@pytest.mark.parametrize(("tag", "heading", "error"), [
    ("v9.9.9", "## 1.2.3 (2027-01-31)", "tag v9.9.9 does not name _version.py's version 1.2.3"),
    ("1.2.3", "## 1.2.3 (2027-01-31)", "tag 1.2.3 does not name"),
    ("v1.2.3", "## 1.2.3 (unreleased)", "top heading is '## 1.2.3 (unreleased)', not '## 1.2.3 (YYYY-MM-DD)'"),
    ("v1.2.3", "## 1.2.4 (2027-01-31)", "top heading is '## 1.2.4 (2027-01-31)'"),
    ("v1.2.3", "## 1x2x3 (2027-01-31)", "top heading is"),  # the dots are literal
    ("v1.2.3", "## 1.2.3 (2027-01-31)", None),
])
def test_the_tag_must_name_the_version_and_the_changelog_date_it(tmp_path: Path, tag: str, heading: str,
                                                                  error: Optional[str]) -> None:
    (tmp_path / "CHANGELOG.md").write_text(f"# Changelog\n\n{heading}\n\n- a change\n\n## 1.2.2 (2026-12-01)\n")
    result = run_step("Check the tag names this version", tmp_path, GITHUB_REF_NAME=tag, VERSION="1.2.3")
    if error is None:
        assert result.returncode == 0, result.stdout
    else:
        assert result.returncode == 1
        assert error in result.stdout


def test_the_tag_check_runs_on_tags_only() -> None:
    assert step("Check the tag names this version")["if"] == "github.ref_type == 'tag'"


def test_only_a_tag_creates_the_release_and_publishes() -> None:
    (release,) = jobs_using("gh release create")
    (publish,) = jobs_using("pypa/gh-action-pypi-publish@")
    for job in (release, publish):
        assert JOBS[job]["if"] == ON_A_TAG, job
        assert {"build", "ci", "install"} <= set(needed(job)), job


def test_publishing_is_trusted_publishing_of_the_built_files() -> None:
    (publish,) = jobs_using("pypa/gh-action-pypi-publish@")
    assert JOBS[publish]["permissions"] == {"id-token": "write"}
    assert JOBS[publish]["environment"]["name"] == "pypi"
    (action,) = [s for s in steps(publish) if s.get("uses", "").startswith("pypa/gh-action-pypi-publish@")]
    assert "with" not in action, "no token or password: PyPI trusts this workflow"
    assert any(s.get("uses", "").startswith("actions/download-artifact@") and s["with"]["name"] == "dist"
               for s in steps(publish))
    assert "secrets." not in (ROOT / ".github" / "workflows" / "release.yml").read_text()


def test_the_release_notes_are_the_changelog_entry(tmp_path: Path) -> None:
    (tmp_path / "CHANGELOG.md").write_text(
        "# Changelog\n\n## 1.2.3 (2027-01-31)\n\n- new\n\n## 1.2.2 (2026-12-01)\n\n- old\n")
    script = step("Create the GitHub release")["run"]
    notes_only = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("gh "))
    result = subprocess.run(["bash", "-e", "-c", notes_only], cwd=tmp_path, env={**os.environ, "VERSION": "1.2.3"},
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "notes.md").read_text() == "\n- new\n\n"
