"""The bundled emulator behaves like Twilio where the provider depends on it."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from pulumi_twilio_conversations.emulator import Emulator

from conftest import ACCOUNT, OTHER_SID, SID, TOKEN


def test_new_service_reads_as_twilio_defaults(emulator: Emulator) -> None:
    body = requests.get(emulator.api_url(SID), auth=(ACCOUNT, TOKEN), timeout=5).json()
    assert body["new_message"] == {"enabled": False, "template": None, "sound": None, "badge_count_enabled": False,
                                   "with_media": {"enabled": False, "template": None}}
    assert body["account_sid"] == ACCOUNT and body["chat_service_sid"] == SID
    assert body["url"] == emulator.api_url(SID)


def test_post_updates_only_given_fields_and_empty_clears(emulator: Emulator) -> None:
    auth = (ACCOUNT, TOKEN)
    requests.post(emulator.api_url(SID), data={"NewMessage.Template": "a", "NewMessage.Sound": "s"}, auth=auth,
                  timeout=5)
    body = requests.post(emulator.api_url(SID), data={"NewMessage.Sound": ""}, auth=auth, timeout=5).json()
    assert body["new_message"]["template"] == "a" and body["new_message"]["sound"] is None


@pytest.mark.parametrize(
    ("form", "words"),
    [
        ({"NewMessage.Enabled": "yes"}, "must be a boolean"),
        ({"NewMessage.Enabled": "True"}, "must be a boolean"),
        ({"NewMessage.Colour": "red"}, "is not a parameter"),
        ({"NewMessage.WithMedia.Sound": "x"}, "is not a parameter"),
    ],
)
def test_malformed_posts_are_rejected_like_twilio(emulator: Emulator, form: dict[str, str], words: str) -> None:
    response = requests.post(emulator.api_url(SID), data=form, auth=(ACCOUNT, TOKEN), timeout=5)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 20001 and body["status"] == 400 and words in body["message"]
    assert emulator.settings(SID)["new_message"]["enabled"] is False


@pytest.mark.parametrize("auth", [None, (ACCOUNT, "wrong"), ("AC" + "0" * 32, TOKEN)])
def test_authentication_required(emulator: Emulator, auth: Any) -> None:
    response = requests.get(emulator.api_url(SID), auth=auth, timeout=5)
    assert response.status_code == 401 and response.json()["code"] == 20003


def test_unknown_or_foreign_service_is_404(emulator: Emulator) -> None:
    other_account = "AC" + "7" * 32
    emulator.state.accounts[other_account] = "other"
    response = requests.get(emulator.api_url(OTHER_SID), auth=(other_account, "other"), timeout=5)
    assert response.status_code == 404 and response.json()["code"] == 20404
    response = requests.get(emulator.api_url("IS" + "9" * 32), auth=(ACCOUNT, TOKEN), timeout=5)
    assert response.status_code == 404


def test_admin_endpoints_manage_services_faults_and_log(emulator: Emulator) -> None:
    new_sid = "IS" + "4" * 32
    assert requests.post(f"{emulator.url}/_emulator/services", json={"sid": new_sid}, timeout=5).status_code == 201
    assert requests.get(emulator.api_url(new_sid), auth=(ACCOUNT, TOKEN), timeout=5).ok
    requests.post(f"{emulator.url}/_emulator/faults", json={"status": 503, "count": 1, "methods": ["POST"]}, timeout=5)
    assert requests.get(emulator.api_url(SID), auth=(ACCOUNT, TOKEN), timeout=5).ok  # GET not affected
    assert requests.post(emulator.api_url(SID), data={}, auth=(ACCOUNT, TOKEN), timeout=5).status_code == 503
    log = requests.get(f"{emulator.url}/_emulator/requests", timeout=5).json()
    assert [r["status"] for r in log] == [200, 200, 503]
    assert all("Authorization" not in r["headers"] for r in log)
    requests.delete(f"{emulator.url}/_emulator/services/{new_sid}", timeout=5)
    assert requests.get(emulator.api_url(new_sid), auth=(ACCOUNT, TOKEN), timeout=5).status_code == 404
