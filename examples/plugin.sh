# Shared by the examples of the native provider plugin (yaml/, typescript/). Source it after lib.sh.
# The plugin directory is provider/: PulumiPlugin.yaml (runtime python, toolchain pip, virtualenv venv),
# __main__.py and requirements.txt.
PLUGIN_DIR="$ROOT/provider"

# require_cli VERSION WHY: stop with a message if the pulumi first on PATH (require_pulumi put it there)
# is older than VERSION.
require_cli() {
    local need=$1 why=$2 have
    have="$(pulumi version)"; have="${have#v}"; have="${have%%[-+]*}"
    if [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -n1)" != "$need" ]; then
        echo "This example needs the Pulumi CLI $need or newer ($why); found $have at $(command -v pulumi)." >&2
        exit 2
    fi
}

# plugin_venv: build provider/venv from provider/requirements.txt the way the Python language host builds
# a plugin's virtualenv with the pip toolchain (sdk/python/toolchain/pip.go InstallDependencies:
# `python -m venv venv`, upgrade pip, setuptools and wheel, `pip install -r requirements.txt`).
# `pulumi package add <dir>` and `pulumi install` do it themselves from CLI 3.219
# (pkg/cmd/pulumi/packageinstallation: installStep -> InstallPluginAt); nothing does it for a YAML
# program's `plugins:` entry, and the engine cannot start the plugin without it. Rebuilt when
# requirements.txt changes. venv/ is gitignored.
plugin_venv() {
    local venv="$PLUGIN_DIR/venv" stamp="$PLUGIN_DIR/venv/.requirements.txt"
    if [ -x "$venv/bin/python" ] && cmp -s "$PLUGIN_DIR/requirements.txt" "$stamp"; then
        return 0
    fi
    python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
        || { echo "The plugin needs Python 3.10 or newer as python3." >&2; exit 2; }
    echo "Building the plugin's virtualenv $venv from $PLUGIN_DIR/requirements.txt ..." >&2
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip setuptools wheel
    "$venv/bin/python" -m pip install --quiet -r "$PLUGIN_DIR/requirements.txt"
    cp "$PLUGIN_DIR/requirements.txt" "$stamp"
}

# run_stack COMMAND: the stack "dev" on the local backend, on the emulator; up ends with a preview that
# must show no changes.
run_stack() {
    pulumi stack select --create dev --non-interactive
    case "$1" in
        up)
            pulumi up --yes --skip-preview --non-interactive --refresh
            echo "== the settings the emulator now holds"
            api GET "$SID"
            echo "== a preview right after up shows no changes"
            pulumi preview --non-interactive --refresh --diff --expect-no-changes
            ;;
        destroy) pulumi destroy --yes --skip-preview --non-interactive --refresh ;;
        *) pulumi "$1" --non-interactive --refresh --diff ;;
    esac
}
