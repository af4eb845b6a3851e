"""What a user reads when a step fails: one block, the same on both front ends, and no stack.

The engine prints a provider's gRPC error details after ``error:`` (sdk/go/common/diag/errors.go
GetResourceOperationFailedError: ``"%v"``), and each line the plugin writes to stderr as an info line of
the stack (plugin.go newPlugin). So the details must be our message alone, and stderr must stay clean.
From SDK 3.260 the dynamic server answers ``traceback.format_exc()`` for every failed call
(``_abort_with_traceback`` in pulumi/dynamic/__main__.py), and the experimental server appends the frames
(``_raise_with_traceback`` in pulumi/provider/experimental/server.py): these tests run the installed SDK.
"""

from __future__ import annotations

import re
import socket
import sys
import traceback
import types
from collections.abc import Callable
from typing import Any, Optional

import pytest

from pulumi_twilio_conversations.core.messages import UserError, user_message
from pulumi_twilio_conversations.dynamic import errors
from pulumi_twilio_conversations.emulator import Emulator
from pulumi_twilio_conversations.native.schema import PACKAGE

from conftest import ACCOUNT, OTHER_SID, SID, stack_config
from frontends import FRONT_ENDS, FrontEnd, Name, ScenarioStack
from harness import CheckFailed, ProviderError, Secret, serialized_provider, urn
from native_harness import urn as native_urn

PROGRAM = {"push": {"chat_service_sid": SID, "new_message": {"enabled": True}}}
STACK_NOISE = re.compile(r"Traceback|File \"|line \d+, in |Unexpected <class|Exception calling application")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _same_words(text: str) -> str:
    """A message with the native plugin's config namespace spelt as the dynamic resource's: the one
    difference allowed between the two front ends (``twilio-conversations:authToken`` / ``twilio:authToken``)."""
    return text.replace(f"{PACKAGE}:", "twilio:")


# Each scenario: the stack config's changes, what the emulator does, and the step that fails.
Step = Callable[[ScenarioStack], Any]
SCENARIOS: dict[str, tuple[dict[str, Any], Callable[[Emulator], None], Step]] = {
    "wrong credentials": ({"twilio:authToken": Secret("not-the-token")}, lambda emu: None,
                          lambda stack: stack.up(PROGRAM)),
    "a missing service": ({}, lambda emu: emu.state.remove_service(OTHER_SID),
                          lambda stack: stack.get("gone", OTHER_SID)),
    "rate limits exhausted": ({}, lambda emu: emu.inject(status=429, count=-1, retry_after=0),
                              lambda stack: stack.up(PROGRAM)),
    "an unreachable host": ({"twilio:baseUrl": f"http://127.0.0.1:{_closed_port()}", "twilio:maxRetries": "0"},
                            lambda emu: None, lambda stack: stack.up(PROGRAM)),
}


def _failure(front_end: FrontEnd, scenario: str) -> tuple[str, str]:
    """The error details the engine would print, and what the plugin wrote to stderr."""
    changes, arrange, step = SCENARIOS[scenario]
    with Emulator(accounts={ACCOUNT: "tok-error-display"}, services=[SID, OTHER_SID]) as emu:
        arrange(emu)
        config = {**stack_config(emu), **changes}
        with front_end.server(config) as server:
            with pytest.raises(ProviderError) as caught:
                step(front_end.stack(server))
            return str(caught.value), server.stderr


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_a_failed_step_reads_as_one_message_without_a_stack_on_both_front_ends(scenario: str) -> None:
    seen = {name: _failure(FrontEnd(name), scenario) for name in FRONT_ENDS}
    for name, (details, stderr) in seen.items():
        assert details.startswith("Twilio"), (name, details)
        assert not STACK_NOISE.search(details), (name, details)
        assert not STACK_NOISE.search(stderr), (name, stderr)
        assert "tok-error-display" not in details + stderr
    dynamic, native = (_same_words(seen[name][0]) for name in FRONT_ENDS)
    assert dynamic == native


def test_a_check_failure_reads_as_one_message_per_field_on_both_front_ends(emulator: Emulator) -> None:
    program = {"push": {"chat_service_sid": SID, "new_message": {"enabeld": True}}}
    reasons = {}
    for name in FRONT_ENDS:
        front_end = FrontEnd(name)
        with front_end.server(stack_config(emulator)) as server:
            with pytest.raises(CheckFailed) as caught:
                front_end.stack(server).preview(program)
            [(field, reason)] = caught.value.failures
            assert field == front_end.path("new_message.enabeld")
            assert not STACK_NOISE.search(reason + server.stderr)
            reasons[name] = reason
    assert "did you mean 'enabled'?" in reasons["dynamic"]
    assert reasons["native"] == reasons["dynamic"].replace("badge_count_enabled", "badgeCountEnabled").replace(
        "with_media", "withMedia")


@pytest.mark.parametrize("name", FRONT_ENDS)
def test_a_bug_of_ours_keeps_its_stack_for_the_bug_report(emulator: Emulator, name: Name) -> None:
    """Only our own errors lose the stack. Here the bug is a Create without the inputs Check makes
    (no engine sends it): the answer still says where it broke, for the bug report."""
    front_end = FrontEnd(name)
    with front_end.server(stack_config(emulator)) as server:
        props = {"__provider": serialized_provider()} if name == "dynamic" else {}
        with pytest.raises(ProviderError) as caught:
            server.create(urn("broken") if name == "dynamic" else native_urn("broken"), props)
    details = str(caught.value)
    assert re.search(r'File ".*pulumi_twilio_conversations', details) and "chat_service_sid" in details


def _raised(make: Callable[[], BaseException]) -> BaseException:
    try:
        raise make()
    except BaseException as err:
        return err


def _rewrapped(inner: BaseException) -> BaseException:
    """What the experimental server's wrapper does: ``Exception(f"{e}:\n{stack}")`` while handling ours."""
    try:
        raise inner
    except BaseException as err:
        try:
            raise Exception(f"{err}:\n  File \"server.py\", line 77, in wrapper\n")
        except Exception as outer:
            return outer


def _bug_while_handling(inner: BaseException) -> BaseException:
    """A bug in an ``except`` block of ours: another exception, raised while handling one of ours."""
    try:
        raise inner
    except BaseException:
        try:
            empty: dict[str, str] = {}
            empty["missing"]
        except KeyError as bug:
            return bug
    raise AssertionError("unreachable")


def _cycle() -> BaseException:
    first, second = ValueError("a"), ValueError("b")
    first.__context__, second.__context__ = second, first
    return first


@pytest.mark.parametrize(("error", "shown"), [
    (UserError("Twilio: could not create ..."), "Twilio: could not create ..."),
    (_rewrapped(UserError("Twilio provider settings: ...")), "Twilio provider settings: ..."),
    (_raised(lambda: KeyError("surprise")), None),
    (_rewrapped(KeyError("surprise")), None),
    (_bug_while_handling(UserError("Twilio: 404 not found")), None),
    (_rewrapped(_bug_while_handling(UserError("Twilio: 404 not found"))), None),
    (_cycle(), None),
])
def test_only_our_errors_are_shown_as_their_message(error: BaseException, shown: Optional[str]) -> None:
    assert user_message(error) == shown


def test_the_dynamic_servers_traceback_gives_our_message_alone_and_a_bugs_whole_stack() -> None:
    shim = errors._Traceback()
    try:
        raise _rewrapped(UserError("Twilio: could not reset ..."))
    except Exception:
        assert shim.format_exc() == "Twilio: could not reset ..."
    try:
        raise KeyError("surprise")
    except KeyError:
        assert shim.format_exc() == traceback.format_exc()
        assert shim.format_exc().startswith("Traceback (most recent call last):")
    assert shim.extract_tb is traceback.extract_tb


def test_only_the_sdks_dynamic_server_is_changed() -> None:
    """A program, a test or another server that imports the provider keeps its own ``traceback``."""
    for module in (types.ModuleType("__main__"), sys.modules[__name__], None):
        assert errors.install(module) is False
    assert traceback.format_exc.__module__ == "traceback"
