"""Hostile answers (issue 11): text built from a server's answer never carries our credentials.

``scrub`` is pure: it replaces a secret, in any form a proxy may echo it, by ``[redacted]``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ACCOUNT, TOKEN

# --- C. secrets: scrub(text, secrets) ------------------------------------------------------------------

def lower_hex(text: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), text)


SCRUB_TABLE: list[tuple[str, list[str], str]] = [
    ("nothing here", ["tok-12345678"], "nothing here"),
    ("token tok-12345678 leaked", ["tok-12345678"], "token [redacted] leaked"),
    ("a=tok%2F1234%2B5678", ["tok/1234+5678"], "a=[redacted]"),
    ("a=tok%2f1234%2b5678", ["tok/1234+5678"], "a=[redacted]"),
    ("a=tok/1234+5678&b", ["tok/1234+5678"], "a=[redacted]&b"),
    ("q=tok+1234+5678", ["tok 1234 5678"], "q=[redacted]"),
    ("prefix tok-1234", ["tok-12345678"], "prefix [redacted]"),  # truncated echo, 8 characters of it
    ("tok-123", ["tok-12345678"], "tok-123"),  # 7 characters: too few to tell
    ("xx abc yy", ["abc"], "xx [redacted] yy"),  # a short secret is matched whole
    ("two tok-12345678tok-12345678", ["tok-12345678"], "two [redacted]"),
    ("", ["tok-12345678"], ""),
    ("no secrets given", [], "no secrets given"),
    ("empty secret", [""], "empty secret"),
]


@pytest.mark.parametrize(("text", "secrets", "expected"), SCRUB_TABLE)
def test_scrub_table(text: str, secrets: list[str], expected: str) -> None:
    from pulumi_twilio_conversations.scrub import scrub

    assert scrub(text, secrets) == expected


def test_credential_secrets_cover_the_basic_header() -> None:
    from pulumi_twilio_conversations.scrub import credential_secrets, scrub

    secrets = credential_secrets(ACCOUNT, TOKEN)
    header = "Basic " + base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
    assert scrub(f"got {header}!", secrets) == "got Basic [redacted]!"


_SECRET_TEXT = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=8, max_size=40)
_NOISE = st.text(max_size=60)


@settings(max_examples=300, deadline=None)
@given(secret=_SECRET_TEXT, before=_NOISE, after=_NOISE,
       encode=st.sampled_from([str, lambda s: quote(s, safe=""), quote, quote_plus,
                               lambda s: lower_hex(quote(s, safe="")),
                               lambda s: base64.b64encode(f"{ACCOUNT}:{s}".encode()).decode()]))
def test_scrub_removes_every_form_of_a_secret(secret: str, before: str, after: str,
                                              encode: Callable[[str], str]) -> None:
    from pulumi_twilio_conversations.scrub import credential_secrets, scrub

    out = scrub(before + encode(secret) + after, credential_secrets(ACCOUNT, secret))
    assert secret not in out and encode(secret) not in out
    assert "[redacted]" in out


@settings(max_examples=200, deadline=None)
@given(text=_NOISE, secret=_SECRET_TEXT)
def test_scrub_leaves_text_without_the_secret_alone(text: str, secret: str) -> None:
    from pulumi_twilio_conversations.scrub import scrub

    assert scrub(text, []) == text
    if not set(text) & set(secret + "%"):
        assert scrub(text, [secret]) == text


