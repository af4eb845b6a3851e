"""Scenarios 1, 2, 5 and 7 with the real Pulumi CLI (Automation API), on a local file backend.

They run when a ``pulumi`` CLI >= 3.139 is on PATH and skip otherwise; every behaviour here is also
proven without the CLI by tests/test_lifecycle.py. Run them with:

    PATH=/path/to/pulumi/bin:$PATH .venv/bin/python -m pytest tests/e2e -v
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pulumi_twilio_conversations.emulator import Emulator, default_settings_raw

from conftest import ACCOUNT, OTHER_SID, SID, TOKEN

MIN_VERSION = (3, 139, 0)


def cli_version() -> tuple[int, ...] | None:
    exe = shutil.which("pulumi")
    if exe is None:
        return None
    out = subprocess.run([exe, "version"], capture_output=True, text=True, timeout=60, check=False).stdout
    match = re.search(r"(\d+)\.(\d+)\.(\d+)", out)
    return tuple(int(g) for g in match.groups()) if match else None


VERSION = cli_version()
pytestmark = pytest.mark.skipif(
    VERSION is None or VERSION < MIN_VERSION,
    reason="needs the Pulumi CLI >= 3.139 on PATH"
    + ("" if VERSION is None else f" (found {'.'.join(map(str, VERSION))})"),
)

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

    project = tmp_path / "project"
    project.mkdir()
    (project / "__main__.py").write_text(PROGRAM)
    (project / "Pulumi.yaml").write_text(
        f"name: e2e\nruntime:\n  name: python\n  options:\n    virtualenv: {sys.prefix}\n"
    )
    (tmp_path / "state").mkdir()
    env = {
        "PULUMI_BACKEND_URL": f"file://{tmp_path / 'state'}",
        "PULUMI_CONFIG_PASSPHRASE": "e2e",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    workspace = auto.LocalWorkspace(work_dir=str(project), env_vars=env)
    stack = auto.Stack.create("dev", workspace)
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
