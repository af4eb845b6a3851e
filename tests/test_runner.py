"""examples/runner.py finds the Pulumi CLI, or installs one into the checkout, and says what it does;
it reads the emulator URL a quickstart stack's state records, and starts the emulator on its port.

No test here needs the network or a real CLI: PulumiCommand.install is replaced where it would
download, a shell script stands in for a CLI that answers ``pulumi version``, and the one test that
lets the real install run sends its download to a closed local port, as an offline machine fails.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import urllib.error
from pathlib import Path
from typing import Optional

import pytest
from pulumi._version import version as sdk_version
from pulumi.automation import PulumiCommand
from semver import VersionInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))

import runner

REPO = Path(__file__).resolve().parent.parent


def fake_cli(directory: Path, version: str) -> Path:
    """A stand-in `pulumi` that answers `pulumi version` as the CLI does (PulumiCommand runs that)."""
    directory.mkdir(parents=True, exist_ok=True)
    exe = directory / "pulumi"
    exe.write_text(f'#!/bin/sh\n[ "$1" = version ] && echo v{version}\n')
    exe.chmod(0o755)
    return exe


class FakeInstall:
    """Replaces PulumiCommand.install: records each call, then raises ``error`` or installs a stand-in."""

    def __init__(self, error: Optional[BaseException] = None) -> None:
        self.error = error
        self.calls: list[tuple[Path, VersionInfo]] = []

    def __call__(self, root: Optional[str] = None, version: Optional[VersionInfo] = None,
                 skip_version_check: bool = False) -> PulumiCommand:
        assert root is not None and version is not None
        self.calls.append((Path(root), version))
        if self.error is not None:
            raise self.error
        fake_cli(Path(root) / "bin", str(version))  # install.sh --install-root puts the binaries in bin/
        return PulumiCommand(root=root, version=version, skip_version_check=skip_version_check)


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh checkout on a machine with no pulumi on PATH, no opt-out and version checks on."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv(runner.NO_INSTALL, raising=False)
    monkeypatch.delenv("PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK", raising=False)
    root = tmp_path / "checkout"
    root.mkdir()
    return root


def use(monkeypatch: pytest.MonkeyPatch, install: FakeInstall) -> FakeInstall:
    monkeypatch.setattr(PulumiCommand, "install", staticmethod(install))
    return install


@pytest.mark.parametrize("argv", [["cli-bin"], ["quickstart"], ["quickstart", "destroy"]])
@pytest.mark.parametrize(("error", "told"), [
    (urllib.error.URLError("[Errno -3] Temporary failure in name resolution"), "name resolution"),
    (subprocess.CalledProcessError(1, ["install.sh"], output=b"downloading...\nerror: 404 Not Found\n"),
     "exit code 1"),
])
def test_a_failed_install_is_told_with_the_link_and_the_opt_out(
        checkout: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        argv: list[str], error: BaseException, told: str) -> None:
    install = use(monkeypatch, FakeInstall(error))
    assert runner.main(argv, checkout=checkout) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert install.calls == [(checkout / ".pulumi-cli", runner.cli_version())]
    assert f"Installing Pulumi CLI v{runner.cli_version()} into {checkout / '.pulumi-cli'}" in err
    for needed in (told, "https://www.pulumi.com/docs/install/", "PULUMI_TWILIO_NO_CLI_INSTALL=1"):
        assert needed in err
    assert "Traceback" not in err


def test_the_opt_out_installs_nothing(checkout: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    install = use(monkeypatch, FakeInstall(AssertionError("must not install")))
    monkeypatch.setenv(runner.NO_INSTALL, "1")
    assert runner.main(["cli-bin"], checkout=checkout) == 2
    out, err = capsys.readouterr()
    assert out == "" and install.calls == []
    assert "not on PATH" in err and "PULUMI_TWILIO_NO_CLI_INSTALL is set" in err
    assert "https://www.pulumi.com/docs/install/" in err
    assert not (checkout / ".pulumi-cli").exists()


def test_installs_the_sdk_release_into_the_checkout_once(checkout: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    install = use(monkeypatch, FakeInstall())
    assert runner.main(["cli-bin"], checkout=checkout) == 0
    out, err = capsys.readouterr()
    root = checkout / ".pulumi-cli"
    assert out == f"{root / 'bin'}\n"
    ((installed_root, version),) = install.calls
    assert installed_root == root and root.resolve().is_relative_to(checkout.resolve())
    assert version == max(VersionInfo(sdk_version.major, sdk_version.minor, sdk_version.patch), runner.MIN_CLI)
    assert version >= VersionInfo(3, 146, 0)
    assert f"Installing Pulumi CLI v{version} into {root} (this checkout only" in err
    assert f"Installed Pulumi CLI v{version} in {root / 'bin'}" in err

    use(monkeypatch, FakeInstall(AssertionError("installed twice")))
    assert runner.main(["cli-bin"], checkout=checkout) == 0
    out, err = capsys.readouterr()
    assert out == f"{root / 'bin'}\n"
    assert f"installed in {root} by an earlier run" in err


def test_a_checkout_cli_older_than_the_sdk_is_installed_again(checkout: Path, monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    if runner.cli_version() == VersionInfo(3, 146, 0):
        pytest.skip("the installed SDK is 3.146.0 itself")
    fake_cli(checkout / ".pulumi-cli" / "bin", "3.146.0")
    install = use(monkeypatch, FakeInstall())
    assert runner.main(["cli-bin"], checkout=checkout) == 0
    assert len(install.calls) == 1


def test_the_install_root_is_gitignored() -> None:
    assert runner.install_root() == REPO / ".pulumi-cli"
    ignored = subprocess.run(["git", "check-ignore", "-q", ".pulumi-cli/bin/pulumi"], cwd=REPO, timeout=60,
                             check=False)
    assert ignored.returncode == 0


def test_a_cli_on_path_is_used_as_it_is(checkout: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    install = use(monkeypatch, FakeInstall(AssertionError("must not install")))
    fake_cli(tmp_path / "usr-bin", "3.150.0")
    monkeypatch.setenv("PATH", str(tmp_path / "usr-bin"))
    assert runner.main(["cli-bin"], checkout=checkout) == 0
    assert capsys.readouterr().out == f"{tmp_path / 'usr-bin'}\n"
    assert install.calls == []


def test_a_too_old_cli_on_path_is_refused(checkout: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    install = use(monkeypatch, FakeInstall(AssertionError("must not install")))
    fake_cli(tmp_path / "usr-bin", "3.145.0")
    monkeypatch.setenv("PATH", str(tmp_path / "usr-bin"))
    assert runner.main(["cli-bin"], checkout=checkout) == 2
    out, err = capsys.readouterr()
    assert out == "" and install.calls == []
    assert "3.145.0" in err and "3.146 or newer" in err and "https://www.pulumi.com/docs/install/" in err
    assert "Traceback" not in err


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_offline_the_real_install_fails_plainly(tmp_path: Path) -> None:
    """The SDK's own PulumiCommand.install, in a process of its own, with every download refused.

    urllib (which PulumiCommand._install_posix downloads install.sh with) takes https_proxy from the
    environment; a proxy on a closed local port refuses the connection, as no network does.
    """
    checkout = tmp_path / "checkout"
    (checkout / "examples").mkdir(parents=True)
    shutil.copy(REPO / "examples" / "runner.py", checkout / "examples" / "runner.py")
    (tmp_path / "empty-bin").mkdir()
    proxy = f"http://127.0.0.1:{closed_port()}"
    env = {"PATH": str(tmp_path / "empty-bin"), "HOME": str(tmp_path), "https_proxy": proxy, "HTTPS_PROXY": proxy}
    result = subprocess.run([sys.executable, str(checkout / "examples" / "runner.py"), "cli-bin"], env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert f"Installing Pulumi CLI v{runner.cli_version()} into {checkout / '.pulumi-cli'}" in result.stderr
    assert "the download of the install script failed" in result.stderr
    assert "https://www.pulumi.com/docs/install/" in result.stderr
    assert "PULUMI_TWILIO_NO_CLI_INSTALL=1" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (checkout / ".pulumi-cli" / "bin" / "pulumi").exists()



QUICKSTART_PROVIDER = "urn:pulumi:quickstart::twilio-conversations-quickstart::pulumi:providers:pulumi-python::default"


def state(provider_inputs: Optional[dict[str, object]],
          provider_ref: str = f"{QUICKSTART_PROVIDER}::abc") -> dict[str, object]:
    """A state as `pulumi stack export` gives it: a provider resource and one resource that names it."""
    resources: list[dict[str, object]] = [{"urn": "urn:pulumi:quickstart::p::pulumi:pulumi:Stack::p-quickstart",
                                           "type": "pulumi:pulumi:Stack"}]
    if provider_inputs is not None:
        resources.append({"urn": QUICKSTART_PROVIDER, "id": "abc", "custom": True,
                          "type": "pulumi:providers:pulumi-python", "inputs": provider_inputs})
    resources.append({"urn": "urn:pulumi:quickstart::p::pulumi-python:dynamic/twilio:ServiceNotifications::push",
                      "id": "IS00000000000000000000000000000000", "type":
                      "pulumi-python:dynamic/twilio:ServiceNotifications", "provider": provider_ref})
    return {"resources": resources}


@pytest.mark.parametrize(("deployment", "url"), [
    (None, None),                                                   # no state at all
    ({}, None),                                                     # a new stack
    ({"resources": []}, None),                                      # a destroyed stack
    (state({"twilio:baseUrl": "http://127.0.0.1:40633", "twilio:accountSid": "AC0"}), "http://127.0.0.1:40633"),
    (state({"twilio:accountSid": "AC0"}), None),                    # no base URL stored: Twilio's own
    (state({"twilio:baseUrl": "http://127.0.0.1:40633"}, provider_ref=f"{QUICKSTART_PROVIDER}::other-id"), None),
    (state({"twilio:baseUrl": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}}), None),
])
def test_the_base_url_the_state_records(deployment: Optional[dict[str, object]], url: Optional[str]) -> None:
    assert runner.recorded_base_url(deployment) == url


@pytest.mark.parametrize(("recorded", "port"), [
    (None, 0),                                   # nothing recorded: any free port
    ("http://127.0.0.1:40633", 40633),           # the emulator the last up reached
    ("http://127.0.0.1:8787/", 8787),
    ("http://127.0.0.1", 0),                     # no port: not an emulator URL the runner writes
    ("http://127.0.0.1:notaport", 0),
    ("https://conversations.twilio.com", 0),     # not the emulator: destroy calls it whatever port is used
    ("http://10.0.0.5:8787", 0),
])
def test_the_emulator_port_follows_the_recorded_url(recorded: Optional[str], port: int) -> None:
    assert runner.emulator_port(recorded) == port
