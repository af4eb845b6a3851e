"""What the sdist and the wheel ship, built once from this checkout as ``python -m build`` builds them
(the sdist, then the wheel from the unpacked sdist).

The wheel is the package: the dynamic resource ``ServiceNotifications``, the export command, the
emulator, and the code the native plugin runs. The native plugin itself is a plugin directory, not a
wheel: ``pulumi package add <checkout>/provider`` (or a git URL of ``provider/``) needs
``PulumiPlugin.yaml``, ``__main__.py`` and ``requirements.txt`` beside the package's source. The sdist
carries that directory whole; the wheel does not need it. The sdist ships no tests: the suite needs the
harness, fixtures and examples of a git checkout (MANIFEST.in).
"""

from __future__ import annotations

import email.parser
import hashlib
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import pytest

from pulumi_twilio_conversations import __version__
from pulumi_twilio_conversations.native.schema import package_schema

ROOT = Path(__file__).resolve().parent.parent
LICENSE = (ROOT / "LICENSE").read_bytes()
DECLARED = re.search(r'^license = "([^"]+)"$', (ROOT / "pyproject.toml").read_text(), re.MULTILINE)
# The text https://www.apache.org/licenses/LICENSE-2.0.txt serves, byte for byte (the copy PyPI packages such
# as googleapis-common-protos ship; its terms are those of pulumi/pulumi's LICENSE).
APACHE_2_0_SHA256 = "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"


@dataclass(frozen=True)
class Dists:
    sdist: Path
    wheel: Path

    def sdist_names(self) -> set[str]:
        """Paths inside the sdist, without its top directory."""
        with tarfile.open(self.sdist) as tar:
            return {name.partition("/")[2] for name in tar.getnames() if "/" in name}

    def sdist_read(self, name: str) -> bytes:
        with tarfile.open(self.sdist) as tar:
            member = tar.extractfile(f"{self.sdist.name.removesuffix('.tar.gz')}/{name}")
            assert member is not None, name
            return member.read()

    def wheel_names(self) -> set[str]:
        with zipfile.ZipFile(self.wheel) as whl:
            return set(whl.namelist())

    def wheel_read(self, name: str) -> bytes:
        with zipfile.ZipFile(self.wheel) as whl:
            return whl.read(name)

    def metadata(self) -> Message:
        dist_info = f"pulumi_twilio_conversations-{__version__}.dist-info"
        return email.parser.BytesParser().parsebytes(self.wheel_read(f"{dist_info}/METADATA"))


def checkout_files(under: str = ".") -> set[str]:
    """The files a commit of this checkout holds under a folder: tracked, or new and not ignored."""
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", under],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    return {name for name in out.stdout.splitlines() if (ROOT / name).is_file()}


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    # From a copy of the checkout's files, as a fresh clone has them: a build in the checkout itself reuses
    # the editable install's egg-info (its SOURCES.txt), so what it ships would depend on earlier builds.
    source = tmp_path_factory.mktemp("source")
    for name in checkout_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("dist")
    # No isolation: the test extra brings setuptools>=77 and build, so this works offline and in seconds.
    # The release workflow builds the same files in isolated environments.
    result = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    return Dists(sdist, wheel)


def test_the_files_are_named_after_the_version(dists: Dists) -> None:
    assert dists.sdist.name == f"pulumi_twilio_conversations-{__version__}.tar.gz"
    assert dists.wheel.name == f"pulumi_twilio_conversations-{__version__}-py3-none-any.whl"
    assert dists.metadata()["Version"] == __version__


def test_the_sdist_ships_the_licence(dists: Dists) -> None:
    assert dists.sdist_read("LICENSE") == LICENSE


def test_the_sdist_ships_no_tests(dists: Dists) -> None:
    # A partial suite (test files without conftest.py, the harness or the fixtures) cannot run: none at all.
    assert not {name for name in dists.sdist_names() if name.startswith("tests/")}


def test_the_sdist_ships_the_pages_its_readme_links_to(dists: Dists) -> None:
    assert checkout_files("docs") <= dists.sdist_names()
    assert "README.md" in dists.sdist_names()


def test_the_sdist_is_a_plugin_directory(dists: Dists) -> None:
    # What `pulumi package add <unpacked sdist>/provider` runs: every file of provider/ in the checkout.
    assert checkout_files("provider") <= dists.sdist_names()


def test_the_wheel_ships_the_licence_and_names_it(dists: Dists) -> None:
    dist_info = f"pulumi_twilio_conversations-{__version__}.dist-info"
    assert dists.wheel_read(f"{dist_info}/licenses/LICENSE") == LICENSE
    metadata = dists.metadata()
    # PEP 639 (core metadata 2.4): what pip show prints as License-Expression.
    assert DECLARED is not None
    assert metadata["License-Expression"] == DECLARED[1] == "Apache-2.0"
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert package_schema()["license"] == metadata["License-Expression"]


def test_the_wheel_holds_the_whole_package(dists: Dists) -> None:
    # Every module the dynamic resource, the CLI and the native plugin import, and py.typed.
    package = {name.removeprefix("provider/") for name in checkout_files("provider/pulumi_twilio_conversations")}
    shipped = {name for name in dists.wheel_names() if name.startswith("pulumi_twilio_conversations/")}
    assert shipped == package


def test_the_licence_is_the_unmodified_apache_2_0_text() -> None:
    assert hashlib.sha256(LICENSE).hexdigest() == APACHE_2_0_SHA256
