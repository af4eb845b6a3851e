# Shared by the push examples (push-stack/, yaml-push/): from an account with no push set-up to
# push-ready, on the bundled emulator. Source it after lib.sh, with CONFIG_NS set to the namespace of
# the provider's config (twilio for the dynamic resources, twilio-conversations for the plugin).

# account_holds: what the stack's account holds, as its console would list it: the services with their
# new-message settings, and the push credentials (Twilio answers no secret: the fields it returns are
# listed).
account_holds() {
    local account token
    account="$(pulumi config get "$CONFIG_NS:accountSid")"
    token="$(pulumi config get "$CONFIG_NS:authToken")"
    "$ROOT/.venv/bin/python" - "$EMULATOR_URL" "$account" "$token" <<'PY'
import json, sys, requests
url, account, token = sys.argv[1:]
def get(path):
    answer = requests.get(url + path, auth=(account, token), timeout=5)
    answer.raise_for_status()
    return answer.json()
for s in get("/v1/Services")["services"]:
    settings = get(f"/v1/Services/{s['sid']}/Configuration/Notifications")
    print(f"service {s['sid']} {s['friendly_name']!r}:", "new_message", json.dumps(settings["new_message"]))
for c in get("/v1/Credentials")["credentials"]:
    print(f"credential {c['sid']} type {c['type']}, sandbox {c['sandbox']}",
          f"(Twilio answers {', '.join(sorted(c))})")
PY
}

# push_up: up, a preview with no changes, then a destroy that deletion protection refuses, deleting
# nothing. Each run's emulator starts empty: the refresh of the first `up` finds what an earlier run
# made gone (the same account at the same URL answers 404) and drops it from the state, then `up`
# makes it anew.
push_up() {
    echo "== 0. what the account holds before"
    account_holds
    echo "== 1. pulumi up: the service, its two push credentials and its notification settings"
    pulumi up --yes --skip-preview --non-interactive --refresh
    echo "== 2. what the account holds now"
    local ready
    ready="$(account_holds)"
    echo "$ready"
    echo "== 3. a preview right after up shows no changes"
    pulumi preview --non-interactive --refresh --diff --expect-no-changes
    # With its preview (no --skip-preview): the engine refuses a protected delete there, before it has
    # deleted anything (pulumi/pulumi pkg/resource/deploy/step.go DeleteStep.Apply). Without it, the
    # engine deletes the service's settings, and may delete the credentials, before it reaches the
    # service.
    echo "== 4. pulumi destroy is refused at its preview: the service is protected"
    if pulumi destroy --yes --non-interactive; then
        echo "examples/$EXAMPLE: the destroy was not refused" >&2
        exit 1
    fi
    echo "== 5. nothing was deleted"
    if [ "$(account_holds)" != "$ready" ]; then
        echo "examples/$EXAMPLE: the account changed:" >&2
        account_holds >&2
        exit 1
    fi
    echo "The account holds the same as after step 2."
}
