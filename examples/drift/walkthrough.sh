#!/usr/bin/env bash
# Drift, step by step, on the bundled emulator: up; someone edits the settings outside Pulumi;
# `pulumi preview --refresh` names the drift; `pulumi up --refresh` repairs exactly that.
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"; EXAMPLE=drift
. "$ROOT/examples/lib.sh"
SID=IS01010101010101010101010101010101
install_package; require_pulumi; start_emulator; use_local_backend
pulumi stack select --create walkthrough --non-interactive
pulumi config set twilio:accountSid "$DEFAULT_ACCOUNT"
pulumi config set --secret twilio:authToken "$DEFAULT_TOKEN"
pulumi config set twilio:baseUrl "$EMULATOR_URL"

echo "== 1. pulumi up"
pulumi up --yes --skip-preview --non-interactive --refresh

echo "== 2. someone changes the sound and turns logging off in the console"
api POST "$SID" NewMessage.Sound=chime LogEnabled=false >/dev/null

echo "== 3. pulumi preview --refresh names the drifted fields"
pulumi preview --refresh --diff --non-interactive

echo "== 4. pulumi up --refresh puts them back, sending only those two fields"
pulumi up --yes --skip-preview --refresh --non-interactive
"$ROOT/.venv/bin/python" - "$EMULATOR_URL" <<'PY'
import sys, requests
posts = [r for r in requests.get(sys.argv[1] + "/_emulator/requests", timeout=5).json() if r["method"] == "POST"]
print("last POST from the provider:", posts[-1]["form"])
PY

echo "== 5. no drift left"
pulumi preview --refresh --non-interactive --expect-no-changes
pulumi destroy --yes --skip-preview --non-interactive
