"""Run the examples with the Pulumi CLI, shared by the example scripts and tests/e2e.

    python examples/runner.py cli-bin                  print the directory of the Pulumi CLI to use
    python examples/runner.py quickstart [up|destroy]  the quickstart, on the bundled emulator

The CLI is the ``pulumi`` on PATH if there is one (3.146 or newer), else the one this checkout holds
in ``.pulumi-cli/``, else that one is installed first with the Pulumi SDK's own
``PulumiCommand.install``: the CLI release matching the installed Pulumi SDK, into this checkout only.
``PULUMI_TWILIO_NO_CLI_INSTALL=1`` turns the install off. The quickstart runs through the Automation
API on a local file backend (``.pulumi-state/``), against the emulator started in this process: on
the port the stack's state records, if it records one, so that every run reaches the URL the last
``up`` stored (see ``recorded_base_url``); else on a free port.
Nothing reaches Twilio or anything outside the checkout, except the CLI's download.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import shutil
import subprocess
import sys
import urllib.error
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Protocol
from urllib.parse import urlsplit

from pulumi import automation as auto
from pulumi._version import version as sdk_version
from pulumi.automation import PulumiCommand
from semver import VersionInfo

if TYPE_CHECKING:
    from pulumi_twilio_conversations.emulator import Emulator

ROOT = Path(__file__).resolve().parent.parent
# CLI 3.144 and 3.145 show what a dynamic provider writes to stderr only at debug level:
# pulumi/pulumi CHANGELOG 3.144.0 (PR #17943) and 3.146.0 (PR #18253), sdk/go/common/resource/plugin/plugin.go.
MIN_CLI = VersionInfo(3, 146, 0)
INSTALL_LINK = "https://www.pulumi.com/docs/install/"
NO_INSTALL = "PULUMI_TWILIO_NO_CLI_INSTALL"
PASSPHRASE = "pulumi-twilio-conversations-examples"  # the examples' stacks' secrets (docs/examples.md)
NO_CLI_HINT = "The same lifecycle is exercised without the CLI by the test suite (README.md, 'Testing')."

QUICKSTART_STACK = "quickstart"
QUICKSTART_SID = "IS00000000000000000000000000000000"
BASE_URL_KEY = "twilio:baseUrl"
EMULATOR_HOST = "127.0.0.1"
PROVIDER_TYPE_PREFIX = "pulumi:providers:"


class CliUnavailable(Exception):
    """No usable Pulumi CLI; the message says why and what to do."""


class QuickstartError(Exception):
    """The quickstart cannot run as it is; the message says why and what to do."""


def install_root(checkout: Path = ROOT) -> Path:
    """Where a CLI is installed for this checkout (gitignored): install.sh puts the binaries in bin/."""
    return checkout / ".pulumi-cli"


def cli_version() -> VersionInfo:
    """The CLI release to install: the one matching the installed Pulumi SDK, as PulumiCommand.install
    picks by default (sdk/python/lib/pulumi/automation/_cmd.py), and never older than MIN_CLI."""
    sdk = VersionInfo(sdk_version.major, sdk_version.minor, sdk_version.patch)
    return max(sdk, MIN_CLI)


def bin_dir(cli: PulumiCommand) -> Path:
    """The directory holding the CLI's binary (and its bundled plugins, which the engine finds beside it)."""
    found = shutil.which(cli.command)
    if found is None:
        raise CliUnavailable(f"{cli.command} is gone")
    return Path(found).parent


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _opted_out() -> bool:
    return os.environ.get(NO_INSTALL, "") not in ("", "0")


def _why(err: BaseException) -> str:
    if isinstance(err, urllib.error.URLError):
        # PulumiCommand._install_posix downloads the install script with urllib.request.urlopen.
        return f"the download of the install script failed ({err.reason})"
    if isinstance(err, subprocess.CalledProcessError):
        tail = (err.output or b"").decode(errors="replace").strip().splitlines()[-3:]
        return f"the install script failed (exit code {err.returncode}): {' / '.join(tail)}"
    return f"{type(err).__name__}: {err}"


def find_cli(checkout: Path = ROOT, install: bool = True, say: Callable[[str], None] = _say) -> PulumiCommand:
    """The Pulumi CLI to run the examples with; installs one into the checkout if allowed and needed.

    Raises CliUnavailable with a message for a person: no traceback is needed to understand it.
    """
    on_path = shutil.which("pulumi")
    if on_path is not None:
        try:
            # PulumiCommand runs `pulumi version` and raises InvalidVersionError below the version given.
            return PulumiCommand(version=MIN_CLI)
        except auto.InvalidVersionError as err:
            raise CliUnavailable(
                f"The pulumi on PATH ({on_path}) is too old: {err}\n"
                f"The examples need the Pulumi CLI {MIN_CLI.major}.{MIN_CLI.minor} or newer: {INSTALL_LINK}\n"
                f"(Or take it off PATH, and this script installs Pulumi CLI v{cli_version()} into "
                f"{install_root(checkout)} for this checkout only.)") from None
        except (OSError, subprocess.CalledProcessError) as err:
            raise CliUnavailable(f"`{on_path} version` failed: {err}") from None

    root = install_root(checkout)
    version = cli_version()
    if (root / "bin" / "pulumi").exists():
        try:
            cli = PulumiCommand(root=str(root), version=version)
        except Exception:  # too old or broken: installed again below, as PulumiCommand.install does
            pass
        else:
            say(f"Using the Pulumi CLI v{cli.version} installed in {root} by an earlier run.")
            return cli

    needs = f"The examples need the Pulumi CLI ({MIN_CLI.major}.{MIN_CLI.minor} or newer), which is not on PATH."
    if not install or _opted_out():
        reason = f" {NO_INSTALL} is set, so it is not installed for you." if install else ""
        raise CliUnavailable(
            f"{needs}{reason}\nInstall it ({INSTALL_LINK}), then run this again"
            + (f"; or unset {NO_INSTALL} to have Pulumi CLI v{version} installed into {root}." if install else ".")
            + f"\n{NO_CLI_HINT}")

    say(f"{needs}\nInstalling Pulumi CLI v{version} into {root} (this checkout only; nothing system-wide; "
        f"set {NO_INSTALL}=1 to skip) ...")
    try:
        cli = PulumiCommand.install(root=str(root), version=version)
    except Exception as err:  # whatever failed is told plainly, without a traceback
        raise CliUnavailable(
            f"Could not install Pulumi CLI v{version} into {root}: {_why(err)}.\n"
            f"Install the Pulumi CLI ({MIN_CLI.major}.{MIN_CLI.minor} or newer) yourself: {INSTALL_LINK} "
            f"-- then run this again. ({NO_INSTALL}=1 skips the automatic install.)\n{NO_CLI_HINT}") from None
    say(f"Installed Pulumi CLI v{cli.version} in {root / 'bin'}.")
    return cli


def local_stack(work_dir: Path, stack_name: str, cli: PulumiCommand, state_dir: Path,
                passphrase: str = PASSPHRASE, env: Optional[Mapping[str, str]] = None) -> auto.Stack:
    """A stack of the project in work_dir on a local file backend, created if it does not exist."""
    state_dir.mkdir(parents=True, exist_ok=True)
    workspace = auto.LocalWorkspace(work_dir=str(work_dir), pulumi_command=cli, env_vars={
        "PULUMI_BACKEND_URL": state_dir.as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": passphrase,
        **(env or {}),
    })
    return auto.Stack.create_or_select(stack_name, workspace)


def recorded_base_url(deployment: Optional[Mapping[str, Any]]) -> Optional[str]:
    """The ``twilio:baseUrl`` that refresh and destroy will call: the one the stack's last ``up`` stored.

    ``deployment``: the state, as ``pulumi stack export`` gives it (``Stack.export_stack().deployment``;
    sdk/go/common/apitype/core.go DeploymentV3, ResourceV3). The engine stores a dynamic provider's whole
    stack config, namespaces kept, as the inputs of its default provider resource
    (pkg/resource/deploy/default_providers.go newRegisterDefaultProviderEvent -> target.go
    GetPackageConfig). ``pulumi destroy``, ``pulumi refresh`` and the refresh that ``up --refresh`` runs
    first load the provider each resource names (``provider``: ``<urn>::<id>``, sdk/go/common/providers
    reference.go) from that state and configure it with those inputs, not with the current config
    (deployment.go EnsureProvider -> providers/registry.go Same: ``Configure(res.Inputs)``;
    deployment_executor.go refresh; engine/destroy.go: a NullSource, the program does not run).
    None: no resource in the state names a provider with a base URL (a new or destroyed stack).
    """
    resources = [r for r in (deployment or {}).get("resources") or [] if isinstance(r, Mapping)]
    providers = {f"{r.get('urn')}::{r.get('id')}": r for r in resources
                 if str(r.get("type", "")).startswith(PROVIDER_TYPE_PREFIX)}
    for resource in resources:
        provider = providers.get(str(resource.get("provider", "")))
        url = (provider.get("inputs") or {}).get(BASE_URL_KEY) if provider is not None else None
        if isinstance(url, str):
            return url
    return None


def emulator_port(recorded: Optional[str]) -> int:
    """The port to start the quickstart's emulator on: that of the emulator URL the state records, so that
    refresh and destroy reach it; 0 (any free port) when the state records none, or a URL that is not
    this emulator's (plain http on 127.0.0.1 with a port)."""
    if recorded is None:
        return 0
    parts = urlsplit(recorded)
    try:
        port = parts.port
    except ValueError:
        return 0
    if parts.scheme == "http" and parts.hostname == EMULATOR_HOST and port:
        return port
    return 0


def start_emulator(port: int, recorded: Optional[str]) -> Emulator:
    """The quickstart's emulator on ``port`` (0: a free one), not yet serving; a port in use is told plainly."""
    from pulumi_twilio_conversations.emulator import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, Emulator

    try:
        return Emulator(port=port, host=EMULATOR_HOST, accounts={DEFAULT_ACCOUNT_SID: DEFAULT_AUTH_TOKEN},
                        services=[QUICKSTART_SID])
    except OSError as err:
        if err.errno != errno.EADDRINUSE:
            raise QuickstartError(f"Could not start the bundled emulator on {EMULATOR_HOST}:{port}: "
                                  f"{err.strerror or err}.") from None
        raise QuickstartError(
            f"Port {port} on {EMULATOR_HOST} is in use, and the quickstart's emulator must listen there: the "
            f"stack's last `up` stored {recorded} as {BASE_URL_KEY}, and `pulumi refresh` and `pulumi destroy` "
            f"call the URL the state stores.\nStop whatever listens on port {port} (`ss -ltnp 'sport = :{port}'` "
            "shows it), then run this again.") from None


def quickstart_config(emulator_url: str) -> dict[str, auto.ConfigValue]:
    """The stack config each quickstart run sets: the service, and the emulator's account and URL."""
    from pulumi_twilio_conversations.emulator import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN

    return {
        "serviceSid": auto.ConfigValue(QUICKSTART_SID),
        "twilio:accountSid": auto.ConfigValue(DEFAULT_ACCOUNT_SID),
        "twilio:authToken": auto.ConfigValue(DEFAULT_AUTH_TOKEN, secret=True),
        BASE_URL_KEY: auto.ConfigValue(emulator_url),
    }


class QuickstartStack(Protocol):
    """What the quickstart calls on its stack: a ``pulumi.automation.Stack``, or tests/harness.py's
    ``AutomationStack``, which answers these calls the way the engine does, without the CLI."""

    def export_stack(self) -> auto.Deployment: ...

    def set_all_config(self, config: auto.ConfigMap) -> None: ...

    def up(self, *, refresh: Optional[bool] = None, on_output: Optional[auto.OnOutput] = None) -> object: ...

    def preview(self, *, refresh: Optional[bool] = None, diff: Optional[bool] = None,
                expect_no_changes: Optional[bool] = None, on_output: Optional[auto.OnOutput] = None) -> object: ...

    def destroy(self, *, on_output: Optional[auto.OnOutput] = None) -> object: ...


def _print(line: str) -> None:
    print(line, flush=True)


def quickstart(command: str, cli: PulumiCommand, stack_name: str = QUICKSTART_STACK,
               state_dir: Path = ROOT / ".pulumi-state") -> None:
    """The root Pulumi.yaml's project (main: examples/quickstart/) on the emulator: up or destroy."""
    passphrase = os.environ.get("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE)
    stack = local_stack(ROOT, stack_name, cli, state_dir, passphrase)
    run_quickstart(command, stack, f"state: {state_dir}, stack {stack_name!r}")


def run_quickstart(command: str, stack: QuickstartStack, where: str = "") -> None:
    """One run of the quickstart on ``stack``: its own emulator, on the port the state records if any.

    Each run is a process of its own with an emulator of its own, while the state outlives it: the
    emulator must come back where the last ``up`` recorded it, as destroy (and every refresh) calls
    that URL whatever the config says now (``recorded_base_url``). A fixed port alone would not do:
    a state written with another port (by an earlier version of this script) would still be unreachable.
    """
    import requests

    recorded = recorded_base_url(stack.export_stack().deployment)
    with start_emulator(emulator_port(recorded), recorded) as emulator:
        reused = " (the URL the stack's state records)" if emulator.url == recorded else ""
        _say(f"The bundled Twilio emulator serves {QUICKSTART_SID} at {emulator.url}{reused}"
             + (f"; {where}." if where else "."))
        stack.set_all_config(quickstart_config(emulator.url))
        if command == "destroy":
            stack.destroy(on_output=_print)  # its stderr: told by main() if it fails
            return
        # refresh: the emulator keeps its state in memory only, so each run starts from Twilio's defaults.
        stack.up(refresh=True, on_output=_print)
        print(f"\nSettings now held by the emulator for {QUICKSTART_SID}:")
        live = requests.get(emulator.api_url(QUICKSTART_SID), auth=emulator.auth, timeout=10)
        print(json.dumps(live.json(), indent=2))
        print("\nA preview right after up shows no changes:")
        stack.preview(refresh=True, diff=True, expect_no_changes=True, on_output=_print)
        print("Clean up with: examples/quickstart/run.sh destroy" + (f"   ({where})" if where else ""))


def main(argv: Optional[list[str]] = None, checkout: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    sub.add_parser("cli-bin", help="print the directory of the Pulumi CLI to use, installing it if needed")
    run = sub.add_parser("quickstart", help="run the quickstart on the bundled emulator")
    run.add_argument("command", nargs="?", choices=["up", "destroy"], default="up")
    args = parser.parse_args(argv)
    try:
        cli = find_cli(checkout)
        if args.what == "cli-bin":
            print(bin_dir(cli))
            return 0
        quickstart(args.command, cli)
    except (CliUnavailable, QuickstartError) as err:
        _say(str(err))
        return 2
    except auto.CommandError as err:
        # str(CommandError) is "\n code: N\n stdout: ...\n stderr: ..." (automation/_cmd.py CommandResult).
        code = str(err).strip().splitlines()[0]
        stderr = str(err).rpartition("\n stderr: ")[2].strip()
        _say(f"\npulumi failed ({code}){': ' + stderr if stderr else '; its output is above'}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
