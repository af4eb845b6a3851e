"""Every Python Pulumi project in this repository runs its program and its dynamic provider with one virtualenv.

The Pulumi engine resolves ``runtime.options.virtualenv`` twice, by two different rules:

- the Python language host, which runs the program, against the directory holding ``Pulumi.yaml``;
- the dynamic-provider launcher, which starts ``python -m pulumi.dynamic``, against its working
  directory, which is the program directory (``main:`` if set).

A project with ``main:`` and a relative ``virtualenv`` therefore gets two different interpreters unless
the layout makes both paths land on the same venv (pulumi/pulumi#7061). These tests compute both, as
the engine does, for every Python ``Pulumi.yaml`` git tracks, and require both to be ``<repo>/.venv``: the venv
the README's set-up creates (``python3 -m venv .venv`` at the root of the checkout).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
README_VENV = REPO / ".venv"


def pulumi_projects() -> list[Path]:
    """Every Pulumi.yaml git tracks (git pathspec wildcards match across directories)."""
    out = subprocess.run(["git", "ls-files", "-z", "*Pulumi.yaml"], cwd=REPO, capture_output=True, text=True,
                         timeout=60, check=True).stdout
    return [REPO / name for name in out.split("\0") if name]


def python_projects() -> list[Path]:
    """The tracked projects whose program is Python: only they have a virtualenv and a dynamic provider.
    (examples/yaml and examples/typescript use the native plugin, which builds its own venv in
    provider/venv.)"""
    return [p for p in pulumi_projects() if runtime_name(p) == "python"]


def runtime_name(pulumi_yaml: Path) -> str:
    runtime = yaml.safe_load(pulumi_yaml.read_text())["runtime"]
    return str(runtime["name"] if isinstance(runtime, dict) else runtime)


def runtime_options(pulumi_yaml: Path) -> dict[str, Any]:
    runtime = yaml.safe_load(pulumi_yaml.read_text())["runtime"]
    return dict(runtime.get("options") or {}) if isinstance(runtime, dict) else {}


def language_host_venv(pulumi_yaml: Path) -> Path:
    """The venv the Python language host runs the program with.

    The host's Root is the directory holding Pulumi.yaml (pkg/workspace/context.go ReadProject returns
    filepath.Dir(path); cmd/pulumi-language-python/main.go parseOptions sets Root from
    req.Info.RootDirectory). With ``toolchain: pip``, sdk/python/toolchain/toolchain.go ResolveToolchain
    calls newPip(options.Root, options.Virtualenv), and sdk/python/toolchain/pip.go
    resolveVirtualEnvironmentPath joins a relative virtualenv to Root with filepath.Join, which cleans
    the path lexically (as os.path.normpath does).
    """
    options = runtime_options(pulumi_yaml)
    # Only the pip rule is modelled here; uv and poetry resolve differently (toolchain.go ResolveToolchain).
    assert options.get("toolchain") == "pip", f"{pulumi_yaml}: set runtime.options.toolchain: pip"
    virtualenv = str(options["virtualenv"])
    root = pulumi_yaml.parent
    return Path(virtualenv if os.path.isabs(virtualenv) else os.path.normpath(os.path.join(root, virtualenv)))


def program_directory(pulumi_yaml: Path) -> Path:
    """The directory the engine starts every plugin in, the dynamic provider included.

    pkg/engine/project.go getPwdMain: with no ``main`` it is the project root; otherwise ``main`` joined
    to the root and cleaned, or its parent if ``main`` names a file. pkg/engine/deployment.go puts it in
    plugin.Context.Pwd ("the working directory to spawn all plugins in"), and
    pkg/resource/plugin/provider_plugin.go NewProvider → plugin.go newPlugin(ctx, ctx.Pwd, ...) →
    ExecPlugin sets cmd.Dir to it.
    """
    root = pulumi_yaml.parent
    main = yaml.safe_load(pulumi_yaml.read_text()).get("main")
    if not main:
        return root
    path = Path(main if os.path.isabs(main) else os.path.normpath(os.path.join(root, main)))
    return path if path.is_dir() else path.parent


def launcher_venv(pulumi_yaml: Path) -> Path:
    """The venv the dynamic-provider launcher runs ``python -m pulumi.dynamic`` with.

    pkg/resource/plugin/provider_plugin.go NewProvider passes each runtime option unchanged as
    PULUMI_RUNTIME_<KEY>, so PULUMI_RUNTIME_VIRTUALENV is the raw value from Pulumi.yaml.
    sdk/python/dist/pulumi-resource-pulumi-python strips one trailing "/" and, if the value does not
    start with "/", prefixes "$PWD/" without cleaning it: the OS then follows symlinks and "..".
    $PWD is the plugin's real working directory: sh discards an inherited PWD that does not name it
    and takes getcwd(), which has no symlinks in it.
    """
    virtualenv = str(runtime_options(pulumi_yaml)["virtualenv"]).removesuffix("/")
    if virtualenv.startswith("/"):
        return Path(virtualenv)
    return Path(f"{program_directory(pulumi_yaml).resolve()}/{virtualenv}")


def test_the_repository_has_pulumi_projects() -> None:
    projects = pulumi_projects()
    assert REPO / "Pulumi.yaml" in projects  # the quickstart's project, with main: examples/quickstart/
    assert len(python_projects()) >= 2


@pytest.mark.parametrize("pulumi_yaml", python_projects(), ids=lambda p: str(p.relative_to(REPO)))
def test_program_and_provider_use_the_readme_venv(pulumi_yaml: Path) -> None:
    program = language_host_venv(pulumi_yaml).resolve()
    provider = launcher_venv(pulumi_yaml).resolve()
    assert program == provider, (
        f"{pulumi_yaml.relative_to(REPO)}: the program would run with {program} but the dynamic provider "
        f"with {provider} (pulumi/pulumi#7061)")
    assert program == README_VENV.resolve()


def test_the_quickstart_venv_link_is_relative() -> None:
    """Committed as a relative symlink, so it points at the checkout's own .venv wherever it is cloned."""
    link = REPO / "examples" / "quickstart" / ".venv"
    assert link.is_symlink()
    assert not os.path.isabs(os.readlink(link))


def test_python_started_through_the_link_is_that_venv(tmp_path: Path) -> None:
    """Python finds a venv's pyvenv.cfg next to the path it was started by, symlinks and all.

    The quickstart's layout is rebuilt in tmp_path around the venv running these tests (which may not be
    <repo>/.venv, e.g. .ci/run uses .ci-venv); then the launcher's steps run in the program directory:
    sdk/python/dist/pulumi-resource-pulumi-python tests that "$PWD/<virtualenv>/bin/python" is a file
    and runs it (with "-m pulumi.dynamic"; here with a check of what that interpreter can import).
    """
    if sys.prefix == sys.base_prefix:
        pytest.skip("the tests are not running in a virtualenv")
    link = REPO / "examples" / "quickstart" / ".venv"
    (tmp_path / ".venv").symlink_to(sys.prefix, target_is_directory=True)
    program_dir = tmp_path / "examples" / "quickstart"
    program_dir.mkdir(parents=True)
    (program_dir / ".venv").symlink_to(os.readlink(link), target_is_directory=True)
    launcher = (
        'V="$PWD/$PULUMI_RUNTIME_VIRTUALENV"\n'
        '[ -f "$V/bin/python" ] || { echo "no $V/bin/python" >&2; exit 1; }\n'
        '"$V/bin/python" -c "import sys, pulumi.dynamic, pulumi_twilio_conversations; print(sys.prefix)"\n'
    )
    env = {"PATH": "/usr/bin:/bin", "PULUMI_RUNTIME_VIRTUALENV": ".venv"}
    result = subprocess.run(["sh", "-c", launcher], cwd=program_dir, env=env, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()).resolve() == Path(sys.prefix).resolve()
