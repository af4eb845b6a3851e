#!/usr/bin/env bash
# Quickstart on the bundled emulator: `pulumi up` on a local file backend, then print the settings.
# Needs Python 3.9+ and the Pulumi CLI (>= 3.139). Touches nothing outside this checkout.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"

if ! command -v pulumi >/dev/null 2>&1; then
    echo "The quickstart needs the Pulumi CLI (>= 3.139), which is not on PATH." >&2
    echo "Install it (https://www.pulumi.com/docs/install/), then run this script again." >&2
    echo "Without it you can still run the tests: see README.md, 'Run the tests'." >&2
    exit 2
fi

PORT="${EMULATOR_PORT:-8787}"
SERVICE_SID="IS00000000000000000000000000000000"
ACCOUNT_SID="AC00000000000000000000000000000000"

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/pip install --quiet -e .

.venv/bin/python -m pulumi_twilio_conversations.emulator --port "$PORT" --service "$SERVICE_SID" \
    --account-sid "$ACCOUNT_SID" --auth-token emulator-auth-token &
EMULATOR_PID=$!
trap 'kill $EMULATOR_PID 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.1
done

export PULUMI_BACKEND_URL="file://$ROOT/.pulumi-state"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-quickstart}"
mkdir -p .pulumi-state
pulumi stack select --create quickstart --non-interactive
pulumi config set serviceSid "$SERVICE_SID"
pulumi config set twilio:accountSid "$ACCOUNT_SID"
pulumi config set --secret twilio:authToken emulator-auth-token
pulumi config set twilio:baseUrl "http://127.0.0.1:$PORT"

if [ "${1:-up}" = "destroy" ]; then
    # The emulator starts empty each run: refresh first so destroy resets what the stack records.
    pulumi destroy --yes --skip-preview --non-interactive
    exit 0
fi

# --refresh: the emulator keeps its state in memory only, so a second run starts from defaults.
pulumi up --yes --skip-preview --refresh --non-interactive
echo
echo "Settings now held by the emulator for $SERVICE_SID:"
.venv/bin/python - "$PORT" "$SERVICE_SID" "$ACCOUNT_SID" <<'PY'
import json, sys, requests
port, sid, account = sys.argv[1:]
url = f"http://127.0.0.1:{port}/v1/Services/{sid}/Configuration/Notifications"
print(json.dumps(requests.get(url, auth=(account, "emulator-auth-token"), timeout=5).json(), indent=2))
PY
echo
echo "A preview right after up shows no changes:"
pulumi preview --refresh --non-interactive --diff
echo "Clean up with: examples/quickstart/run.sh destroy   (state lives in .pulumi-state/)"
