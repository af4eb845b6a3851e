#!/usr/bin/env bash
# One environment's push set-up on the bundled emulator: run.sh dev|prod [up|preview]
# up (the default): from an account with no push set-up to push-ready, a preview with no changes, and a
# `pulumi destroy` that deletion protection refuses, deleting nothing (examples/push.sh push_up).
# preview: what `up` would do. To delete the service for real: set deletion_protection=False on it in
# __main__.py, `pulumi up`, then `pulumi destroy` (docs/examples.md, push-stack).
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"; EXAMPLE=push-stack
. "$ROOT/examples/lib.sh"
. "$ROOT/examples/push.sh"
USAGE="dev|prod [up|preview]"
choose stack "${1:-}" dev prod
STACK=$1
COMMAND="${2:-up}"
choose command "$COMMAND" up preview
CONFIG_NS=twilio
install_package; require_pulumi; start_emulator; use_local_backend
pulumi stack select --create "$STACK" --non-interactive
case "$COMMAND" in
    up) push_up ;;
    *) pulumi preview --non-interactive --refresh --diff ;;
esac
