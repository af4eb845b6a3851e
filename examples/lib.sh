# Shared by the example scripts: checks, the bundled emulator with every example's accounts and
# services, and a local file backend. Source it; it needs ROOT and EXAMPLE set.
set -euo pipefail

# choose WHAT VALUE CHOICE...: return if VALUE is one of the CHOICEs; else one line on stderr, saying what
# is wrong and the script's usage (USAGE: its arguments, set by the script), and exit 2. Scripts check
# their arguments with it first, before anything is installed or started.
choose() {
    local what=$1 value=$2 choice why
    shift 2
    for choice in "$@"; do
        [ "$value" = "$choice" ] && return 0
    done
    why="no $what given"
    [ -z "$value" ] || why="unknown $what '$value'"
    echo "examples/$EXAMPLE/$(basename "$0"): $why; usage: examples/$EXAMPLE/$(basename "$0") $USAGE" >&2
    exit 2
}

# require_pulumi: put a Pulumi CLI (>= 3.146) first on PATH: the one on PATH, else the one this checkout
# holds in .pulumi-cli/, else one installed there now (examples/runner.py, with the Pulumi SDK's
# PulumiCommand.install; PULUMI_TWILIO_NO_CLI_INSTALL=1 turns that off). Run install_package first.
require_pulumi() {
    local bin
    bin="$("$ROOT/.venv/bin/python" "$ROOT/examples/runner.py" cli-bin)" || exit 2
    export PATH="$bin:$PATH"
}

install_package() {
    [ -x "$ROOT/.venv/bin/python" ] || python3 -m venv "$ROOT/.venv"
    "$ROOT/.venv/bin/pip" install --quiet -e "$ROOT"
}

EMULATOR_PORT=8787
EMULATOR_URL="http://127.0.0.1:$EMULATOR_PORT"
DEFAULT_ACCOUNT=AC00000000000000000000000000000000
DEFAULT_TOKEN=emulator-auth-token

start_emulator() {
    "$ROOT/.venv/bin/python" -m pulumi_twilio_conversations.emulator --port "$EMULATOR_PORT" \
        --account-sid "$DEFAULT_ACCOUNT" --auth-token "$DEFAULT_TOKEN" \
        --account ACdededededededededededededededede:dev-emulator-token \
        --account AC5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a:staging-emulator-token \
        --account AC9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d:prod-emulator-token \
        --account ACa5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5:us-emulator-token \
        --account ACe0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0:eu-emulator-token \
        --service IS00000000000000000000000000000000 \
        --service IS01010101010101010101010101010101 \
        --service ISadadadadadadadadadadadadadadadad \
        --service ISd0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0@ACdededededededededededededededede \
        --service IS50505050505050505050505050505050@AC5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a \
        --service IS90909090909090909090909090909090@AC9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d \
        --service ISa0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0@ACa5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5 \
        --service ISe1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1@ACe0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0 \
        >/dev/null &
    EMULATOR_PID=$!
    trap 'kill $EMULATOR_PID 2>/dev/null || true' EXIT
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$EMULATOR_PORT") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "the emulator did not start on port $EMULATOR_PORT" >&2
    exit 1
}

use_local_backend() {
    export PULUMI_BACKEND_URL="file://$ROOT/.pulumi-state"
    export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-pulumi-twilio-conversations-examples}"
    mkdir -p "$ROOT/.pulumi-state"
    cd "$ROOT/examples/$EXAMPLE"
}

# api METHOD SID [FORM...]: call the emulator like someone with the console or a script would.
api() {
    local method=$1 sid=$2
    shift 2
    "$ROOT/.venv/bin/python" - "$method" "$EMULATOR_URL/v1/Services/$sid/Configuration/Notifications" \
        "$DEFAULT_ACCOUNT" "$DEFAULT_TOKEN" "$@" <<'PY'
import json, sys, requests
method, url, account, token, *pairs = sys.argv[1:]
form = dict(p.split("=", 1) for p in pairs)
r = requests.request(method, url, data=form or None, auth=(account, token), timeout=5)
print(json.dumps(r.json(), indent=2))
PY
}
