#!/usr/bin/env bash
# Quickstart on the bundled emulator: `pulumi up` on a local file backend, then print the settings.
# Needs Python 3.10+. Uses the Pulumi CLI on PATH (>= 3.146), or installs the release matching the
# Pulumi SDK into .pulumi-cli/ in this checkout (PULUMI_TWILIO_NO_CLI_INSTALL=1: don't). Touches nothing
# else outside this checkout. `run.sh destroy` resets the settings and empties the stack.
# Each run starts the emulator in-process: on a free port for a new stack, then on the port the stack's
# state records, because refresh and destroy call the URL the last `up` stored.
# The steps are Python (examples/runner.py, Pulumi's Automation API), shared with tests/e2e.
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"; EXAMPLE=quickstart
. "$ROOT/examples/lib.sh"
USAGE="[up|destroy]"
choose command "${1:-up}" up destroy
install_package
exec "$ROOT/.venv/bin/python" "$ROOT/examples/runner.py" quickstart "${1:-up}"
