"""The examples of the native plugin (examples/yaml, examples/typescript, examples/yaml-push) agree with the
plugin's schema.

No Pulumi CLI runs here, so these tests check what can be checked without one:

- each example's ``Pulumi.yaml`` parses and names its runtime; the plugin path it names resolves to
  ``provider/``, a plugin directory (``PulumiPlugin.yaml``, runtime python);
- the YAML program: every property path under ``properties:`` exists in the schema's resource inputs or
  object types (camelCase), with the schema's type; required inputs are present; every ``${...}`` left
  after Pulumi YAML's ``$$`` escape names config or a resource (so Twilio's placeholders are escaped);
  its values are valid settings; its stack config is the bundled emulator's account;
- each program's resource, with the values its language host would send (YAML: ``$$`` unescaped and
  config substituted; TypeScript: index.ts's literals and config defaults), through the plugin over
  gRPC against the emulator (tests/native_harness.py): created, then a preview with no changes; and the
  README's migration from the dynamic resource (state delete, then import) leaves the live settings
  untouched and the YAML program with nothing to change;
- index.ts: a light parse of the object literal given to ``ServiceNotifications`` (keys, nesting,
  literal kinds) against the schema, the import of the schema's nodejs package name, and, where a
  TypeScript compiler is found, a type check against declarations built from the schema the way Pulumi's
  nodejs code generator lays them out (pkg/codegen/nodejs). That proves the names and types index.ts
  uses; it does not prove the SDK ``pulumi package add`` generates, which has not been built here.
- examples/yaml-push (examples/push-stack in YAML): its resources against the schema, its secret inputs
  from secret config only, the same resources and values as push-stack's dev stack, and through the
  plugin: up to push-ready, no changes after, a destroy refused at its preview sending nothing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Optional

import pytest
import yaml
from cryptography import x509
from test_examples import TOKENS, decrypt, mock_sid, register_push_stack
from test_examples import stack_config as examples_stack_config

from pulumi_twilio_conversations import NotificationSettings
from pulumi_twilio_conversations.core.credential import CREDENTIAL
from pulumi_twilio_conversations.emulator import Emulator
from pulumi_twilio_conversations.native.schema import package_schema

from conftest import ACCOUNT, FAST_RETRIES
from harness import EngineError, ProviderServer, Ref, Secret, Stack, delete_protected_message
from native_harness import PROVIDER_DIR, NativePlugin, NativeStack
from native_harness import Resource as NativeResource
from native_harness import urn as native_urn

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
YAML_DIR = EXAMPLES / "yaml"
TS_DIR = EXAMPLES / "typescript"
SCHEMA = package_schema()
TOKEN = next(iter(SCHEMA["resources"]))
RESOURCE = SCHEMA["resources"][TOKEN]
PACKAGE = SCHEMA["name"]
TYPE_FOR: dict[str, type | tuple[type, ...]] = {"string": str, "boolean": bool, "integer": int, "number": (int, float)}
RUNTIMES = {"yaml": "yaml", "typescript": "nodejs"}


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict), path
    return data


def runtime_name(project: dict[str, Any]) -> str:
    runtime = project["runtime"]
    return str(runtime["name"] if isinstance(runtime, dict) else runtime)


def resolve_ref(spec: dict[str, Any]) -> dict[str, Any]:
    """The object type a property's ``$ref`` names (``#/types/<token>``)."""
    ref = spec["$ref"]
    assert ref.startswith("#/types/"), ref
    found = SCHEMA["types"][ref.removeprefix("#/types/")]
    assert isinstance(found, dict)
    return found


def lib_sh() -> dict[str, Any]:
    """What examples/lib.sh starts the emulator with: port, default account and token, and the
    services of the default account (``--service IS...`` without ``@AC...``)."""
    text = (EXAMPLES / "lib.sh").read_text()

    def var(name: str) -> str:
        match = re.search(rf"^{name}=(\S+)$", text, re.M)
        assert match, name
        return match.group(1)

    return {"port": var("EMULATOR_PORT"), "account": var("DEFAULT_ACCOUNT"), "token": var("DEFAULT_TOKEN"),
            "services": set(re.findall(r"--service (IS[0-9a-f]{32})(?!@)\b", text))}


# --- both examples ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("example", "runtime"), RUNTIMES.items())
def test_each_example_project_parses_and_names_its_runtime(example: str, runtime: str) -> None:
    project = load(EXAMPLES / example / "Pulumi.yaml")
    assert runtime_name(project) == runtime
    assert re.fullmatch(r"[A-Za-z0-9_.-]+", project["name"])
    assert (EXAMPLES / example / "run.sh").stat().st_mode & 0o111, "run.sh must be executable"


def test_the_plugin_directory_is_what_the_language_host_runs() -> None:
    plugin = load(PROVIDER_DIR / "PulumiPlugin.yaml")
    assert runtime_name(plugin) == "python"
    assert (PROVIDER_DIR / "__main__.py").is_file()  # run as `python <plugin dir> <engine address>`
    pins = (PROVIDER_DIR / "requirements.txt").read_text()
    assert re.search(r"^pulumi==\d+\.\d+\.\d+$", pins, re.M), "the plugin pins its pulumi version exactly"


def test_yaml_program_names_the_plugin_by_path() -> None:
    providers = load(YAML_DIR / "Pulumi.yaml")["plugins"]["providers"]
    assert [p["name"] for p in providers] == [PACKAGE]  # the package name in the resource type tokens
    assert (YAML_DIR / providers[0]["path"]).resolve() == PROVIDER_DIR.resolve()
    assert (YAML_DIR / providers[0]["path"] / "PulumiPlugin.yaml").is_file()


def test_typescript_project_records_the_plugin_path_under_packages() -> None:
    """What `pulumi package add ../../provider` writes for a local directory (the path itself:
    pkg/cmd/pulumi/packagecmd/package_add.go keeps a directory's path), committed so that `pulumi install`
    regenerates the SDK in a fresh clone."""
    spec = load(TS_DIR / "Pulumi.yaml")["packages"][PACKAGE]
    source = spec if isinstance(spec, str) else spec["source"]
    assert (TS_DIR / source).resolve() == PROVIDER_DIR.resolve()


@pytest.mark.parametrize("example", RUNTIMES)
def test_stack_config_is_the_bundled_emulators_default_account(example: str) -> None:
    emulator = lib_sh()
    project = load(EXAMPLES / example / "Pulumi.yaml")
    stack_file = EXAMPLES / example / "Pulumi.dev.yaml"
    config = load(stack_file)["config"]
    variables = SCHEMA["config"]["variables"]
    for key, value in config.items():
        namespace, name = key.split(":", 1)
        assert namespace == PACKAGE, key  # the plugin's config lives under its package name
        assert name in variables, key
        assert isinstance(value, dict) == bool(variables[name].get("secret")), f"{key}: secret iff the schema says"
    assert config[f"{PACKAGE}:accountSid"] == emulator["account"]
    assert decrypt(stack_file, config[f"{PACKAGE}:authToken"]["secure"]) == emulator["token"]
    assert config[f"{PACKAGE}:baseUrl"] == f"http://127.0.0.1:{emulator['port']}"
    assert project["config"]["serviceSid"]["default"] in emulator["services"]


def test_typescript_project_ignores_what_is_generated() -> None:
    ignored = (TS_DIR / ".gitignore").read_text().split()
    assert {"/sdks/", "/node_modules/"} <= set(ignored)


# --- the YAML program ---------------------------------------------------------------------------------

def yaml_resources() -> dict[str, dict[str, Any]]:
    resources = load(YAML_DIR / "Pulumi.yaml")["resources"]
    found = {name: res for name, res in resources.items() if res["type"] == TOKEN}
    assert found, f"no {TOKEN} in examples/yaml/Pulumi.yaml"
    return found


def walk(props: dict[str, Any], spec: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any, dict[str, Any]]]:
    """(path, value, property spec) for each property used, descending into object types; a name the
    schema does not have fails here, with its path."""
    for key, value in props.items():
        path = f"{prefix}{key}"
        assert key in spec, f"{path}: not in the schema (it has {sorted(spec)})"
        prop = spec[key]
        yield path, value, prop
        if "$ref" in prop:
            assert isinstance(value, dict), f"{path}: the schema's type is an object, got {value!r}"
            yield from walk(value, resolve_ref(prop)["properties"], f"{path}.")


def is_reference(value: Any) -> bool:
    """A whole-value Pulumi YAML expression (``${serviceSid}``): its type is the thing referred to's."""
    return isinstance(value, str) and re.fullmatch(r"\$\{[^}]+\}", value) is not None


def test_yaml_properties_exist_in_the_schema_with_their_types() -> None:
    config = load(YAML_DIR / "Pulumi.yaml")["config"]
    for name, res in yaml_resources().items():
        paths = []
        for path, value, prop in walk(res["properties"], RESOURCE["inputProperties"]):
            paths.append(path)
            if "$ref" in prop:
                continue
            kind = prop["type"]
            if is_reference(value):
                target = value[2:-1]
                assert target in config, f"{name}.{path}: {value} names no config"
                assert config[target]["type"] == kind, f"{name}.{path}: {value} is not a {kind}"
            else:
                assert isinstance(value, TYPE_FOR[kind]) and not (kind != "boolean" and isinstance(value, bool)), (
                    f"{name}.{path}: the schema's type is {kind}, got {value!r}")
        # the program exercises nesting two levels deep, where a snake_case or misplaced key would hide
        assert "newMessage.withMedia.template" in paths, paths


def test_yaml_required_inputs_are_present() -> None:
    for name, res in yaml_resources().items():
        missing = set(RESOURCE["requiredInputs"]) - set(res["properties"])
        assert not missing, f"{name}: missing {missing}"


def interpolations(value: Any) -> Iterator[str]:
    """The ``${...}`` Pulumi YAML would evaluate in a value (``$$`` is its escape for a literal ``$``)."""
    if isinstance(value, dict):
        for item in value.values():
            yield from interpolations(item)
    elif isinstance(value, str):
        yield from re.findall(r"\$\{([^}]*)\}", value.replace("$$", ""))


def test_yaml_interpolations_name_config_or_resources_so_placeholders_are_escaped() -> None:
    project = load(YAML_DIR / "Pulumi.yaml")
    known = set(project["config"]) | set(project["resources"])
    for name, res in yaml_resources().items():
        for expr in interpolations(res["properties"]):
            root = re.split(r"[.\[]", expr, maxsplit=1)[0]
            assert root in known, (
                f"{name}: ${{{expr}}} would be evaluated by Pulumi YAML; write $${{{expr}}} for Twilio's placeholder")
    for output in project.get("outputs", {}).values():
        for expr in interpolations({"v": output}):
            resource, _, prop = expr.partition(".")
            assert resource in project["resources"] and prop.split(".")[0] in RESOURCE["properties"], expr


def to_snake(name: str) -> str:
    return re.sub(r"[A-Z]", lambda m: "_" + m.group(0).lower(), name)


def snake_keys(tree: dict[str, Any]) -> dict[str, Any]:
    return {to_snake(k): snake_keys(v) if isinstance(v, dict) else v for k, v in tree.items()}


def as_sent(value: Any, config: dict[str, Any]) -> Any:
    """A value as the YAML language host sends it: ``$$`` unescaped, ``${configKey}`` substituted."""
    if isinstance(value, dict):
        return {k: as_sent(v, config) for k, v in value.items()}
    if is_reference(value) and value[2:-1] in config:
        return config[value[2:-1]]["default"]
    return value.replace("$$", "$") if isinstance(value, str) else value


def yaml_program() -> dict[str, dict[str, Any]]:
    config = load(YAML_DIR / "Pulumi.yaml")["config"]
    return {name: as_sent(res["properties"], config) for name, res in yaml_resources().items()}


def test_yaml_values_are_valid_settings() -> None:
    for name, props in yaml_program().items():
        settings = NotificationSettings.model_validate(snake_keys(props))
        assert settings.chat_service_sid == props["chatServiceSid"], name
        assert "${MESSAGE}" in props["newMessage"]["template"]  # Twilio's placeholder, unescaped


@pytest.fixture
def native_config(emulator: Any) -> dict[str, Any]:
    """The stack's provider config with the test emulator's account and URL (as test_examples.py swaps
    in the emulator's URL), and the tests' fast retries."""
    for props in yaml_program().values():
        emulator.state.add_service(props["chatServiceSid"], ACCOUNT)
    account, token = emulator.auth
    config: dict[str, Any] = {f"{PACKAGE}:accountSid": account, f"{PACKAGE}:authToken": Secret(token),
                              f"{PACKAGE}:baseUrl": emulator.url}
    config.update({k.replace("twilio:", f"{PACKAGE}:"): v for k, v in FAST_RETRIES.items()})
    return config


def ts_literal_program() -> dict[str, dict[str, Any]]:
    """index.ts's arguments as the Node.js SDK would send them: its literals, with ``config.require(KEY)``
    as the project's default for KEY (index.ts's one resource is named by its first argument)."""
    text, strings = ts_source()
    named = re.search(r"ServiceNotifications\(\"@(\d+)\"", text)
    assert named, "index.ts: ServiceNotifications has no literal name"
    name = strings[int(named.group(1))]
    config = load(TS_DIR / "Pulumi.yaml")["config"]

    def plain(tree: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in tree.items():
            if isinstance(value, dict):
                out[key] = plain(value)
            elif value[0] == "expression":
                key_literal = re.fullmatch(r"config\.(?:require|get)\(\"@(\d+)\"\)", value[1])
                assert key_literal, value
                out[key] = config[strings[int(key_literal.group(1))]]["default"]
            else:
                out[key] = value[1]
        return out

    return {name: plain(ts_program()[1])}


@pytest.mark.parametrize("example", RUNTIMES)
def test_program_through_the_plugin(example: str, emulator: Any, native_config: dict[str, Any]) -> None:
    """The example's resource, with the values its language host would send, through the plugin over gRPC
    as the engine drives it, in the example's directory: created with the escaped placeholders arriving
    as Twilio's, then a refresh and a preview with no changes, then destroyed."""
    program = yaml_program() if example == "yaml" else ts_literal_program()
    for props in program.values():
        emulator.state.add_service(props["chatServiceSid"], ACCOUNT)
    with NativePlugin(native_config, cwd=EXAMPLES / example) as plugin:
        served = plugin.get_schema()  # what the language host and `pulumi package add` load: the same names
        for props in program.values():
            assert list(walk(props, served["resources"][TOKEN]["inputProperties"]))
        stack = NativeStack(plugin)
        assert stack.up(program).steps == dict.fromkeys(program, "create")
        for name, props in program.items():
            live = emulator.settings(props["chatServiceSid"])
            assert live["new_message"]["template"] == "${PARTICIPANT}: ${MESSAGE}"
            assert live["new_message"]["with_media"] == {"enabled": True,
                                                         "template": "${PARTICIPANT} sent ${MEDIA_COUNT} files"}
            assert stack.outputs(name)["accountSid"] == emulator.auth[0]
        assert stack.preview(program, refresh=True).changes == {}
        stack.destroy()


def test_migrating_from_the_dynamic_resource_changes_nothing_at_twilio(
        emulator: Any, native_config: dict[str, Any]) -> None:
    """The README's migration: the dynamic resource made the settings; `pulumi state delete` forgets it
    (no provider call); `pulumi import` through the plugin adopts them; the YAML program then has nothing
    to change, and no request but reads reached Twilio after the dynamic `up`."""
    program = yaml_program()
    account, token = emulator.auth
    dynamic_config = {"twilio:accountSid": account, "twilio:authToken": Secret(token), "twilio:baseUrl": emulator.url}
    dynamic_config.update(FAST_RETRIES)
    with ProviderServer(dynamic_config) as server:
        dynamic = Stack(server)
        dynamic.up({name: snake_keys(props) for name, props in program.items()})
    before = {props["chatServiceSid"]: emulator.settings(props["chatServiceSid"]) for props in program.values()}
    emulator.clear_requests()

    dynamic.state.clear()  # pulumi state delete <urn>: the engine edits the state file, calls no provider
    with NativePlugin(native_config, cwd=YAML_DIR) as plugin:
        native = NativeStack(plugin)
        for name, props in program.items():
            native.import_(name, props["chatServiceSid"])
            assert native.last_import_failures == []
        assert native.preview(program).changes == {}
    assert {r.method for r in emulator.api_requests()} == {"GET"}
    assert {sid: emulator.settings(sid) for sid in before} == before


# --- the TypeScript program ---------------------------------------------------------------------------

_TOKEN = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`(?:[^`\\]|\\.)*`', re.S)


def ts_source() -> tuple[str, list[str]]:
    """index.ts with comments removed and each string literal replaced by ``"@<n>"`` (its text in the list),
    in one left-to-right pass, so that a quote in a comment or a ``//`` in a string is read as TypeScript
    reads it."""
    strings: list[str] = []

    def mask(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.startswith("/"):
            return ""
        strings.append(token[1:-1])
        return f'"@{len(strings) - 1}"'

    return _TOKEN.sub(mask, (TS_DIR / "index.ts").read_text()), strings


def parse_object(text: str, pos: int, strings: list[str]) -> tuple[dict[str, Any], int]:
    """A TypeScript object literal of ``key: value`` entries starting at ``text[pos] == "{"``: nested
    literals become dicts, string literals ("string", text), true/false ("boolean", value), anything
    else ("expression", source). Enough for index.ts; not a TypeScript parser (no spreads, computed keys
    or shorthand properties: those fail the parse)."""
    assert text[pos] == "{"
    pos += 1
    tree: dict[str, Any] = {}
    while True:
        pos = len(text) - len(text[pos:].lstrip(" \t\r\n,"))
        if text[pos] == "}":
            return tree, pos + 1
        match = re.compile(r"([A-Za-z_$][A-Za-z0-9_$]*)\s*:\s*").match(text, pos)
        assert match, f"index.ts: cannot read an entry at {text[pos:pos + 40]!r}"
        key, pos = match.group(1), match.end()
        if text[pos] == "{":
            tree[key], pos = parse_object(text, pos, strings)
            continue
        depth, start = 0, pos
        while depth or text[pos] not in ",}":
            depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(text[pos], 0)
            pos += 1
        raw = text[start:pos].strip()
        literal = re.fullmatch(r'"@(\d+)"', raw)
        if literal:
            tree[key] = ("string", strings[int(literal.group(1))])
        elif raw in ("true", "false"):
            tree[key] = ("boolean", raw == "true")
        else:
            tree[key] = ("expression", raw)


def ts_program() -> tuple[str, dict[str, Any], str]:
    """(the module index.ts imports the SDK from, the arguments given to ServiceNotifications, the
    variable holding it)."""
    text, strings = ts_source()
    imports = re.findall(r'import \* as (\w+) from "@(\d+)"', text)
    sdk = [(alias, strings[int(n)]) for alias, n in imports if strings[int(n)] != "@pulumi/pulumi"]
    assert len(sdk) == 1, imports
    alias, module = sdk[0]
    call = re.search(rf"const (\w+) = new {alias}\.ServiceNotifications\(\"@\d+\",\s*", text)
    assert call, "index.ts: no `const x = new <sdk>.ServiceNotifications(\"name\", {...})`"
    args, _ = parse_object(text, call.end(), strings)
    return module, args, call.group(1)


def test_typescript_imports_the_sdk_by_the_schemas_nodejs_package_name() -> None:
    module, _, _ = ts_program()
    assert module == SCHEMA["language"]["nodejs"]["packageName"]
    # the dependency `pulumi package add` links (npm pkg set dependencies[<name>]=file:sdks/<package>)
    package_json = json.loads((TS_DIR / "package.json").read_text())
    assert package_json["dependencies"][module] == f"file:sdks/{PACKAGE}"


def check_ts_tree(tree: dict[str, Any], spec: dict[str, Any], prefix: str = "") -> list[str]:
    paths = []
    for key, value in tree.items():
        path = f"{prefix}{key}"
        assert key in spec, f"index.ts: {path} is not in the schema (it has {sorted(spec)})"
        paths.append(path)
        prop = spec[key]
        if "$ref" in prop:
            assert isinstance(value, dict), f"index.ts: {path} must be an object literal"
            paths += check_ts_tree(value, resolve_ref(prop)["properties"], f"{path}.")
            continue
        kind, literal = value
        if kind == "expression":  # only config.require / config.get, which give strings
            assert prop["type"] == "string" and re.fullmatch(r"config\.(require|get)\(\"@\d+\"\)", literal), (
                f"index.ts: {path} = {literal}")
        else:
            assert kind == prop["type"], f"index.ts: {path} is a {kind}, the schema says {prop['type']}"
    return paths


def test_typescript_arguments_use_only_schema_names_and_types() -> None:
    _, args, _ = ts_program()
    paths = check_ts_tree(args, RESOURCE["inputProperties"])
    assert "newMessage.withMedia.template" in paths
    assert set(RESOURCE["requiredInputs"]) <= set(args)


def test_typescript_reads_only_schema_outputs() -> None:
    text, _ = ts_source()
    _, _, variable = ts_program()
    used = set(re.findall(rf"\b{variable}\.(\w+)", text))
    assert used and used <= set(RESOURCE["properties"]), used


# --- type-checking index.ts against declarations built from the schema ---------------------------------

_TS_TYPES = {"string": "string", "boolean": "boolean", "integer": "number", "number": "number"}
TS_CACHE = REPO / "tests" / ".cache" / "typescript"
"""Where .ci/run installs the compiler and @pulumi/pulumi (npm install --prefix tests/.cache/typescript)."""


def _ts_type(prop: dict[str, Any], ns: str, suffix: str) -> str:
    if "$ref" in prop:
        return f"{ns}.{prop['$ref'].rsplit(':', 1)[1]}{suffix}"
    if prop["type"] == "object" and "additionalProperties" in prop:  # a map: {[key: string]: T}, as codegen writes it
        return f"{{[key: string]: {_ts_type(prop['additionalProperties'], ns, suffix)}}}"
    return _TS_TYPES[prop["type"]]


def sdk_d_ts() -> str:
    """The SDK's declarations as pkg/codegen/nodejs lays them out for an ``index`` module: a class per
    resource with ``pulumi.Output`` properties and an ``<Name>Args`` interface of ``pulumi.Input``s
    (optional unless required), object types as ``types.input.<Name>Args`` / ``types.output.<Name>``,
    and ``Provider`` / ``ProviderArgs`` from the provider's inputs."""
    out = ['import * as pulumi from "@pulumi/pulumi";']

    def members(props: dict[str, Any], required: set[str], wrap: str, ns: str, suffix: str) -> str:
        """``name?: wrap<type>;`` per property (``wrap`` empty: the bare type, as output types are)."""
        out = ""
        for name, prop in props.items():
            kind = _ts_type(prop, ns, suffix)
            out += f" {name}{'' if name in required else '?'}: {f'{wrap}<{kind}>' if wrap else kind};"
        return out

    inputs, outputs = [], []
    for token, spec in SCHEMA["types"].items():
        name, required = token.rsplit(":", 1)[1], set(spec.get("required", []))
        inputs.append(f"export interface {name}Args {{"
                      f"{members(spec['properties'], required, 'pulumi.Input', 'input', 'Args')} }}")
        outputs.append(f"export interface {name} {{{members(spec['properties'], required, '', 'output', '')} }}")
    out.append("export declare namespace types {")
    out.append(" export namespace input { " + " ".join(inputs) + " }")
    out.append(" export namespace output { " + " ".join(outputs) + " }")
    out.append("}")
    for token, spec in SCHEMA["resources"].items():
        name = token.rsplit(":", 1)[1]
        props = "".join(f" readonly {k}: pulumi.Output<{_ts_type(p, 'types.output', '')}>;"
                        for k, p in spec["properties"].items())
        out.append(f"export declare class {name} extends pulumi.CustomResource {{ constructor(name: string, "
                   f"args: {name}Args, opts?: pulumi.CustomResourceOptions);{props} }}")
        args = members(spec["inputProperties"], set(spec["requiredInputs"]), "pulumi.Input", "types.input", "Args")
        out.append(f"export interface {name}Args {{{args} }}")
    provider = SCHEMA["provider"]["inputProperties"]
    out.append("export declare class Provider extends pulumi.ProviderResource { constructor(name: string, "
               "args?: ProviderArgs, opts?: pulumi.ResourceOptions); }")
    out.append(f"export interface ProviderArgs {{{members(provider, set(), 'pulumi.Input', '', '')} }}")
    return "\n".join(out) + "\n"


def find_typescript() -> Optional[tuple[str, Path]]:
    """The compiler and Pulumi's real Node.js SDK (@pulumi/pulumi, whose declarations index.ts is checked
    against): from .ci/run's install, or from examples/typescript after its run.sh."""
    if not shutil.which("node"):
        return None
    for root in (TS_CACHE, TS_DIR):
        tsc, pulumi_sdk = root / "node_modules" / ".bin" / "tsc", root / "node_modules" / "@pulumi" / "pulumi"
        if os.access(tsc, os.X_OK) and (pulumi_sdk / "index.d.ts").is_file():
            return str(tsc), pulumi_sdk
    return None


# index.ts with one name or type wrong, and the errors tsc must give for it.
BROKEN_VARIANTS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # a misspelt nested name: TS2353 "Object literal may only specify known properties"
    "nested_name": ("badgeCountEnabled:", "badgeCountEnable:", ("TS2353", "TS2561")),
    # a boolean where the schema has a string: TS2322 "Type 'boolean' is not assignable"
    "wrong_type": ('sound: "ring"', "sound: true", ("TS2322",)),
    # the required input misspelt: TS2561 "Did you mean to write 'chatServiceSid'?"
    "required_name": ("chatServiceSid: ", "chatServiceSidx: ", ("TS2353", "TS2561")),
}


@pytest.fixture(scope="module")
def typescript_errors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """One ``tsc --noEmit`` over index.ts and each broken variant, in one project: the SDK's declarations
    built from the schema, @pulumi/pulumi the real one. Returns each file's error codes."""
    found = find_typescript()
    if found is None:
        pytest.skip("no TypeScript compiler and @pulumi/pulumi: `npm install --prefix tests/.cache/typescript "
                    "typescript@5.9.3 @pulumi/pulumi@3.248.0` (.ci/run does it where npm is found) enables this check")
    tsc, pulumi_sdk = found
    work = tmp_path_factory.mktemp("typescript")
    (work / "node_modules" / "@pulumi").mkdir(parents=True)
    (work / "node_modules" / "@pulumi" / "pulumi").symlink_to(pulumi_sdk, target_is_directory=True)
    module = SCHEMA["language"]["nodejs"]["packageName"]
    (work / "node_modules" / module).mkdir(parents=True)
    (work / "node_modules" / module / "index.d.ts").write_text(sdk_d_ts())
    source = (TS_DIR / "index.ts").read_text()
    files = {"index.ts": source}
    for name, (old, new, _) in BROKEN_VARIANTS.items():
        assert old in source, f"index.ts no longer holds {old!r}: update BROKEN_VARIANTS"
        files[f"{name}.ts"] = source.replace(old, new, 1)
    for name, text in files.items():
        (work / name).write_text(text)
    config = json.loads((TS_DIR / "tsconfig.json").read_text())
    config["files"] = sorted(files)
    (work / "tsconfig.json").write_text(json.dumps(config))
    result = subprocess.run([tsc, "-p", "tsconfig.json", "--noEmit", "--pretty", "false"], cwd=work,
                            capture_output=True, text=True, timeout=300, check=False)
    errors: dict[str, list[str]] = {name: [] for name in files}
    for file, code in re.findall(r"^(\S+?\.ts)\(\d+,\d+\): error (TS\d+)", result.stdout, re.MULTILINE):
        errors.setdefault(file, []).append(code)
    unexplained = set(errors) - set(files)
    assert not unexplained, f"errors outside the checked programs: {result.stdout}"
    # tsc fails exactly when some program has errors: anything else (a bad tsconfig, a missing module
    # reported without a file) would make index.ts look clean.
    assert (result.returncode != 0) == any(errors.values()), result.stdout + result.stderr
    return errors


def test_index_ts_type_checks_against_the_schema(typescript_errors: dict[str, list[str]]) -> None:
    assert typescript_errors["index.ts"] == []


@pytest.mark.parametrize("variant", BROKEN_VARIANTS)
def test_the_type_check_catches_a_wrong_name_or_type(typescript_errors: dict[str, list[str]], variant: str) -> None:
    """The type check has teeth: index.ts with one name or type wrong fails it, with the expected error."""
    codes = typescript_errors[f"{variant}.ts"]
    assert codes, f"{variant}: the broken index.ts type-checked"
    assert set(codes) <= set(BROKEN_VARIANTS[variant][2]), codes


# --- the YAML push program (examples/yaml-push): examples/push-stack on the plugin ----------------------

PUSH_DIR = EXAMPLES / "yaml-push"
PUSH_PROJECT = load(PUSH_DIR / "Pulumi.yaml")
PUSH_STACK_FILE = PUSH_DIR / "Pulumi.dev.yaml"


def push_resources() -> dict[str, dict[str, Any]]:
    resources = PUSH_PROJECT["resources"]
    assert isinstance(resources, dict)
    return resources


def expression_type(expr: str) -> str:
    """The schema type of a whole-value ``${...}``: a config key's declared type, or a resource output's."""
    if expr in PUSH_PROJECT["config"]:
        return str(PUSH_PROJECT["config"][expr]["type"])
    resource, _, output = expr.partition(".")
    assert resource in push_resources(), f"${{{expr}}} names neither config nor a resource"
    outputs = SCHEMA["resources"][push_resources()[resource]["type"]]["properties"]
    assert output in outputs, f"${{{expr}}}: {resource} has no output {output!r} (it has {sorted(outputs)})"
    return str(outputs[output]["type"])


def test_yaml_push_names_the_plugin_by_path() -> None:
    providers = PUSH_PROJECT["plugins"]["providers"]
    assert [p["name"] for p in providers] == [PACKAGE]
    assert (PUSH_DIR / providers[0]["path"]).resolve() == PROVIDER_DIR.resolve()
    assert runtime_name(PUSH_PROJECT) == "yaml"
    assert (PUSH_DIR / "run.sh").stat().st_mode & 0o111, "run.sh must be executable"


def test_yaml_push_properties_exist_in_the_schema_with_their_types() -> None:
    for name, res in push_resources().items():
        assert res["type"] in SCHEMA["resources"], f"{name}: no resource type {res['type']} in the schema"
        spec = SCHEMA["resources"][res["type"]]
        missing = set(spec["requiredInputs"]) - set(res["properties"])
        assert not missing, f"{name}: missing {missing}"
        for path, value, prop in walk(res["properties"], spec["inputProperties"]):
            if "$ref" in prop:
                continue
            kind = expression_type(value[2:-1]) if is_reference(value) else (
                "string" if isinstance(value, str) else type(value).__name__.replace("bool", "boolean"))
            assert kind == prop["type"], f"{name}.{path}: the schema's type is {prop['type']}, got {value!r}"
        for expr in interpolations(res["properties"]):
            root = expr.split(".", 1)[0]
            assert root == "pulumi" or root in PUSH_PROJECT["config"] or root in push_resources(), (
                f"{name}: ${{{expr}}} names neither config nor a resource")
    for output in PUSH_PROJECT["outputs"].values():
        assert is_reference(output) and expression_type(output[2:-1]) == "string", output


def test_yaml_push_takes_each_secret_input_from_secret_config_only() -> None:
    """A schema-secret input (certificate, privateKey, secret) is given only from config the project
    declares secret, and secret config reaches no other input, where it would be stored in plain text."""
    secret_config = {key for key, spec in PUSH_PROJECT["config"].items() if spec.get("secret")}
    assert secret_config == {"apnsCert", "apnsKey", "fcmKey"}
    used = set()
    for name, res in push_resources().items():
        spec = SCHEMA["resources"][res["type"]]["inputProperties"]
        for path, value, prop in walk(res["properties"], spec):
            if "$ref" in prop:
                continue
            named = {expr for expr in interpolations({"v": value}) if expr in secret_config}
            if prop.get("secret"):
                assert is_reference(value) and named, f"{name}.{path}: a secret, so from secret config"
            else:
                assert not named, f"{name}.{path} = {value!r}: secret config in an input stored in plain text"
            used |= named
    assert used == secret_config


def test_yaml_push_uses_every_config_key_it_declares() -> None:
    used = {expr.split(".", 1)[0] for res in push_resources().values() for expr in interpolations(res["properties"])}
    assert set(PUSH_PROJECT["config"]) <= used


def test_yaml_push_protects_the_service_and_passes_its_sid_to_the_settings() -> None:
    resources = push_resources()
    services = [name for name, res in resources.items() if res["type"] == f"{PACKAGE}:index:Service"]
    assert services == ["support"]
    # the engine refuses the destroy at its preview; deletionProtection alone refuses in Delete only
    assert resources["support"]["options"] == {"protect": True}
    assert resources["support"]["properties"].get("deletionProtection", True) is True
    assert resources["support-push"]["properties"]["chatServiceSid"] == "${support.sid}"


def test_yaml_push_stack_config_is_an_emulator_account_with_encrypted_secrets() -> None:
    config = load(PUSH_STACK_FILE)["config"]
    variables = SCHEMA["config"]["variables"]
    project = PUSH_PROJECT["name"]
    for key, value in config.items():
        namespace, name = key.split(":", 1)
        if namespace == PACKAGE:
            assert name in variables, key
            assert isinstance(value, dict) == bool(variables[name].get("secret")), f"{key}: secret iff the schema says"
        else:
            assert namespace == project and name in PUSH_PROJECT["config"], key
            declared = PUSH_PROJECT["config"][name]
            assert isinstance(value, dict) == bool(declared.get("secret")), f"{key}: secure iff declared secret"
    account = config[f"{PACKAGE}:accountSid"]
    assert decrypt(PUSH_STACK_FILE, config[f"{PACKAGE}:authToken"]["secure"]) == TOKENS[account]
    assert config[f"{PACKAGE}:baseUrl"] == f"http://127.0.0.1:{lib_sh()['port']}"
    assert set(PUSH_PROJECT["config"]) <= {key.split(":", 1)[1] for key in config if key.startswith(f"{project}:")}


def yaml_push_as_sent(stack: str = "dev", output: Optional[Callable[[str, str], Any]] = None
                      ) -> dict[str, dict[str, Any]]:
    """Each resource's inputs as Pulumi YAML sends them for the stack: config substituted (decrypted, typed
    as declared), ``${pulumi.stack}`` the stack's name, ``${<resource>.<output>}`` ``output(resource,
    output)`` (by default the SID the mocks give)."""
    raw = {k.split(":", 1)[1]: v for k, v in load(PUSH_STACK_FILE)["config"].items() if k.startswith("push-yaml:")}
    config = {key: decrypt(PUSH_STACK_FILE, value["secure"]) if isinstance(value, dict) else value
              for key, value in raw.items()}
    config = {key: value == "true" if PUSH_PROJECT["config"][key]["type"] == "boolean" else value
              for key, value in config.items()}

    def sent(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: sent(v) for k, v in value.items()}
        if is_reference(value) and value[2:-1] in config:
            return config[value[2:-1]]
        if is_reference(value):
            resource, _, key = value[2:-1].partition(".")
            if output is not None:
                return output(resource, key)
            assert key == "sid", value
            return mock_sid(push_resources()[resource]["type"].rsplit(":", 1)[1], resource)
        return value.replace("${pulumi.stack}", stack) if isinstance(value, str) else value

    return {name: sent(res["properties"]) for name, res in push_resources().items()}


def test_yaml_push_declares_what_push_stack_does() -> None:
    """The twin: the same resources, names and values as examples/push-stack's dev stack (each from its own
    stack's secrets), the YAML's camelCase for the program's snake_case."""
    python = register_push_stack("dev", examples_stack_config("push-stack", "dev"))
    assert {name: res["type"].rsplit(":", 1)[1] for name, res in push_resources().items()} == {
        name: r.kind for name, r in python.items()}
    for name, props in yaml_push_as_sent().items():
        inputs = snake_keys(props)
        expected = python[name].inputs
        secrets = {k for k, v in expected.items() if isinstance(v, dict) and "value" in v}
        assert {k: v for k, v in inputs.items() if k not in secrets} == {
            k: v for k, v in expected.items() if k not in secrets}, name
        assert secrets <= set(inputs), name


def test_yaml_push_credentials_are_real_shaped_test_material() -> None:
    sent = yaml_push_as_sent()
    for name in ("ios", "android"):
        _, problems = CREDENTIAL.validate(snake_keys(sent[name]))
        assert problems == [], name
    certificate = x509.load_pem_x509_certificate(sent["ios"]["certificate"].encode())
    assert "test material" in certificate.subject.rfc4514_string()


def yaml_push_program() -> dict[str, NativeResource]:
    """The YAML program as the native harness replays it: its inputs as sent, ``${support.sid}`` a Ref,
    the schema-secret inputs marked secret (from secure config, they arrive secret), ``protect``."""
    program = {}
    for name, props in yaml_push_as_sent(output=Ref).items():
        declared = push_resources()[name]
        kind = declared["type"].rsplit(":", 1)[1]
        spec = SCHEMA["resources"][declared["type"]]["inputProperties"]
        program[name] = NativeResource(props, kind=kind, secrets=frozenset(k for k in props if spec[k].get("secret")),
                                       protect=bool(declared.get("options", {}).get("protect")))
    return program


def test_yaml_push_through_the_plugin_goes_to_push_ready_then_refuses_a_destroy_deleting_nothing() -> None:
    """run.sh's steps through the plugin over gRPC, on lib.sh's dev account (its service from the
    multi-environment example already there): one up to push-ready, no changes on the next preview, and a
    destroy refused at its preview (the Service's protect), with no request at all to Twilio."""
    stack_file = load(PUSH_STACK_FILE)["config"]
    account = stack_file[f"{PACKAGE}:accountSid"]
    program = yaml_push_program()
    sent = yaml_push_as_sent()
    with Emulator(accounts=TOKENS, strict=True) as emu:
        other = "ISd0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0"  # lib.sh: --service ISd0d0...@<the dev account>
        emu.state.add_service(other, account)
        config: dict[str, Any] = {f"{PACKAGE}:accountSid": account, f"{PACKAGE}:authToken": Secret(TOKENS[account]),
                                  f"{PACKAGE}:baseUrl": emu.url}
        config.update({k.replace("twilio:", f"{PACKAGE}:"): v for k, v in FAST_RETRIES.items()})
        with NativePlugin(config, cwd=PUSH_DIR) as plugin:
            stack = NativeStack(plugin)
            assert stack.up(program, refresh=True).steps == dict.fromkeys(program, "create")
            services = {r.sid: r.friendly_name for r in emu.service_records()}
            sid = stack.outputs("support")["sid"]
            assert services == {other: other, sid: "support-dev"}
            assert emu.settings(sid)["new_message"]["enabled"] is True
            assert stack.outputs("support-push")["chatServiceSid"] == sid
            credentials = {c.sid: c for c in emu.credentials()}
            apn, fcm = credentials[stack.outputs("ios")["sid"]], credentials[stack.outputs("android")["sid"]]
            assert (apn.type, apn.sandbox, apn.certificate, apn.private_key) == (
                "apn", True, sent["ios"]["certificate"], sent["ios"]["privateKey"])
            assert (fcm.type, fcm.secret, len(credentials)) == ("fcm", sent["android"]["secret"], 2)
            # The plugin marks every secret field of a Credential secret, also those its type leaves empty.
            assert stack.state["ios"].secrets == {"certificate", "privateKey", "apiKey", "secret"}

            assert stack.preview(program, refresh=True).changes == {}
            ready = (emu.service_records(), emu.credentials(), emu.settings(sid), emu.settings(other))
            emu.clear_requests()
            with pytest.raises(EngineError) as refused:
                stack.destroy()
            assert refused.value.messages == [delete_protected_message(native_urn("support", "Service"))]
            assert emu.api_requests() == []
            assert (emu.service_records(), emu.credentials(), emu.settings(sid), emu.settings(other)) == ready
            for secret in (apn.certificate, apn.private_key, fcm.secret):
                assert secret is not None and secret not in plugin.stderr
