"""Twilio's OpenAPI spec for the contract tests: found beside the checkout, or fetched once and verified.

Where it is looked for, in order: ``$TWILIO_CONVERSATIONS_SPEC``; ``../shared/twilio-oai/`` beside the
checkout; the cache ``tests/.cache/``; else it is downloaded from twilio/twilio-oai at the pinned commit
(shared/twilio-oai/SOURCE.md), its git blob id checked, and cached. Offline, the contract tests skip
and say why, so a user's run on a fresh clone is complete whenever the network allows.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Optional

COMMIT = "d50069b44ea8cd23141385bdb6db48f16ff75bb5"  # twilio/twilio-oai tag 2.6.7
BLOB = "9482fa31bbb18529e8cd5e40e42eec804e47722c"  # git blob id of spec/json/twilio_conversations_v1.json there
URL = f"https://raw.githubusercontent.com/twilio/twilio-oai/{COMMIT}/spec/json/twilio_conversations_v1.json"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "twilio-oai" / "twilio_conversations_v1.json"
CACHE = Path(__file__).resolve().parent / ".cache" / f"twilio_conversations_v1-{BLOB[:12]}.json"


def git_blob_id(data: bytes) -> str:
    """The id git gives a file's content: sha1 of ``blob <size>\\0`` and the bytes."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def find_spec(download: bool = True) -> tuple[Optional[Path], str]:
    """(path, "") when the spec is at hand; (None, why not) otherwise."""
    override = os.environ.get("TWILIO_CONVERSATIONS_SPEC")
    if override:
        path = Path(override)
        return (path, "") if path.exists() else (None, f"$TWILIO_CONVERSATIONS_SPEC names {path}, which is missing")
    for path in (SHARED, CACHE):
        if path.exists():
            return path, ""
    if not download:
        return None, f"Twilio's OpenAPI spec is neither at {SHARED} nor cached at {CACHE}"
    try:
        with urllib.request.urlopen(URL, timeout=15) as response:
            data = response.read()
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        return None, f"Twilio's OpenAPI spec is not beside the checkout and could not be downloaded ({err})"
    if git_blob_id(data) != BLOB:
        return None, f"the downloaded spec's git blob id is {git_blob_id(data)}, not the pinned {BLOB}"
    CACHE.parent.mkdir(exist_ok=True)
    CACHE.write_bytes(data)
    return CACHE, ""
