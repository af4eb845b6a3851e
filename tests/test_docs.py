"""The README and docs/ stay true to the code, and a newcomer can find their way through them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pulumi
import pytest
import yaml
from pem import CERT, RSA_KEY

from pulumi_twilio_conversations import Service, reference
from pulumi_twilio_conversations.core.client import Credentials, HttpSettings, TwilioClient
from pulumi_twilio_conversations.core.config import CONFIG_KEYS, DEFAULT_NAMES, env_name
from pulumi_twilio_conversations.core.credential import CREDENTIAL
from pulumi_twilio_conversations.core.models import nested_models
from pulumi_twilio_conversations.core.service import SERVICE
from pulumi_twilio_conversations.emulator import Emulator
from pulumi_twilio_conversations.export import service_declaration
from pulumi_twilio_conversations.native.schema import PACKAGE, RESOURCE_TYPES, to_camel

import harness
from conftest import ACCOUNT, SID, TOKEN, MockRecorder

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
REGISTRY_PAGES = ("_index.md", "installation-configuration.md")
"""The pages the Pulumi Registry renders from a provider's docs/ (as pulumi/pulumi-random and
1Password/pulumi-onepassword publish them), each with front matter: title, meta_desc, layout: package."""


def text_of(page: Path) -> str:
    return page.read_text()


@pytest.mark.parametrize("page", [README, *PAGES], ids=lambda p: p.name)
def test_generated_sections_are_current(page: Path) -> None:
    """The input/output reference and both config tables, as the code renders them today, on the pages
    that hold them (reference.PAGES) and nowhere else."""
    text = text_of(page)
    expected = reference.PAGES.get(str(page.relative_to(ROOT)), ())
    assert reference.sections_in(text) == expected
    assert text == reference.refreshed(text), (
        f"{page.name} is stale: run python -m pulumi_twilio_conversations.reference --write docs/*.md")


def test_every_page_that_should_hold_a_generated_section_exists() -> None:
    for page in reference.PAGES:
        assert (ROOT / page).is_file(), page


def test_every_config_key_and_variable_is_documented() -> None:
    install = text_of(DOCS / "installation-configuration.md")
    for key in CONFIG_KEYS:
        assert f"`twilio:{key}`" in install, key
        assert f"`{PACKAGE}:{key}`" in install, key
        assert f"`{env_name('twilio', key)}`" in install, key


def front_matter(page: Path) -> dict[str, Any]:
    match = re.match(r"---\n(.*?)\n---\n", text_of(page), re.DOTALL)
    assert match, f"{page.name} has no front matter"
    loaded = yaml.safe_load(match.group(1))
    assert isinstance(loaded, dict)
    return loaded


@pytest.mark.parametrize("name", REGISTRY_PAGES)
def test_registry_pages_carry_the_front_matter_pulumis_providers_write(name: str) -> None:
    matter = front_matter(DOCS / name)
    assert set(matter) == {"title", "meta_desc", "layout"}
    assert matter["layout"] == "package"
    assert matter["title"].startswith("Twilio Conversations") and matter["meta_desc"]


def test_the_readme_is_a_landing_page() -> None:
    """Under 300 lines, with the two commands, installs for Python and other languages, and a link to
    every docs page."""
    text = text_of(README)
    assert len(text.splitlines()) < 300
    assert "examples/quickstart/run.sh" in text
    assert "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest" in text
    assert "pip install /path/to/" in text and "pulumi package add /path/to/" in text
    linked = {target.split("#")[0] for target in links(README)}
    assert {f"docs/{page.name}" for page in PAGES} <= linked


def test_the_readmes_test_command_is_what_ci_runs() -> None:
    assert "python -m pytest" in (ROOT / ".ci" / "run").read_text()


def links(page: Path) -> list[str]:
    """Relative link targets in a page (code blocks skipped)."""
    text = re.sub(r"```.*?```", "", text_of(page), flags=re.DOTALL)
    return [t for t in re.findall(r"\]\(([^)\s]+)\)", text) if not re.match(r"[a-z]+:", t)]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = unicodedata.normalize("NFKC", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", text_of(page), flags=re.DOTALL)
    return {slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, flags=re.MULTILINE)}


@pytest.mark.parametrize("page", [README, *PAGES], ids=lambda p: p.name)
def test_every_relative_link_resolves(page: Path) -> None:
    for target in links(page):
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        assert dest.exists(), f"{page.name}: {target}"
        if anchor:
            assert anchor in anchors(dest), f"{page.name}: {target} (anchors: {sorted(anchors(dest))})"


@pytest.mark.parametrize("page", [README, *(p for p in PAGES if p.name != "internals.md")], ids=lambda p: p.name)
def test_engine_file_citations_stay_in_the_internals_page(page: Path) -> None:
    """A user's page says what Pulumi does; where that was read in Pulumi's source is for maintainers."""
    found = re.findall(r"\b(?:pkg|sdk)/[\w/.-]+", text_of(page))
    assert found == [], found


def section(page: Path, heading: str) -> str:
    """A page's text under ``heading`` (a whole heading line), up to the next heading of the same or a
    higher level; lines in code blocks are never headings."""
    level = len(heading) - len(heading.lstrip("#"))
    lines, inside, fenced = [], False, False
    for line in text_of(page).splitlines():
        if line.startswith("```"):
            fenced = not fenced
        is_heading = not fenced and line.startswith("#")
        if is_heading and inside and len(line) - len(line.lstrip("#")) <= level:
            break
        if inside:
            lines.append(line)
        inside = inside or line == heading
    assert lines, f"no section {heading!r} in {page.name}"
    return "\n".join(lines)


def test_install_and_migration_say_a_python_project_needs_its_dependency_file() -> None:
    """`pulumi package add` links the SDK into requirements.txt (pip) or pyproject.toml (uv, poetry) and stops
    when there is neither (sdk/python/cmd/pulumi-language-python/main.go Link, sdk/python/toolchain/pip.go)."""
    install = section(DOCS / "installation-configuration.md", "### Any language: the native plugin from a checkout")
    migration = section(DOCS / "drift-adoption-migration.md",
                        "## Migrating a stack from the dynamic resource to the plugin")
    for text in (install, migration, text_of(README)):
        assert "requirements.txt" in text and "pyproject.toml" in text
    words = " ".join(install.split())  # the CLI's own words, as a user searching for them finds them
    assert "error: linking package: no pyproject.toml or requirements.txt found" in words
    assert "error opening requirements.txt" in words
    assert "touch requirements.txt" in migration.split("pulumi package add", 1)[0]  # before the add


def python_blocks(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text_of(page), flags=re.DOTALL)


@pulumi.runtime.test  # type: ignore[untyped-decorator]
def test_the_overviews_python_example_declares_the_resource(mocks: MockRecorder) -> Any:
    """The example as printed, run under Pulumi's mocks (its one declaration kept in a name to wait on)."""
    [example] = python_blocks(DOCS / "_index.md")
    assert example.count('\nServiceNotifications("support-push",') == 1
    pulumi.runtime.set_all_config({"test:serviceSid": "IS" + "0123456789abcdef" * 2})
    namespace: dict[str, Any] = {"__name__": "__main__"}
    try:
        exec(compile(example.replace('\nServiceNotifications(', '\nresource = ServiceNotifications('),
                     "docs/_index.md", "exec"), namespace)
    finally:
        pulumi.runtime.set_all_config({})

    def verify(_: Any) -> None:
        [registered] = mocks.resources
        assert registered.typ == "pulumi-python:dynamic/twilio:ServiceNotifications"
        assert registered.inputs["new_message"]["with_media"] == {"enabled": True, "template": "${MEDIA_COUNT} files"}

    return namespace["resource"].urn.apply(verify)


# --- the resources' reference tables -------------------------------------------------------------------

def test_every_resource_has_its_generated_reference_table() -> None:
    """One table per resource the plugin serves, on the reference page, naming each input in both
    spellings (the dynamic resource's and the schema's)."""
    text = text_of(DOCS / "reference.md")
    for kind in RESOURCE_TYPES:
        start = f"<!-- reference-{kind.name}:start -->"
        assert start in text, start
        table = text.split(start, 1)[1].split(f"<!-- reference-{kind.name}:end -->", 1)[0]
        for name in kind.inputs.model_fields:
            assert f"| `{name}` | `{to_camel(name)}` |" in table, (kind.name, name)
        for name in kind.output_only:
            assert f"| `{name}` | `{to_camel(name)}` |" in table, (kind.name, name)


def test_every_resource_names_its_twilio_form_fields() -> None:
    """``reference.TWILIO_FIELDS`` is what a resource adds to the docs: it must cover each resource, and
    each of its fields must be an input, so a renamed field cannot leave a stale row."""
    assert set(reference.TWILIO_FIELDS) == {kind.name for kind in RESOURCE_TYPES}
    for kind in RESOURCE_TYPES:
        fields = reference.TWILIO_FIELDS[kind.name]
        paths = {f.path for f in fields.fields} | set(fields.not_sent) | set(fields.not_output)
        inputs = {f"{prefix}.{name}" if prefix else name
                  for prefix, model in nested_models(kind.inputs).items() for name in model.model_fields}
        assert paths <= inputs, (kind.name, paths - inputs)


def row(kind_name: str, path: str) -> list[str]:
    """The cells of an input's row in a resource's generated table."""
    kind = next(k for k in RESOURCE_TYPES if k.name == kind_name)
    [line] = [line for line in reference.render_resource(kind).splitlines() if line.startswith(f"| `{path}` |")]
    return [cell.strip() for cell in line.strip("|").split(" | ")]


@pytest.mark.parametrize(("kind", "path", "type_", "default", "twilio", "replaces", "secret"), [
    ("Service", "friendly_name", "`str`", "required", "`FriendlyName`", "yes", ""),
    ("Service", "deletion_protection", "`bool`", "`True`", "not sent: kept in the state", "", ""),
    ("Service", "adopt_sid", "`str`", "unset", "not sent: the create reads that service (one GET)", "", ""),
    ("Credential", "type", "`str`", "required", "`Type`", "yes", ""),
    ("Credential", "private_key", "`str`", "unset", "`PrivateKey`", "", "yes"),
    ("Credential", "sandbox", "`bool`", "`False`", "`Sandbox`", "", ""),
    ("Credential", "secret", "`str`", "unset", "`Secret`", "", "yes"),
    ("ServiceNotifications", "chat_service_sid", "`str`", "required", "path `{ChatServiceSid}`", "yes", ""),
    ("ServiceNotifications", "new_message.with_media", "`WithMedia` or dict", "all defaults", "—", "", ""),
    ("ServiceNotifications", "new_message.badge_count_enabled", "`bool`", "`False`",
     "`NewMessage.BadgeCountEnabled`", "", ""),
])
def test_an_inputs_row_says_what_the_core_does(kind: str, path: str, type_: str, default: str, twilio: str,
                                               replaces: str, secret: str) -> None:
    assert row(kind, path)[2:7] == [type_, default, twilio, replaces, secret]


def test_the_outputs_say_which_inputs_are_not_outputs_and_which_are_secret() -> None:
    by_name = {kind.name: reference.render_resource(kind) for kind in RESOURCE_TYPES}
    assert by_name["Service"].endswith("Every input is also an output, except `adopt_sid`.")
    assert by_name["Credential"].endswith(
        "Every input is also an output; `api_key`, `certificate`, `private_key`, `secret` are secret there too.")
    assert "| `links` | `links` | `dict[str, str]` |" in by_name["Service"]


# --- every message of the Service and the Credential has its troubleshooting entry ----------------------

def flat(text: str) -> str:
    """Text as a reader searches it: no markdown emphasis or code marks, one space between words."""
    return " ".join(text.replace("`", "").replace("**", "").split())


def _raised(call: Callable[[], Any]) -> str:
    try:
        call()
    except Exception as err:  # the message is the point; the type is each call's own
        return str(err)
    raise AssertionError("no error")


def _created_all_the_same(emulator: Emulator) -> str:
    client = TwilioClient(HttpSettings(base_url=emulator.url, max_retries=1, backoff_factor=0.01, backoff_max=0.05,
                                       retry_after_max=1, read_timeout=5, connect_timeout=2))
    emulator.inject(status=503, methods=["POST"], count=-1)
    return _raised(lambda: SERVICE.create(client, Credentials(ACCOUNT, TOKEN, "twilio:accountSid"),
                                          SERVICE.validate({"friendly_name": "support-dev"})[0]))


def _adoption_mismatch(emulator: Emulator) -> str:
    client = TwilioClient(HttpSettings(base_url=emulator.url))
    emulator.state.add_service(SID, ACCOUNT, "live-name")
    inputs, _ = SERVICE.validate({"friendly_name": "support-dev", "adopt_sid": SID})
    return _raised(lambda: SERVICE.create(client, Credentials(ACCOUNT, TOKEN, "twilio:accountSid"), inputs))


def _missing(emulator: Emulator) -> str:
    client = TwilioClient(HttpSettings(base_url=emulator.url))
    return _raised(lambda: SERVICE.read(client, Credentials(ACCOUNT, TOKEN, "twilio:accountSid"), "IS" + "9" * 32,
                                        {}, DEFAULT_NAMES))


def _credential_problem(values: dict[str, Any]) -> str:
    return "; ".join(f"{p.field}: {p.reason}" for p in CREDENTIAL.validate(values)[1])


URN = "urn:pulumi:dev::push::pulumi-python:dynamic/twilio:Service::support"
MESSAGES: dict[str, tuple[str, Callable[[Emulator], str]]] = {
    "rename refused at check": (
        "replaces the service, since Twilio cannot rename one, and deleting a Conversations Service deletes every "
        "conversation, message and participant in it",
        lambda _: " ".join(p.reason for p in SERVICE.check_change({"friendly_name": "support-dev"},
                                                                  {"friendly_name": "support-2"}))),
    "delete refused in Delete": (
        "was not deleted: deletion protection is on",
        lambda _: _raised(lambda: SERVICE.delete(None, None, SID, {"friendly_name": "support-dev"},  # type: ignore[arg-type]
                                                 DEFAULT_NAMES))),
    "the engine's protected delete": (
        "cannot be deleted because it is protected. To unprotect the resource, either remove the protect flag",
        lambda _: harness.delete_protected_message(URN)),
    "the engine's protected replace": (
        "as it is currently marked for protection", lambda _: harness.replace_protected_message(URN)),
    "dynamic import_ refused": (
        "the import_ option cannot work for a dynamic resource",
        lambda _: _raised(lambda: Service("support", friendly_name="x",
                                          opts=pulumi.ResourceOptions(import_=SID)))),
    "adoption mismatch": ("cannot be adopted as declared: its live friendly_name is", _adoption_mismatch),
    "not found at import, adopt or export": ("does not exist in account", _missing),
    "created all the same": ("Service may have been created all the same", _created_all_the_same),
    "another type's field": (
        "api_key: is for type 'gcm', not 'fcm' (type 'fcm' takes secret): remove api_key, or set type='gcm'",
        lambda _: _credential_problem({"type": "fcm", "api_key": "k", "secret": "s"})),
    "the type's field missing": ("certificate: is required for type 'apn'",
                                 lambda _: _credential_problem({"type": "apn"})),
    "type in capitals": ("type: must be one of 'apn', 'fcm', 'gcm', in lower case: write 'apn'",
                         lambda _: _credential_problem({"type": "APN"})),
    "swapped PEM texts": (
        "certificate: is a private key, not a certificate: did you swap certificate and private_key?",
        lambda _: _credential_problem({"type": "apn", "certificate": RSA_KEY, "private_key": CERT})),
    "a file name": ("certificate: looks like a file name, not the file's content",
                    lambda _: _credential_problem({"type": "apn", "certificate": "cert.pem", "private_key": RSA_KEY})),
    "no BEGIN line": ("has no -----BEGIN CERTIFICATE----- line: give the PEM text with its BEGIN and END lines",
                      lambda _: _credential_problem({"type": "apn", "certificate": "MIIB", "private_key": RSA_KEY})),
    "escaped line breaks": (
        "has its line breaks written as \\n",
        lambda _: _credential_problem({"type": "apn", "certificate": CERT.replace("\n", "\\n"),
                                       "private_key": RSA_KEY})),
    "encrypted key": (
        "holds an encrypted private key",
        lambda _: _credential_problem({"type": "apn", "certificate": CERT,
                                       "private_key": "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n"
                                                      "-----END ENCRYPTED PRIVATE KEY-----\n"})),
    "text around the block": (
        "characters of text outside its BEGIN and END lines",
        lambda _: _credential_problem({"type": "apn", "certificate": "Bag Attributes\n" + CERT,
                                       "private_key": RSA_KEY})),
    "URL-encoded": ("is URL-encoded",
                    lambda _: _credential_problem({"type": "apn", "certificate": quote(CERT), "private_key": RSA_KEY})),
    "whitespace around a key": ("secret: has whitespace (a space or a line break) before or after it: remove it",
                                lambda _: _credential_problem({"type": "fcm", "secret": "AAAA-key\n"})),
    "export of a name the provider refuses": (
        "under its live name would fail at preview",
        lambda _: _raised(lambda: service_declaration(SID, "bell\u0007", "support"))),
}
"""Each message a Service, a Credential or export gives that a user may search for: the words the
troubleshooting page quotes (in the message as the code words it today), and how the code produces it."""


@pytest.mark.parametrize("case", sorted(MESSAGES))
def test_every_push_message_has_its_troubleshooting_entry(case: str, emulator: Emulator) -> None:
    quoted, produce = MESSAGES[case]
    assert flat(quoted) in flat(produce(emulator)), "the page would quote words the code no longer says"
    assert flat(quoted) in flat(text_of(DOCS / "troubleshooting.md")), f"no troubleshooting entry for: {case}"
