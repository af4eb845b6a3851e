"""Fan-out: refresh then update N services through both front ends, side by side in one run (issue 12).

- The native plugin (``python provider/ <engine address>``, started as the Python language host starts a
  plugin directory: tests/native_harness.py) driven with 16 steps at once. Its handlers run blocking HTTP
  in the plugin's own pool of 16 threads, so 16 calls can be in flight; its ideal divides by 16.
- The dynamic front end (``python -m pulumi.dynamic``: tests/harness.py) driven the way the engine drives
  it: ``--parallel`` defaults to 4 x CPUs (pkg/cmd/pulumi/operations/up.go defaultParallel; step_executor.go
  runs that many workers), 8 on a 2-CPU machine. Its gRPC server serves 4 calls at once
  (``ThreadPoolExecutor(max_workers=4)`` in pulumi/dynamic/__main__.py); the rest wait in its queue, so its
  ideal divides by 4.

Each front end has its own services in the same emulator process (benchmarks/measure.py EmulatorProcess)
and its own provider process, both started before timing; the rounds alternate native, dynamic, so that
machine noise hits both alike. A round is a refresh (Read then Diff per resource, as step.go RefreshStep
does) followed by an update of every resource (Check, Diff, Update per resource), timed together. The
emulator's log counts the requests of each step (arrivals before and after the refresh's end) and shows
how many were in flight at once. Nothing here asserts a time.
"""

from __future__ import annotations

import dataclasses
import os
import statistics
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from pulumi.runtime.proto import provider_pb2

from benchmarks import measure
from benchmarks.measure import EmulatorProcess

import harness  # tests/ is on sys.path: benchmarks/measure.py puts it there
import native_harness

NATIVE_IN_FLIGHT = 16
"""Steps the native plugin is driven with, and calls it serves at once (native.py WORKERS)."""
DYNAMIC_CEILING = measure.PARALLELISM
"""Calls the dynamic provider's gRPC server serves at once (ThreadPoolExecutor(max_workers=4))."""
ENGINE_PARALLEL = 4 * (os.cpu_count() or 1)
"""The engine's default --parallel: 4 x CPUs (up.go defaultParallel). The dynamic front end is driven so."""
TARGET = 1.25
"""Issue 12: the native plugin within 1.25x of requests x latency / 16."""
SECTION = 7
"""This benchmark's section number in BENCHMARKS.md."""
PULUMI_VERSION = version("pulumi")
"""The SDK both plugins run on (provider/requirements.txt pins it)."""


@dataclass
class Round:
    """One refresh + update of every resource of one front end."""

    seconds: float
    refresh_seconds: float
    refresh_requests: int
    update_requests: int
    peak_in_flight: int
    provider_cpu: float
    """CPU seconds the provider process used in the round (all its threads)."""
    driver_cpu: float
    """CPU seconds of this process, the engine's stand-in, in the round."""


@dataclass
class FanoutResult:
    """All rounds of one front end at one size."""

    front_end: str
    services: int
    driven: int
    """Steps run at once by the driver (the engine's --parallel)."""
    served: int
    """Calls the provider serves at once: the divisor of the ideal."""
    latency: float
    rounds: list[Round]

    @property
    def median(self) -> Round:
        """The round of median wall time (the upper median for an even count)."""
        return sorted(self.rounds, key=lambda r: r.seconds)[len(self.rounds) // 2]

    @property
    def requests(self) -> int:
        r = self.median
        return r.refresh_requests + r.update_requests

    @property
    def seconds(self) -> float:
        return statistics.median(r.seconds for r in self.rounds)

    @property
    def ideal(self) -> float:
        """requests x latency / calls served at once."""
        return self.requests * self.latency / self.served

    @property
    def ratio(self) -> float:
        return self.median.seconds / self.ideal if self.ideal else float("nan")

    @property
    def ratio_range(self) -> tuple[float, float]:
        ratios = [r.seconds / ((r.refresh_requests + r.update_requests) * self.latency / self.served)
                  for r in self.rounds if r.refresh_requests + r.update_requests]
        return (min(ratios), max(ratios)) if ratios else (float("nan"), float("nan"))

    def per_resource(self, step: str) -> str:
        """Requests per resource in one step, over every round ('1' when each round made exactly one each)."""
        counts = [getattr(r, f"{step}_requests") for r in self.rounds]
        return f"{sum(counts) / (len(counts) * self.services):g}"

    @property
    def peak_in_flight(self) -> int:
        return max(r.peak_in_flight for r in self.rounds)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and all its threads so far (Linux /proc; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def peak_in_flight(arrivals: list[float], latency: float) -> int:
    """The most requests in flight at one moment, from arrival times alone: every request is answered at
    least ``latency`` after it arrives, so all that arrived within the last ``latency`` of an arrival are
    still open at that moment (a lower bound on the true peak)."""
    times = sorted(arrivals)
    best, low = 0, 0
    for high, t in enumerate(times):
        while times[low] <= t - latency:
            low += 1
        best = max(best, high - low + 1)
    return best


def _parallel(parallel: int, names: list[str], step: Callable[[str], Any]) -> list[Any]:
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        return list(pool.map(step, names))


def _refresh(state: dict[str, Any], urn: Callable[[str], str], read: Callable[..., Any], diff: Callable[..., Any],
             parallel: int) -> None:
    """``pulumi refresh`` with ``parallel`` steps at once: step.go RefreshStep.Apply per resource, Read(inputs=old
    inputs, state=old outputs), then Diff(olds=refreshed outputs, news=old inputs) (the harnesses' _refresh,
    run in parallel as the engine runs refresh steps). Nothing drifted, so each Diff must say so."""

    def one(name: str) -> tuple[str, Any]:
        entry = state[name]
        id_, outs, inputs = read(urn(name), entry.id, entry.outputs, entry.inputs)
        new_inputs = inputs if inputs is not None else entry.inputs
        answer = diff(urn(name), id_, outs, entry.inputs, new_inputs)
        if not id_ or answer.changes != provider_pb2.DiffResponse.DIFF_NONE:
            raise AssertionError(f"{name}: the refresh found drift where there is none")
        return name, dataclasses.replace(entry, id=id_, inputs=new_inputs, outputs=outs)

    state.update(_parallel(parallel, list(state), one))


class _Native:
    """The native plugin, through native_harness's NativePlugin and NativeStack."""

    name = "native plugin"
    driven = served = NATIVE_IN_FLIGHT
    plugin_dir = native_harness.PROVIDER_DIR

    def __init__(self, emu: EmulatorProcess, sids: list[str]) -> None:
        self.sids = sids
        config = {"twilio-conversations:accountSid": measure.AUTH[0],
                  "twilio-conversations:authToken": harness.Secret(measure.AUTH[1]),
                  "twilio-conversations:baseUrl": emu.url}
        self.plugin = native_harness.NativePlugin(config, plugin_dir=self.plugin_dir)
        self.pid = self.plugin.process.pid
        self.stack = native_harness.NativeStack(self.plugin)
        plan = self.stack.up(self._program(None), parallel=self.driven)
        if set(plan.steps.values()) != {"create"}:
            raise AssertionError(plan.steps)

    def _program(self, log_enabled: bool | None) -> dict[str, Any]:
        extra = {} if log_enabled is None else {"logEnabled": log_enabled}
        return {f"push-{n}": {"chatServiceSid": s, "newMessage": {"enabled": True}, **extra}
                for n, s in enumerate(self.sids)}

    def refresh(self) -> None:
        _refresh(self.stack.state, native_harness.urn, self.plugin.read, self.plugin.diff, self.driven)

    def update(self, log_enabled: bool) -> None:
        plan = self.stack.up(self._program(log_enabled), parallel=self.driven)
        if set(plan.steps.values()) != {"update"}:
            raise AssertionError(plan.steps)

    def stop(self) -> None:
        self.plugin.stop()


class _Floor(_Native):
    """The SDK floor (benchmarks/sdk_floor): a plugin on the same SDK, served and driven the same way,
    making the same requests, that does little else: what every plugin on this SDK pays, near enough."""

    name = "SDK floor"
    plugin_dir = Path(__file__).resolve().parent / "sdk_floor"


class _Dynamic:
    """The dynamic front end, through harness's ProviderServer, with the engine's steps run in parallel
    (harness.Stack runs one resource at a time)."""

    name = "dynamic"
    driven, served = ENGINE_PARALLEL, DYNAMIC_CEILING

    def __init__(self, emu: EmulatorProcess, sids: list[str]) -> None:
        self.sids = sids
        self.server = harness.ProviderServer(measure.config_for(emu))
        self.pid = self.server.process.pid
        # Serialized once, here: pulumi's dill patching is not thread-safe (what Resource.inputs() does).
        self.provider = harness.serialized_provider()
        self.state: dict[str, harness.StateEntry] = {}

        def create(name: str) -> tuple[str, harness.StateEntry]:
            checked = self.server.check(harness.urn(name), {}, self._inputs(name, None))
            id_, outs = self.server.create(harness.urn(name), checked)
            return name, harness.StateEntry(id_, checked, outs)

        self.state.update(_parallel(self.driven, [f"push-{n}" for n in range(len(sids))], create))

    def _inputs(self, name: str, log_enabled: bool | None) -> dict[str, Any]:
        sid = self.sids[int(name.split("-")[1])]
        props: dict[str, Any] = {"chat_service_sid": sid, "new_message": {"enabled": True},
                                 harness.PROVIDER_KEY: self.provider}
        if log_enabled is not None:
            props["log_enabled"] = log_enabled
        return props

    def refresh(self) -> None:
        _refresh(self.state, harness.urn, self.server.read, self.server.diff, self.driven)

    def update(self, log_enabled: bool) -> None:
        """``pulumi up``: per resource Check(olds=old inputs), Diff, Update (harness.Stack._plan_one, _run)."""

        def one(name: str) -> tuple[str, harness.StateEntry]:
            old, urn = self.state[name], harness.urn(name)
            checked = self.server.check(urn, old.inputs, self._inputs(name, log_enabled))
            diff = self.server.diff(urn, old.id, old.outputs, checked, old.inputs)
            if diff.changes != provider_pb2.DiffResponse.DIFF_SOME or list(diff.replaces):
                raise AssertionError(f"{name}: expected an update, got {diff}")
            outs = self.server.update(urn, old.id, old.outputs, checked, old.inputs)
            return name, dataclasses.replace(old, inputs=checked, outputs=outs)

        self.state.update(_parallel(self.driven, list(self.state), one))

    def stop(self) -> None:
        self.server.stop()


def _round(front: _Native | _Floor | _Dynamic, emu: EmulatorProcess, latency: float, log_enabled: bool) -> Round:
    emu.clear()
    cpu, driver_cpu = cpu_seconds(front.pid), time.process_time()
    start = time.perf_counter()
    front.refresh()
    boundary, refreshed = time.time(), time.perf_counter()
    front.update(log_enabled)
    elapsed = time.perf_counter() - start
    cpu, driver_cpu = cpu_seconds(front.pid) - cpu, time.process_time() - driver_cpu
    arrivals = [float(r["time"]) for r in emu.requests() if r["path"].startswith("/v1/")]
    refresh_requests = sum(1 for t in arrivals if t <= boundary)
    return Round(elapsed, refreshed - start, refresh_requests, len(arrivals) - refresh_requests,
                 peak_in_flight(arrivals, latency), cpu, driver_cpu)


def run(emu: EmulatorProcess, count: int, latency: float, rounds: int) -> list[FanoutResult]:
    """Both front ends and the SDK floor at ``count`` services each; ``rounds`` timed rounds each, alternating."""
    emu.set_latency(0.0)
    all_sids = emu.add_services(3 * count)
    fronts: list[_Native | _Floor | _Dynamic] = []
    try:
        fronts.append(_Native(emu, all_sids[:count]))
        fronts.append(_Floor(emu, all_sids[count:2 * count]))
        fronts.append(_Dynamic(emu, all_sids[2 * count:]))
        results = [FanoutResult(f.name, count, f.driven, f.served, latency, []) for f in fronts]
        emu.set_latency(latency)
        for n in range(rounds):
            for front, result in zip(fronts, results, strict=True):
                result.rounds.append(_round(front, emu, latency, log_enabled=n % 2 == 0))
    finally:
        emu.set_latency(0.0)
        for front in fronts:
            front.stop()
        for s in all_sids:
            emu.admin.delete(f"{emu.url}/_emulator/services/{s}", timeout=5)
    return results


# The report -------------------------------------------------------------------------------------------------

def _row(r: FanoutResult) -> str:
    low, high = r.ratio_range
    return (f"| {r.services} | {r.front_end} | {r.driven} | {r.served} | {r.requests} | {r.per_resource('refresh')} / "
            f"{r.per_resource('update')} | {r.median.refresh_seconds:.2f} | {r.seconds:.2f} | {r.ideal:.2f} | "
            f"**{r.ratio:.3f}x** ({low:.3f}–{high:.3f}) | {r.peak_in_flight} | {r.median.provider_cpu:.2f} |")


@dataclass
class Verdict:
    """The fan-out's outcome at the main size: the three results there and whether the target was met."""

    native: FanoutResult
    floor: FanoutResult
    dynamic: FanoutResult

    @property
    def met(self) -> bool:
        return self.native.ratio <= TARGET


def verdict(results: list[FanoutResult], size: int) -> Verdict:
    """The native plugin, the SDK floor and the dynamic front end at ``size`` services."""
    main = [r for r in results if r.services == size] or results[-3:]

    def named(name: str) -> FanoutResult:
        return next(r for r in main if r.front_end == name)

    return Verdict(named(_Native.name), named(_Floor.name), named(_Dynamic.name))


def _bound(v: Verdict) -> str:
    """What bounds the native plugin's time: its process's CPU time, next to the SDK floor's."""
    native, floor = v.native, v.floor
    r, f = native.median, floor.median
    share = r.provider_cpu / r.seconds if r.seconds else float("nan")
    per_resource = 1000 * r.provider_cpu / native.services
    floor_per_resource = 1000 * f.provider_cpu / floor.services
    if r.provider_cpu >= native.ideal:
        verb = "more than the whole ideal, so at this latency the plugin's own CPU, not the latency, bounds the time"
    else:
        verb = "less than the ideal, so the latency dominates"
    return (f"The native plugin's process used {r.provider_cpu:.2f} s of CPU in that {r.seconds:.2f} s round "
            f"({share:.0%} of one core; its Python code runs on one core at a time), {per_resource:.1f} ms per "
            f"resource for five gRPC calls and two HTTP requests: {verb}. The SDK floor, a plugin on the same SDK "
            f"that answers the same calls and makes the same requests but does little else (benchmarks/sdk_floor), "
            f"used {floor_per_resource:.1f} ms per resource and took **{floor.ratio:.3f}x** of its ideal: in this "
            f"set-up most of the gap to {TARGET}x is what `pulumi.provider.experimental` {PULUMI_VERSION}, gRPC and "
            f"HTTP cost every plugin, and the native plugin took {native.seconds / floor.seconds:.2f}x the floor's "
            "time. The "
            f"driver, a Python stand-in for the engine (which is Go), used {r.driver_cpu:.2f} s of CPU on the same "
            f"{os.cpu_count()} cores.")


def report(results: list[FanoutResult], size: int, rounds: int, png: str) -> list[str]:
    v = verdict(results, size)
    native, floor, dynamic = v.native, v.floor, v.dynamic
    latency_ms = native.latency * 1000
    cpus = os.cpu_count() or 1
    return [
        f"## {SECTION}. Fan-out: the native plugin next to the dynamic front end, refresh then update, "
        f"{latency_ms:.0f} ms latency per request",
        "",
        "Each front end refreshes and then updates its own services (every resource changes), against the "
        "emulator in its own process, all measured in the same run, rounds alternating between them. A refresh "
        "is Read then Diff per resource (step.go RefreshStep), an update Check, Diff, Update; only Read and Update "
        "make a request.",
        "",
        f"- Native plugin: started as the language host starts `provider/`, driven with {NATIVE_IN_FLIGHT} steps "
        f"at once (`pulumi up --parallel {NATIVE_IN_FLIGHT}`; the default on a 4-CPU machine). It serves "
        f"{NATIVE_IN_FLIGHT} calls at once (its own thread pool and HTTP pool): ideal = requests × latency / "
        f"{NATIVE_IN_FLIGHT}.",
        f"- SDK floor: `benchmarks/sdk_floor`, a plugin on the same SDK ({PULUMI_VERSION}), started, served and "
        "driven the same way, answering the same calls with the same property shapes and making the same GET and "
        "POST with a bare urllib3 pool, and doing little else: no validation, no name mapping, no retries. Same "
        "ideal.",
        "- Dynamic front end: driven as the engine drives it by default, `--parallel` = 4 × CPUs "
        f"(pkg/cmd/pulumi/operations/up.go defaultParallel), {ENGINE_PARALLEL} on this {cpus}-CPU machine. Its gRPC "
        f"server serves {DYNAMIC_CEILING} calls at once (`ThreadPoolExecutor(max_workers=4)` in "
        f"pulumi/dynamic/__main__.py) and queues the rest: ideal = requests × latency / {DYNAMIC_CEILING}.",
        "",
        f"{native.services} services: the native plugin took **{native.seconds:.2f} s** against an ideal of "
        f"{native.ideal:.2f} s, **{native.ratio:.3f}x**; the SDK floor **{floor.seconds:.2f} s**, "
        f"**{floor.ratio:.3f}x**; the dynamic front end **{dynamic.seconds:.2f} s** against {dynamic.ideal:.2f} s, "
        f"**{dynamic.ratio:.3f}x**. The native plugin took {native.seconds / dynamic.seconds:.0%} of the dynamic "
        f"front end's time. Target, the native plugin within {TARGET}x of requests × latency / {NATIVE_IN_FLIGHT}: "
        f"**{'met' if v.met else 'missed'}**. {_bound(v)}",
        "",
        "| Services | Front end | Steps at once | Served at once | Requests | Requests per resource: refresh / "
        "update | Refresh (s) | Refresh + update (s) | Ideal (s) | Measured / ideal (range) | Peak in flight | "
        "Provider CPU (s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
        *[_row(r) for r in results],
        "",
        f"Times are the median of {rounds} round{'s' if rounds != 1 else ''} (the range gives every round's "
        "ratio). Requests are counted by the emulator, per step, over every round. Peak in flight is the most "
        "requests that arrived at the emulator within one latency of each other: each was still being answered "
        "when the last arrived, so at least that many were in flight at once. Provider CPU: user + system time of "
        "the provider process, all threads, in the median round.",
        "",
        f"![Refresh + update time against service count for both front ends and the SDK floor, next to their "
        f"ideals]({png})",
        "",
    ]


def target_note(results: list[FanoutResult], size: int) -> str:
    """The line for 'Targets and what bounds them'."""
    v = verdict(results, size)
    return (f"- Native plugin within {TARGET}x of requests × latency / {NATIVE_IN_FLIGHT} at {v.native.services} "
            f"services: {'met' if v.met else 'missed'} ({v.native.ratio:.3f}x, {v.native.peak_in_flight} requests "
            f"seen in flight at once; the SDK floor {v.floor.ratio:.3f}x; the dynamic front end, capped at "
            f"{DYNAMIC_CEILING}, {v.dynamic.ratio:.3f}x of its own ideal). See section {SECTION}: {_bound(v)}")


def draw(results: list[FanoutResult], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (total, ratio) = plt.subplots(1, 2, figsize=(11, 4.2))
    by_front: Mapping[str, list[FanoutResult]] = {
        name: sorted((r for r in results if r.front_end == name), key=lambda r: r.services)
        for name in (_Native.name, _Floor.name, _Dynamic.name)
    }
    for (name, rows), colour in zip(by_front.items(), ("tab:blue", "tab:green", "tab:orange"), strict=True):
        counts = [r.services for r in rows]
        served = rows[0].served if rows else 0
        total.plot(counts, [r.seconds for r in rows], "o-", color=colour, label=f"{name}, measured")
        total.plot(counts, [r.ideal for r in rows], "s--", color=colour, alpha=0.6,
                   label=f"{name}, ideal (requests × latency / {served})")
        ratio.plot(counts, [r.ratio for r in rows], "o-", color=colour, label=name)
    total.set_xlabel("services")
    total.set_ylabel("refresh + update, seconds")
    total.set_title("Total time")
    total.set_ylim(bottom=0)
    total.legend(fontsize=8)
    ratio.axhline(TARGET, color="grey", linestyle=":", label=f"target for the native plugin ({TARGET}x)")
    ratio.axhline(1.0, color="black", linewidth=0.8)
    ratio.set_xlabel("services")
    ratio.set_ylabel("measured / ideal")
    ratio.set_title("Measured against each front end's ideal")
    ratio.set_ylim(bottom=0.9)
    ratio.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
