#!/usr/bin/env bash
# Quickstart on the bundled emulator: `pulumi up` on a local file backend, then print the settings.
# Needs Python 3.10+ and the Pulumi CLI (>= 3.139). Touches nothing outside this checkout.
# `run.sh destroy` resets the settings and empties the stack.
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"; EXAMPLE=quickstart
. "$ROOT/examples/lib.sh"
SID=IS00000000000000000000000000000000
require_pulumi; install_package; start_emulator; use_local_backend
cd "$ROOT"  # the root Pulumi.yaml is the quickstart's project (main: examples/quickstart/)

pulumi stack select --create quickstart --non-interactive
pulumi config set serviceSid "$SID"
pulumi config set twilio:accountSid "$DEFAULT_ACCOUNT"
pulumi config set --secret twilio:authToken "$DEFAULT_TOKEN"
pulumi config set twilio:baseUrl "$EMULATOR_URL"

if [ "${1:-up}" = "destroy" ]; then
    pulumi destroy --yes --skip-preview --non-interactive
    exit 0
fi

# --refresh: the emulator keeps its state in memory only, so a second run starts from defaults.
pulumi up --yes --skip-preview --refresh --non-interactive
echo
echo "Settings now held by the emulator for $SID:"
api GET "$SID"
echo
echo "A preview right after up shows no changes:"
pulumi preview --refresh --non-interactive --diff
echo "Clean up with: examples/quickstart/run.sh destroy   (state lives in .pulumi-state/)"
