"""Twilio's spec comes from a pinned, verified source (spec.py), and nothing else is accepted."""

from __future__ import annotations

import io
from typing import Any

import pytest

import spec as spec_source
from conftest import SPEC_MISSING, SPEC_PATH


@pytest.mark.skipif(not SPEC_PATH.exists(), reason=SPEC_MISSING)
def test_the_pinned_spec_is_the_one_in_use() -> None:
    assert spec_source.git_blob_id(SPEC_PATH.read_bytes()) == spec_source.BLOB


def test_a_download_that_is_not_the_pinned_spec_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    class Answer(io.BytesIO):
        def __enter__(self) -> Answer:
            return self

    monkeypatch.delenv("TWILIO_CONVERSATIONS_SPEC", raising=False)
    monkeypatch.setattr(spec_source, "SHARED", tmp_path / "absent.json")
    monkeypatch.setattr(spec_source, "CACHE", tmp_path / "cache.json")
    monkeypatch.setattr("urllib.request.urlopen", lambda *_a, **_k: Answer(b"{\"tampered\": true}"))
    path, why = spec_source.find_spec()
    assert path is None and "not the pinned" in why
    assert not (tmp_path / "cache.json").exists()
