#!/usr/bin/env bash
# A TypeScript program on the native plugin, on the bundled emulator: run.sh [up|preview|destroy]
# Needs the Pulumi CLI 3.219 or newer (the one on PATH, else one installed into .pulumi-cli/ as for
# the other examples), Node.js with npm, and Python 3.10+.
# Run with the Pulumi CLI v3.259.0 once (docs/examples.md, "The native plugin"); the tests check
# index.ts's property names against the schema and, where a TypeScript compiler is found, type-check it
# against declarations built from the schema (tests/test_native_examples.py). The generated SDK itself is
# not built by the tests.
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"; EXAMPLE=typescript
. "$ROOT/examples/lib.sh"
. "$ROOT/examples/plugin.sh"
USAGE="[up|preview|destroy]"
choose command "${1:-up}" up preview destroy
SID=IS00000000000000000000000000000000  # Pulumi.yaml's serviceSid default
install_package; require_pulumi
# From 3.219 `pulumi package add <dir>` installs a local plugin's dependencies before it runs it
# (pkg/cmd/pulumi/packageinstallation) and keeps the directory's path in Pulumi.yaml.
require_cli 3.219.0 "pulumi package add of a local Python plugin directory"
command -v npm >/dev/null || { echo "This example needs Node.js and npm." >&2; exit 2; }
# package add would build it too; building it first makes the step's output about the SDK only.
plugin_venv
use_local_backend
# GetSchema from the plugin -> sdks/twilio-conversations; package.json and Pulumi.yaml already hold what
# it records (the file: dependency, allowScripts, packages:), so it rewrites them unchanged; npm install.
pulumi package add ../../provider
start_emulator
run_stack "${1:-up}"
