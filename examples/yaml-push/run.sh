#!/usr/bin/env bash
# examples/push-stack in Pulumi YAML on the native plugin, on the bundled emulator: run.sh [up|preview]
# up (the default): from an account with no push set-up to push-ready, a preview with no changes, and a
# `pulumi destroy` that `protect` refuses at its preview, deleting nothing (examples/push.sh push_up).
# Needs the Pulumi CLI 3.131 or newer and Python 3.10+, as examples/yaml does; builds provider/venv.
# Not run with a CLI yet: the tests check the program against the schema and send its resources through
# the plugin over gRPC (tests/test_native_examples.py), not through the engine.
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"; EXAMPLE=yaml-push
. "$ROOT/examples/lib.sh"
. "$ROOT/examples/plugin.sh"
. "$ROOT/examples/push.sh"
USAGE="[up|preview]"
COMMAND="${1:-up}"
choose command "$COMMAND" up preview
CONFIG_NS=twilio-conversations
install_package; require_pulumi
# pulumi-yaml 1.10 (bundled from CLI 3.131) loads the schema of a plugin named in `plugins:`
# (pulumi/pulumi-yaml#619).
require_cli 3.131.0 "a YAML program that names its plugin in plugins:"
plugin_venv; start_emulator; use_local_backend
pulumi stack select --create dev --non-interactive
case "$COMMAND" in
    up) push_up ;;
    *) pulumi preview --non-interactive --refresh --diff ;;
esac
