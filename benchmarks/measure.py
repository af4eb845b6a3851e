"""The measurements behind BENCHMARKS.md. Each returns plain data; ``__main__`` writes the report.

Everything runs against the bundled emulator in its own process on 127.0.0.1, side by side in one
run, interleaving the variants compared so that machine noise hits them alike.
"""

from __future__ import annotations

import json
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from pulumi.dynamic import ConfigureRequest  # noqa: E402
from pulumi.dynamic.config import Config  # noqa: E402

from pulumi_twilio_conversations import ServiceNotificationsProvider  # noqa: E402
from pulumi_twilio_conversations.core.validation import validate_settings  # noqa: E402
from pulumi_twilio_conversations.core.wire import default_settings, to_form  # noqa: E402
from pulumi_twilio_conversations.emulator import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN  # noqa: E402

from harness import ProviderServer, Resource, Stack, serialized_provider, urn  # noqa: E402

SID = "IS" + "0123456789abcdef" * 2
AUTH = (DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN)
SAMPLE: dict[str, Any] = {
    "chat_service_sid": SID, "log_enabled": True,
    "new_message": {"enabled": True, "template": "${PARTICIPANT}: ${MESSAGE}", "sound": "ring",
                    "badge_count_enabled": True, "with_media": {"enabled": True, "template": "${MEDIA_COUNT} files"}},
    "added_to_conversation": {"enabled": True, "template": "Added to ${CONVERSATION}"},
}


def sid(n: int) -> str:
    return f"IS{n:032x}"


@dataclass
class Sample:
    """Timings of one variant, in seconds."""

    name: str
    values: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def spread(self) -> tuple[float, float]:
        """Interquartile range (25th, 75th percentile)."""
        q = statistics.quantiles(self.values, n=4) if len(self.values) > 1 else [self.values[0]] * 3
        return q[0], q[2]


class EmulatorProcess:
    """The emulator in a separate process, so it does not share the benchmarked process's GIL."""

    def __init__(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pulumi_twilio_conversations.emulator", "--port", str(self.port), "--service", SID],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for _ in range(200):
            try:
                requests.get(f"{self.url}/_emulator/requests", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        self.admin = requests.Session()

    def add_services(self, count: int) -> list[str]:
        sids = [sid(n) for n in range(1, count + 1)]
        for s in sids:
            self.admin.post(f"{self.url}/_emulator/services", json={"sid": s}, timeout=5)
        return sids

    def set_latency(self, seconds: float) -> None:
        self.admin.post(f"{self.url}/_emulator/latency", json={"seconds": seconds}, timeout=5)

    def requests(self) -> list[dict[str, Any]]:
        return self.admin.get(f"{self.url}/_emulator/requests", timeout=30).json()  # type: ignore[no-any-return]

    def clear(self) -> None:
        self.admin.delete(f"{self.url}/_emulator/requests", timeout=5)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@contextmanager
def emulator_process() -> Iterator[EmulatorProcess]:
    emu = EmulatorProcess()
    try:
        yield emu
    finally:
        emu.stop()


def config_for(emu: EmulatorProcess) -> dict[str, str]:
    return {"twilio:accountSid": AUTH[0], "twilio:authToken": AUTH[1], "twilio:baseUrl": emu.url}


# 1 -------------------------------------------------------------------------------------------------------

def requests_per_step(emu: EmulatorProcess) -> dict[str, int]:
    """Requests the emulator saw for each lifecycle step, driven over the provider protocol."""
    counts: dict[str, int] = {}
    with ProviderServer(config_for(emu)) as server:
        props = Resource(dict(SAMPLE)).inputs()

        def counted(step: str, action: Callable[[], Any]) -> Any:
            emu.clear()
            result = action()
            counts[step] = len(emu.requests())
            return result

        checked = counted("check", lambda: server.check(urn("push"), {}, props))
        _, outs = counted("create", lambda: server.create(urn("push"), checked))
        changed = {**checked, "log_enabled": False}
        counted("diff", lambda: server.diff(urn("push"), SID, outs, changed, checked))
        counted("read", lambda: server.read(urn("push"), SID, outs, checked))
        outs = counted("update", lambda: server.update(urn("push"), SID, outs, changed, checked))
        counted("delete", lambda: server.delete(urn("push"), SID, outs, changed))
    return counts


# 2 -------------------------------------------------------------------------------------------------------

def per_operation(emu: EmulatorProcess, rounds: int) -> dict[str, list[Sample]]:
    """The provider's CRUD called directly, next to bare requests and the twilio helper library."""
    from twilio.rest import Client

    provider = ServiceNotificationsProvider()
    provider.configure(ConfigureRequest(Config(config_for(emu), "bench")))
    inputs, _ = validate_settings(SAMPLE)
    url = f"{emu.url}/v1/Services/{SID}/Configuration/Notifications"
    bare = requests.Session()
    twilio = Client(*AUTH)
    twilio.conversations.base_url = emu.url
    notifications = twilio.conversations.v1.services(SID).configuration.notifications()
    outs = provider.create(inputs).outs or {}
    flip = [False]

    def provider_update() -> None:
        flip[0] = not flip[0]
        provider.update(SID, outs, {**inputs, "log_enabled": flip[0]})
        outs["log_enabled"] = flip[0]

    def bare_update() -> None:
        flip[0] = not flip[0]
        bare.post(url, data={"LogEnabled": "true" if flip[0] else "false"}, auth=AUTH, timeout=30).json()

    def twilio_update() -> None:
        flip[0] = not flip[0]
        notifications.update(log_enabled=flip[0])

    full_form = to_form(inputs)
    defaults = to_form(default_settings())
    variants: dict[str, list[tuple[str, Callable[[], Any]]]] = {
        "create": [("provider", lambda: provider.create(inputs)),
                   ("bare requests", lambda: bare.post(url, data=full_form, auth=AUTH, timeout=30).json())],
        "read": [("provider", lambda: provider.read(SID, {})),
                 ("bare requests", lambda: bare.get(url, auth=AUTH, timeout=30).json()),
                 ("twilio helper", lambda: notifications.fetch())],
        "update": [("provider", provider_update), ("bare requests", bare_update), ("twilio helper", twilio_update)],
        "delete": [("provider", lambda: provider.delete(SID, {})),
                   ("bare requests", lambda: bare.post(url, data=defaults, auth=AUTH, timeout=30).json())],
    }
    results: dict[str, list[Sample]] = {}
    for operation, fns in variants.items():
        samples = [Sample(name) for name, _ in fns]
        for _ in range(10):  # warm-up: connections, imports, caches
            for _, fn in fns:
                fn()
        for _ in range(rounds):
            for sample, (_, fn) in zip(samples, fns, strict=True):
                start = time.perf_counter()
                fn()
                sample.values.append(time.perf_counter() - start)
        results[operation] = samples
    return results


# 3 -------------------------------------------------------------------------------------------------------

def _provider_startup(serialized: str, inputs: dict[str, Any]) -> float:
    start = time.perf_counter()
    # Started from the repository root, where the trivial provider (benchmarks/) is importable.
    with ProviderServer({"twilio:accountSid": AUTH[0], "twilio:authToken": AUTH[1]}, cwd=ROOT) as server:
        server.check(urn("x"), {}, {**inputs, "__provider": serialized})
        elapsed = time.perf_counter() - start
    return elapsed


def process_cost(rounds: int) -> dict[str, Sample]:
    """Start-up to the first answered Check, ours next to a trivial dynamic provider; import times."""
    from pulumi.dynamic.dynamic import serialize_provider
    from pulumi.runtime._serialization import _serialize

    from benchmarks.trivial_provider import TrivialProvider

    trivial, _ = _serialize(True, serialize_provider, TrivialProvider())
    ours = serialized_provider()
    imports = {
        "import pulumi_twilio_conversations": "import pulumi_twilio_conversations",
        "import pulumi, requests, pydantic": "import pulumi, requests, pydantic",
        "import pulumi, requests, pydantic + one BaseModel": "import pulumi, requests, pydantic\n"
        "class M(pydantic.BaseModel):\n    a: bool = False",
    }
    samples = {k: Sample(k) for k in ("ours: start to first check", "trivial: start to first check", *imports)}
    for _ in range(rounds):
        samples["ours: start to first check"].values.append(_provider_startup(ours, {"chat_service_sid": SID}))
        samples["trivial: start to first check"].values.append(_provider_startup(str(trivial), {}))
        for key, code in imports.items():
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            samples[key].values.append(time.perf_counter() - start)
    return samples


# 4 -------------------------------------------------------------------------------------------------------

def footprint(emu: EmulatorProcess) -> dict[str, Any]:
    """Bytes a resource costs in the state."""
    with ProviderServer(config_for(emu)) as server:
        stack = Stack(server)
        stack.up({"a": SAMPLE, "b": {**SAMPLE, "new_message": {"enabled": False}}})
        a, b = stack.state["a"], stack.state["b"]
        stack.destroy()
    return {
        "serialized provider (bytes)": len(a.outputs["__provider"]),
        "identical for two resources of one namespace": a.outputs["__provider"] == b.outputs["__provider"],
        "serialized provider, namespace twilio-eu (bytes)": len(serialized_provider("twilio-eu")),
        "stored inputs, JSON (bytes)": len(json.dumps(a.inputs, separators=(",", ":"))),
        "stored outputs, JSON (bytes)": len(json.dumps(a.outputs, separators=(",", ":"))),
    }


# 5, 6 ----------------------------------------------------------------------------------------------------

PARALLELISM = 4
"""Worker threads of pulumi.dynamic's gRPC server: the most calls it serves at once."""


def scale(emu: EmulatorProcess, count: int, latency: float) -> dict[str, float]:
    """Refresh then update ``count`` services through one provider process, PARALLELISM calls at a time."""
    sids = emu.add_services(count)
    emu.set_latency(0.0)
    with ProviderServer(config_for(emu)) as server:
        provider = serialized_provider()
        states: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}

        def create(n: int) -> None:
            props = {"chat_service_sid": sids[n], "new_message": {"enabled": True}, "__provider": provider}
            checked = server.check(urn(f"r{n}"), {}, props)
            states[n] = (checked, server.create(urn(f"r{n}"), checked)[1])

        with ThreadPoolExecutor(PARALLELISM) as pool:
            list(pool.map(create, range(count)))
        emu.set_latency(latency)
        emu.clear()

        def refresh(n: int) -> None:
            checked, outs = states[n]
            server.read(urn(f"r{n}"), sids[n], outs, checked)

        def update(n: int) -> None:
            checked, outs = states[n]
            server.update(urn(f"r{n}"), sids[n], outs, {**checked, "log_enabled": True}, checked)

        start = time.perf_counter()
        with ThreadPoolExecutor(PARALLELISM) as pool:
            list(pool.map(refresh, range(count)))
            list(pool.map(update, range(count)))
        elapsed = time.perf_counter() - start
        peak_kib = _peak_rss_kib(server.process.pid)
        requests_made = len(emu.requests())
    emu.set_latency(0.0)
    for s in sids:
        emu.admin.delete(f"{emu.url}/_emulator/services/{s}", timeout=5)
    ideal = requests_made * latency / PARALLELISM
    return {"services": count, "requests": requests_made, "seconds": elapsed, "ideal": ideal,
            "ratio": elapsed / ideal if ideal else float("nan"), "peak_rss_mib": peak_kib / 1024}


def _peak_rss_kib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1])
    except OSError:
        pass
    return float("nan")
