#!/usr/bin/env bash
# Adopting settings someone made in the console, on the bundled emulator:
# export them as Python, paste into the program (done: see __main__.py), `pulumi up` changes nothing.
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"; EXAMPLE=adopt
. "$ROOT/examples/lib.sh"
SID=ISadadadadadadadadadadadadadadadad
install_package; require_pulumi; start_emulator; use_local_backend

echo "== 1. the service as it was set up by hand"
"$ROOT/.venv/bin/python" - "$EMULATOR_URL" "$SID" "$DEFAULT_ACCOUNT" "$DEFAULT_TOKEN" <<'PY'
import json, sys, requests
url, sid, account, token = sys.argv[1:]
form = json.load(open("existing-settings.json"))
requests.post(f"{url}/v1/Services/{sid}/Configuration/Notifications", data=form, auth=(account, token),
              timeout=5).raise_for_status()
PY
BEFORE="$(api GET "$SID")"
echo "$BEFORE"

echo "== 2. export prints the program that reproduces it"
TWILIO_ACCOUNT_SID="$DEFAULT_ACCOUNT" TWILIO_AUTH_TOKEN="$DEFAULT_TOKEN" TWILIO_CONVERSATIONS_BASE_URL="$EMULATOR_URL" \
    "$ROOT/.venv/bin/python" -m pulumi_twilio_conversations export "$SID" --settings-only --name support-push | tee /tmp/exported.py
sed -n '/^# --- pasted from export ---$/,$p' __main__.py | tail -n +2 | diff - /tmp/exported.py \
    && echo "(identical to what __main__.py holds)"

echo "== 3. pulumi up adopts it: the same values are sent, nothing changes"
pulumi stack select --create adopt --non-interactive
pulumi config set twilio:accountSid "$DEFAULT_ACCOUNT"
pulumi config set --secret twilio:authToken "$DEFAULT_TOKEN"
pulumi config set twilio:baseUrl "$EMULATOR_URL"
pulumi up --yes --skip-preview --non-interactive
[ "$(api GET "$SID")" = "$BEFORE" ] && echo "(the live settings are unchanged)"

echo "== 4. from now on the stack owns them"
pulumi preview --refresh --non-interactive --expect-no-changes
echo "pulumi destroy would reset them to Twilio's defaults; to stop managing them without a reset: "
echo "pulumi state delete, then remove the resource from the program."
