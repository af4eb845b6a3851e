#!/usr/bin/env bash
# Two accounts in one stack, on the bundled emulator: run.sh [up|preview|destroy]
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"; EXAMPLE=multi-account
. "$ROOT/examples/lib.sh"
USAGE="[up|preview|destroy]"
COMMAND="${1:-up}"
choose command "$COMMAND" up preview destroy
install_package; require_pulumi; start_emulator; use_local_backend
pulumi stack select --create dev --non-interactive
case "$COMMAND" in
    up|destroy) pulumi "$COMMAND" --yes --skip-preview --non-interactive --refresh ;;
    *) pulumi "$COMMAND" --non-interactive --refresh --diff ;;
esac
