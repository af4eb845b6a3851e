#!/usr/bin/env bash
# Deploy one environment's stack on the bundled emulator: run.sh dev|staging|prod [pulumi command...]
# Default command: up. Try: run.sh prod preview; run.sh dev destroy.
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"; EXAMPLE=multi-environment
. "$ROOT/examples/lib.sh"
USAGE="dev|staging|prod [up|preview|refresh|destroy]"
choose stack "${1:-}" dev staging prod
STACK=$1
COMMAND="${2:-up}"
choose command "$COMMAND" up preview refresh destroy
install_package; require_pulumi; start_emulator; use_local_backend
pulumi stack select --create "$STACK" --non-interactive
case "$COMMAND" in
    up|destroy|refresh) pulumi "$COMMAND" --yes --skip-preview --non-interactive --refresh ;;
    *) pulumi "$COMMAND" --non-interactive --refresh --diff ;;
esac
