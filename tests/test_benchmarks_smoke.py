"""The benchmarks run (tiny sizes) so they cannot rot; no timing is asserted here.

Only ``--write`` regenerates the tracked BENCHMARKS.md and charts; a plain run prints its report.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Optional

import pytest

from benchmarks.__main__ import TRACKED, choose_output

ROOT = Path(__file__).resolve().parent.parent
TRACKED_FILES = (TRACKED.report, TRACKED.scale_chart, TRACKED.fanout_chart)


def test_a_quick_run_prints_the_report_and_leaves_the_tracked_files_alone(tmp_path: Path) -> None:
    before = {p: p.read_bytes() for p in TRACKED_FILES}
    # tempfile honours TMPDIR: the run's directory lands under tmp_path.
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "benchmarks", "--quick"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert {p: p.read_bytes() for p in TRACKED_FILES} == before, "python -m benchmarks changed tracked files"

    report = result.stdout
    for heading in ("## 1. Requests per lifecycle step", "## 2. Per-operation overhead", "## 3. Provider process cost",
                    "## 4. State footprint", "## 5. Scale", "## 6. How cost grows", "## 7. Fan-out"):
        assert heading in report
    # the request counts are facts, not timings: every step at the floor the API allows
    for step, floor in {"check": 0, "diff": 0, "create": 1, "read": 1, "update": 1, "delete": 1}.items():
        assert f"| {step} | {floor} | {floor} |" in report
    assert "with `python -m benchmarks --quick` on" in report

    (run_dir,) = tmp_path.glob("benchmarks-*")
    assert (run_dir / "BENCHMARKS.md").read_text() == report.removesuffix("\n")
    assert "](scale.png)" in report and "](fanout.png)" in report  # charts beside the report
    for chart in ("scale.png", "fanout.png"):
        assert (run_dir / chart).read_bytes().startswith(b"\x89PNG")
    assert f"wrote {run_dir / 'BENCHMARKS.md'}" in result.stderr


@pytest.mark.parametrize(("quick", "output", "write", "chosen"), [
    (False, None, False, None),  # a new temporary directory
    (True, None, False, None),
    (False, Path("/tmp/elsewhere"), False, Path("/tmp/elsewhere")),
    (False, None, True, ROOT),  # the only way to the tracked files
])
def test_where_a_run_writes(quick: bool, output: Optional[Path], write: bool, chosen: Optional[Path]) -> None:
    assert choose_output(quick, output, write) == chosen


@pytest.mark.parametrize(("quick", "output", "write", "error"), [
    (True, None, True, "--quick is a smoke run"),
    (False, ROOT, False, "use --write to regenerate them"),
    (False, ROOT / "benchmarks", False, "would overwrite the tracked BENCHMARKS.md or its charts"),
    (False, Path("/tmp/x"), True, "give one of them"),
])
def test_a_run_that_would_overwrite_the_tracked_files_needs_write(quick: bool, output: Optional[Path], write: bool,
                                                                    error: str) -> None:
    with pytest.raises(ValueError, match=re.escape(error)):
        choose_output(quick, output, write)


def test_a_refused_combination_is_one_line_and_no_traceback() -> None:
    result = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--output", str(ROOT)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"python -m benchmarks: error: --output {ROOT} would overwrite the tracked BENCHMARKS.md or its charts: "
        "use --write to regenerate them, or another directory")
