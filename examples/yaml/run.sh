#!/usr/bin/env bash
# A Pulumi YAML program on the native plugin, on the bundled emulator: run.sh [up|preview|destroy]
# Needs the Pulumi CLI 3.131 or newer (the one on PATH, else one installed into .pulumi-cli/ as for
# the other examples) and Python 3.10+. Builds the plugin's virtualenv provider/venv (gitignored).
# Run with the Pulumi CLI v3.259.0 once (docs/examples.md, "The native plugin"); the tests check the
# program against the schema and send its resource through the plugin over gRPC
# (tests/test_native_examples.py), but not through the engine.
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"; EXAMPLE=yaml
. "$ROOT/examples/lib.sh"
. "$ROOT/examples/plugin.sh"
USAGE="[up|preview|destroy]"
choose command "${1:-up}" up preview destroy
SID=IS00000000000000000000000000000000  # Pulumi.yaml's serviceSid default
install_package; require_pulumi
# pulumi-yaml 1.10 (bundled from CLI 3.131) loads the schema of a plugin named in `plugins:`
# (pulumi/pulumi-yaml#619).
require_cli 3.131.0 "a YAML program that names its plugin in plugins:"
plugin_venv; start_emulator; use_local_backend
run_stack "${1:-up}"
