"""Scenarios 1, 2, 5 and 7 with the real Pulumi CLI (Automation API), on a local file backend, and the quickstart.

They run when a Pulumi CLI >= 3.146 is on PATH, or installed in this checkout by
``examples/quickstart/run.sh`` (``.pulumi-cli/``), and skip otherwise; every behaviour here is also
proven without the CLI by tests/test_lifecycle.py. The CLI is found, and stacks are made, by
examples/runner.py, as the example scripts do. Run them with:

    PATH=/path/to/pulumi/bin:$PATH .venv/bin/python -m pytest tests/e2e -v
"""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Optional

import pytest
from pulumi.automation import PulumiCommand

from pulumi_twilio_conversations.emulator import Emulator, default_settings_raw

from conftest import ACCOUNT, OTHER_SID, SID, TOKEN

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "examples"))

import runner  # noqa: E402 (examples/ is not a package)


def available_cli() -> tuple[Optional[PulumiCommand], str]:
    """The CLI on PATH or in the checkout (>= runner.MIN_CLI), never installing one; else why not."""
    try:
        return runner.find_cli(install=False, say=lambda _: None), ""
    except runner.CliUnavailable as err:
        return None, str(err).splitlines()[0]


CLI, WHY_NOT = available_cli()
pytestmark = pytest.mark.skipif(CLI is None, reason=f"needs the Pulumi CLI >= 3.146: {WHY_NOT}")

PROGRAM = textwrap.dedent('''
    import pulumi
    from pulumi_twilio_conversations import NewMessage, ServiceNotifications

    config = pulumi.Config()
    push = ServiceNotifications(
        "push",
        chat_service_sid=config.require("serviceSid"),
        log_enabled=True,
        new_message=NewMessage(enabled=True, template="${PARTICIPANT}: ${MESSAGE}", sound="ring"),
    )
    pulumi.export("new_message", push.new_message)
''')


@pytest.fixture
def stack(tmp_path: Path, emulator: Emulator) -> Iterator[Any]:
    from pulumi import automation as auto

    assert CLI is not None
    project = tmp_path / "project"
    project.mkdir()
    (project / "__main__.py").write_text(PROGRAM)
    (project / "Pulumi.yaml").write_text(
        f"name: e2e\nruntime:\n  name: python\n  options:\n    virtualenv: {sys.prefix}\n"
    )
    env = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    stack = runner.local_stack(project, "dev", CLI, tmp_path / "state", passphrase="e2e", env=env)
    stack.set_all_config({
        "serviceSid": auto.ConfigValue(SID),
        "twilio:accountSid": auto.ConfigValue(ACCOUNT),
        "twilio:authToken": auto.ConfigValue(TOKEN, secret=True),
        "twilio:baseUrl": auto.ConfigValue(emulator.url),
    })
    yield stack
    stack.workspace.remove_stack("dev", force=True)


def changes(summary: dict[Any, int]) -> dict[str, int]:
    return {str(getattr(k, "value", k)): v for k, v in summary.items() if str(getattr(k, "value", k)) != "same"}


def test_up_then_preview_shows_no_changes(stack: Any, emulator: Emulator, tmp_path: Path) -> None:
    stack.up(on_output=print)
    assert emulator.settings(SID)["new_message"]["template"] == "${PARTICIPANT}: ${MESSAGE}"
    assert changes(stack.preview().change_summary) == {}
    state = "".join(p.read_text() for p in (tmp_path / "state").rglob("*.json"))
    assert TOKEN not in state


def test_console_edit_is_drift_and_up_repairs_it(stack: Any, emulator: Emulator) -> None:
    stack.up()
    emulator.edit(SID, {"NewMessage.Sound": "x"})
    stack.refresh()
    assert changes(stack.preview().change_summary) == {"update": 1}
    emulator.clear_requests()
    stack.up()
    assert [r.form for r in emulator.api_requests() if r.method == "POST"] == [{"NewMessage.Sound": "ring"}]


def test_switching_service_moves_the_settings(stack: Any, emulator: Emulator) -> None:
    from pulumi import automation as auto

    stack.up()
    stack.set_config("serviceSid", auto.ConfigValue(OTHER_SID))
    stack.up()
    assert emulator.settings(OTHER_SID)["new_message"]["sound"] == "ring"
    assert emulator.settings(SID) == default_settings_raw()


def test_destroy_resets_to_defaults(stack: Any, emulator: Emulator) -> None:
    stack.up()
    stack.destroy()
    assert emulator.settings(SID) == default_settings_raw()


@pytest.mark.skipif(not (REPO / ".venv" / "bin" / "python").exists(),
                    reason="the quickstart's Pulumi.yaml runs with <repo>/.venv (the README's set-up), absent")
def test_quickstart_runs_its_program_and_provider_from_the_root_project(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """examples/quickstart/run.sh's steps: the root Pulumi.yaml (main: examples/quickstart/), whose provider
    finds its virtualenv through examples/quickstart/.venv (tests/test_layout.py). Each call is a run with
    an emulator of its own, as a user's next run is; the second up's refresh and the destroy reach it
    only on the port the state records (tests/test_examples.py runs the same without the CLI)."""
    assert CLI is not None
    stack_name = "e2e-quickstart"  # not the user's "quickstart" stack; its state goes to tmp_path
    try:
        for _ in range(2):
            runner.quickstart("up", CLI, stack_name=stack_name, state_dir=tmp_path / "state")
            out = capsys.readouterr().out
            assert '"ring"' in out  # the emulator's settings after up, as the program declares them
        runner.quickstart("destroy", CLI, stack_name=stack_name, state_dir=tmp_path / "state")
    finally:
        (REPO / f"Pulumi.{stack_name}.yaml").unlink(missing_ok=True)
