"""A local, stateful stand-in for Twilio's Conversations API: services, push credentials and the
services' notification configuration.

It answers, per account, as Twilio's spec (twilio_conversations_v1.json) declares them:

- ``GET``/``POST /v1/Services/{sid}/Configuration/Notifications``: a service's notification settings;
- ``POST``/``GET /v1/Services`` (create, list) and ``GET``/``DELETE /v1/Services/{sid}``: services
  (``IS`` SIDs); deleting one deletes its notification settings too;
- ``POST``/``GET /v1/Credentials`` (create, list) and ``GET``/``POST``/``DELETE /v1/Credentials/{sid}``:
  push credentials (``CR`` SIDs), whose secrets (certificate, private key, API key, secret) are stored
  and never returned;
- ``GET /v1/Configuration``: the caller's account.

HTTP Basic auth against configured accounts and API keys, form fields and booleans validated as
Twilio's spec declares them, 404/20404 for a resource the account does not own, 405/20004 for a method
a path does not have, Twilio-shaped error JSON. Tests can inject faults and read a log of every
request (Authorization header removed; the form as sent, secrets included).

Run it::

    python -m pulumi_twilio_conversations.emulator --port 8787 --service IS00000000000000000000000000000000

Admin endpoints (no auth, loopback only), under ``/_emulator``:

- ``GET /_emulator/requests`` / ``DELETE /_emulator/requests``: the request log.
- ``POST /_emulator/services`` ``{"sid": "IS...", "account_sid": "AC...", "friendly_name": "..."}``:
  create a service (only ``sid`` is required).
- ``DELETE /_emulator/services/{sid}``: delete a service (the settings go with it).
- ``GET /_emulator/services/{sid}``: the stored settings, raw (nulls included).
- ``POST /_emulator/credentials`` ``{"type": "fcm", "account_sid": "AC...", "secret": "...", ...}``:
  create a credential (as someone with the console would); answers ``{"sid": "CR..."}``.
- ``GET /_emulator/credentials`` / ``GET /_emulator/credentials/{sid}``: the stored credentials, raw,
  secrets included, so that a test can prove what Twilio received. The API never answers them.
- ``DELETE /_emulator/credentials/{sid}``: delete a credential behind the provider's back.
- ``POST /_emulator/faults`` ``{"status": 429, "count": 2, ...}``: see ``Fault`` (its fields by name, e.g.
  ``{"status": 502, "after_processing": true, "paths": ["/v1/Credentials"], "methods": ["POST"]}``: a
  credential created and its answer lost); ``DELETE`` clears.
- ``POST /_emulator/latency`` ``{"seconds": 0.05}``: delay every API answer (a stand-in for the network).

From Python, :meth:`Emulator.hold` holds API requests until a number of them are in flight together, and
:attr:`Emulator.peak_in_flight` is the most that ever were: a test of concurrency that no clock can break.
"""

from __future__ import annotations

import argparse
import base64
import copy
import errno
import fnmatch
import functools
import io
import json
import math
import re
import socket
import ssl
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, Literal, NamedTuple, NoReturn, Optional, Protocol, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

from .core.messages import show
from .core.models import MAX_TEXT_LENGTH, SERVICE_SID_PATTERN
from .core.wire import WIRE_FIELDS, set_path

DEFAULT_ACCOUNT_SID = "AC00000000000000000000000000000000"
DEFAULT_AUTH_TOKEN = "emulator-auth-token"
ACCOUNT_SID_PATTERN = r"^AC[0-9a-fA-F]{32}$"
_PATH = re.compile(r"^/v1/Services/([^/]+)/Configuration/Notifications/?$")
# `PRODUCT.REGION.twilio.com` for a region other than us1: dead since 2026-04-28 (Twilio's "API Domain
# Migration Guide"); what such a host answers is not documented, so the emulator answers nothing.
_DEAD_HOST = re.compile(r"^[a-z]+\.(?!us1\.)[a-z]{2}[0-9]\.twilio\.com(:\d+)?$", re.IGNORECASE)
# Twilio's error dictionary: 50058 "Notification template too long", 50059 "Notification sound name too long".
_TOO_LONG = {
    "Template": (50058, "Notification template too long"),
    "Sound": (50059, "Notification sound name too long"),
}
_FORM_FIELDS = {f.form: f for f in WIRE_FIELDS}
# What each API handler answers, under the state's lock: (status, body); a body of None is none (204).
_Answer = tuple[int, Optional[dict[str, Any]]]

# The kind of each form field of a request body, as the spec declares it: "bool" is its `boolean`
# (sent as true/false), "push_type" its enum credential_enum_push_type, "text" a string.
Kind = Literal["bool", "text", "push_type"]
_NOTIFICATION_KINDS: dict[str, Kind] = {f.form: "bool" if f.kind is bool else "text" for f in WIRE_FIELDS}
# CreateCredentialRequest and UpdateCredentialRequest: the same fields; Type is required on create only.
# The spec lets an update send Type as well (Twilio's docs do not say what a new type does): the
# emulator applies it, so only the provider's own rule (a new type is a replace) keeps it from being sent.
_CREDENTIAL_KINDS: dict[str, Kind] = {"Type": "push_type", "FriendlyName": "text", "Certificate": "text",
                                      "PrivateKey": "text", "Sandbox": "bool", "ApiKey": "text", "Secret": "text"}
_SERVICE_KINDS: dict[str, Kind] = {"FriendlyName": "text"}  # CreateServiceRequest, FriendlyName required
PUSH_TYPES = ("apn", "gcm", "fcm")  # credential_enum_push_type
# Form field -> attribute of StoredCredential for the secrets, which no API answer carries: the spec's
# conversations.v1.credential has no such property ("Twilio never returns them", DESIGN.md).
CREDENTIAL_SECRETS = {"Certificate": "certificate", "PrivateKey": "private_key", "ApiKey": "api_key",
                      "Secret": "secret"}
# The longest friendly names, from the spec's descriptions ("up to 64 characters" for a credential,
# "limited to 256 characters" for a service). What Twilio answers past them is not documented: the
# emulator refuses with the generic 20001, so that a provider that lets one through is caught.
FRIENDLY_NAME_LIMITS = {"credential": 64, "service": 256}
# Lists: PageSize "The default is 50, and the maximum is 100" (the spec's list parameters).
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 50, 100
# The links of a service (conversations.v1.service in the spec's examples), each under its URL.
_SERVICE_LINKS = {"conversations": "Conversations", "users": "Users", "roles": "Roles", "bindings": "Bindings",
                  "configuration": "Configuration", "participant_conversations": "ParticipantConversations",
                  "conversation_with_participants": "ConversationWithParticipants"}


@dataclass
class Fault:
    """A fault to inject into the next matching requests.

    ``status``: answer with this HTTP status and Twilio error JSON (429 -> code 20429).
    ``retry_after``: add a ``Retry-After`` header (seconds). ``delay``: sleep this long first.
    ``reset``: close the connection without answering. ``body``: send this raw body instead
    (with status 200 unless ``status`` is set). ``count``: how many requests it hits (-1: all).
    ``methods``: only these methods (e.g. ``["POST"]``). ``headers``: extra response headers
    (``{"Location": ...}`` with a 3xx status makes a redirect).

    ``paths``: only requests for these paths (e.g. ``["/v1/Credentials"]``, which is that path exactly,
    not ``/v1/Credentials/CR...``); ``*`` stands for any run of characters, slashes included
    (``"/v1/Credentials/*"``: every credential). A trailing slash, of the path or of the request, does
    not count (the API answers either). ``methods`` and ``paths`` together: both must match.

    ``after_processing``: the answer is lost after the request was carried out. The request is
    processed as without a fault (a credential or service is created, settings are changed, a refusal
    is a refusal) and then, after ``delay``, the client gets ``status``, ``body`` or ``reset`` instead of
    the real answer; with none of those, the real answer, late. Without it, a fault answers before the
    request is processed, and nothing changes. The request log records the status the client got.
    """

    status: Optional[int] = None
    retry_after: Optional[int] = None
    delay: float = 0.0
    reset: bool = False
    body: Optional[str] = None
    count: int = 1
    methods: Optional[list[str]] = None
    headers: Optional[dict[str, str]] = None
    paths: Optional[list[str]] = None
    after_processing: bool = False

    def __post_init__(self) -> None:
        # A fault arrives as JSON too (POST /_emulator/faults): a string where a list belongs would
        # otherwise be matched letter by letter, and a fault that never hits is a test that proves nothing.
        if self.methods is not None and not _is_list_of_str(self.methods):
            raise ValueError(f'methods must be a list of methods, such as ["POST"], not {show(self.methods)}')
        if self.paths is not None:
            if not isinstance(self.paths, (list, tuple)):
                raise ValueError(f'paths must be a list of paths, such as ["/v1/Credentials"], not {show(self.paths)}')
            for path in self.paths:
                if not isinstance(path, str) or not path.startswith("/"):
                    raise ValueError(f"paths: {show(path)} does not start with /; write a path such as /v1/Credentials")
        if not isinstance(self.after_processing, bool):
            raise ValueError(f"after_processing must be true or false, not {show(self.after_processing)}")

    @classmethod
    def from_fields(cls, fields_: Mapping[str, Any]) -> Fault:
        """A fault from its fields by name (``Emulator.inject``'s keywords, the admin API's JSON); a
        name that is not a field is a ValueError naming it and the fields there are."""
        known = [f.name for f in dataclass_fields(cls)]
        unknown = [name for name in fields_ if name not in known]
        if unknown:
            raise ValueError(f"{show(unknown[0])} is not a field of a fault; the fields are: {', '.join(known)}")
        return cls(**fields_)

    def hits(self, method: str, path: str) -> bool:
        """Whether this fault is aimed at a request (its count aside)."""
        if self.methods and method not in self.methods:
            return False
        return not self.paths or any(path_matches(pattern, path) for pattern in self.paths)


def _is_list_of_str(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)


def path_matches(pattern: str, path: str) -> bool:
    """Whether a request's path is one a fault's ``paths`` entry names: the same path, or, where the
    entry has ``*``, one it matches as a glob (``*`` crossing slashes); trailing slashes aside."""
    return fnmatch.fnmatchcase(path.rstrip("/") or "/", pattern.rstrip("/") or "/")


@dataclass
class RecordedRequest:
    method: str
    path: str
    form: dict[str, str]
    headers: dict[str, str]
    username: Optional[str]
    client_port: int = 0
    status: int = 0
    time: float = field(default_factory=time.time)
    query: str = ""
    """The query string, as sent (lists: PageSize, Page, PageToken)."""


def default_settings_raw() -> dict[str, Any]:
    """A new service's settings as Twilio reports them: flags false, texts null."""
    tree: dict[str, Any] = {}
    for f in WIRE_FIELDS:
        set_path(tree, f.path, False if f.kind is bool else None)
    return tree


def _now() -> str:
    """A timestamp as Twilio's JSON writes one (the spec's examples: ``2015-10-07T17:50:01Z``)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_sid(prefix: str) -> str:
    """A fresh SID: the two-letter prefix and 32 hex characters."""
    return prefix + uuid.uuid4().hex


@dataclass
class StoredService:
    """A service as the emulator keeps it (its settings are in ``EmulatorState.services``)."""

    sid: str
    account_sid: str
    friendly_name: Optional[str]
    date_created: str = field(default_factory=_now)
    date_updated: str = ""
    seq: int = 0
    """Creation order: lists are in it, and page tokens point into it."""

    def __post_init__(self) -> None:
        self.date_updated = self.date_updated or self.date_created


@dataclass
class StoredCredential:
    """A push credential as the emulator keeps it, secrets included (see ``credential_body``)."""

    sid: str
    account_sid: str
    type: str
    friendly_name: Optional[str] = None
    sandbox: bool = False
    certificate: Optional[str] = None
    private_key: Optional[str] = None
    api_key: Optional[str] = None
    secret: Optional[str] = None
    date_created: str = field(default_factory=_now)
    date_updated: str = ""
    seq: int = 0

    def __post_init__(self) -> None:
        self.date_updated = self.date_updated or self.date_created


def credential_body(cred: StoredCredential, base_url: str) -> dict[str, Any]:
    """A credential as Twilio answers it (conversations.v1.credential). An allow-list of the public
    fields: the secrets cannot reach an answer. ``sandbox`` is a string in the spec (``"sandbox":
    {"type": "string"}``) and every example of it is ``"False"``: Python's spelling of the boolean."""
    return {
        "sid": cred.sid,
        "account_sid": cred.account_sid,
        "friendly_name": cred.friendly_name,
        "type": cred.type,
        "sandbox": str(cred.sandbox),
        "date_created": cred.date_created,
        "date_updated": cred.date_updated,
        "url": f"{base_url}/v1/Credentials/{cred.sid}",
    }


def service_body(service: StoredService, base_url: str) -> dict[str, Any]:
    """A service as Twilio answers it (conversations.v1.service, in the order of the spec's examples)."""
    url = f"{base_url}/v1/Services/{service.sid}"
    return {
        "sid": service.sid,
        "account_sid": service.account_sid,
        "friendly_name": service.friendly_name,
        "date_created": service.date_created,
        "date_updated": service.date_updated,
        "url": url,
        "links": {name: f"{url}/{tail}" for name, tail in _SERVICE_LINKS.items()},
    }


def form_problem(form_pairs: list[tuple[str, str]], kinds: Mapping[str, Kind], strict: bool,
                 content_type: str, required: tuple[str, ...] = ()) -> Optional[tuple[int, str]]:
    """(Twilio error code, message) for a form Twilio would refuse, else None. Never echoes a value: any
    field may hold a secret (a PEM, an FCM key), pasted into the right field or, by mistake, another."""
    if form_pairs and content_type != "application/x-www-form-urlencoded":
        return 20001, f"Unsupported Content-Type {content_type!r}; use application/x-www-form-urlencoded"
    seen = set()
    for name, value in form_pairs:
        kind = kinds.get(name)
        if kind is None:
            if strict:
                return 20001, f"Invalid parameter: {name!r} is not a parameter of this resource (strict emulator)"
            continue  # ignored, as Twilio ignores parameters it does not know (its warning 20001)
        if name in seen:
            return 20001, f"Invalid parameter: {name!r} given more than once"
        seen.add(name)
        if kind == "bool" and value not in ("true", "false"):
            return 20001, f"Invalid parameter: {name} must be a boolean ('true' or 'false')"
        # The spec's own examples send "GcM" and "FcM" and get "gcm" back: the type is read in any case.
        if kind == "push_type" and value.lower() not in PUSH_TYPES:
            return 20001, f"Invalid parameter: {name} must be one of {', '.join(PUSH_TYPES)}"
    for name in required:
        if not dict(form_pairs).get(name):
            # Twilio's answer for a required field left out, word for word (status 400, code 20001), as
            # quoted in nash-md/twilio-contact-center#18 and twilio/twilio-chat-demo-android#147.
            return 20001, f"Missing required parameter {name} in the post body"
    return None


def name_problem(form_pairs: list[tuple[str, str]], resource: str) -> Optional[tuple[int, str]]:
    """(code, message) for a FriendlyName past the spec's limit for ``resource``, else None."""
    limit = FRIENDLY_NAME_LIMITS[resource]
    if len(dict(form_pairs).get("FriendlyName", "")) > limit:
        return 20001, f"Invalid parameter: FriendlyName is longer than {limit} characters"
    return None


def list_page(items: list[dict[str, Any]], key: str, url: str,
              query: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
    """(status, body) of a list answer: ``{key: [...], "meta": {...}}`` as the spec's List*Response.

    ``PageSize`` is 1 to 100 (default 50); ``Page`` is "simply for client state", so the position comes
    from ``PageToken`` alone: ``PA<n>`` is the page after the item of creation number n, ``PB<n>`` the
    page before it (opaque to clients, who follow ``next_page_url`` / ``previous_page_url``). ``items``
    carry their creation number under ``"_seq"``, in creation order."""
    try:
        size = int(query.get("PageSize", DEFAULT_PAGE_SIZE))
        page = int(query.get("Page", 0))
    except ValueError:
        return 400, _error(400, 20001, "Invalid parameter: PageSize and Page must be whole numbers")
    if not 1 <= size <= MAX_PAGE_SIZE or page < 0:
        return 400, _error(400, 20001, f"Invalid parameter: PageSize must be 1 to {MAX_PAGE_SIZE}, Page 0 or more")
    token = query.get("PageToken", "")
    match = re.fullmatch(r"P([AB])(\d+)", token)
    if token and not match:
        return 400, _error(400, 20001, "Invalid parameter: PageToken is not one this API gave")
    if match and match.group(1) == "B":
        before = [i for i in items if i["_seq"] < int(match.group(2))]
        chosen = before[-size:]
    else:
        after = int(match.group(2)) if match else -1
        chosen = [i for i in items if i["_seq"] > after][:size]
    more_after = bool(chosen) and any(i["_seq"] > chosen[-1]["_seq"] for i in items)
    more_before = bool(chosen) and any(i["_seq"] < chosen[0]["_seq"] for i in items)

    def page_url(number: int, page_token: Optional[str] = None) -> str:
        params: dict[str, Any] = {"PageSize": size, "Page": number}
        if page_token:
            params["PageToken"] = page_token
        return f"{url}?{urlencode(params)}"

    meta = {
        "page": page,
        "page_size": size,
        "first_page_url": page_url(0),
        "previous_page_url": page_url(max(page - 1, 0), f"PB{chosen[0]['_seq']}") if more_before else None,
        "url": page_url(page, token or None),
        "next_page_url": page_url(page + 1, f"PA{chosen[-1]['_seq']}") if more_after else None,
        "key": key,
    }
    return 200, {key: [{k: v for k, v in i.items() if k != "_seq"} for i in chosen], "meta": meta}


class EmulatorState:
    """Accounts, services, settings, faults and the request log; thread-safe."""

    def __init__(
        self,
        accounts: Optional[dict[str, str]] = None,
        api_keys: Optional[dict[str, tuple[str, str]]] = None,
        strict: bool = False,
        text_limit: int = MAX_TEXT_LENGTH,
    ) -> None:
        self.lock = threading.RLock()
        self.strict = strict
        """Reject unknown form fields (400) instead of ignoring them as Twilio does (its warning 20001:
        "not recognized and were ignored"). Tests switch it on to catch a misspelt field."""
        self.text_limit = text_limit
        """Longest template or sound accepted. Twilio publishes no number; this is the provider's own cap."""
        self.accounts: dict[str, str] = dict(accounts or {DEFAULT_ACCOUNT_SID: DEFAULT_AUTH_TOKEN})
        # api key sid -> (secret, account sid)
        self.api_keys: dict[str, tuple[str, str]] = dict(api_keys or {})
        self.services: dict[str, dict[str, Any]] = {}
        """Service SID -> its notification settings, raw (as Twilio stores them: texts may be null)."""
        self.owners: dict[str, str] = {}
        """Service SID -> the account that owns it."""
        self.service_records: dict[str, StoredService] = {}
        """Service SID -> its name and dates."""
        self.credentials: dict[str, StoredCredential] = {}
        """Credential SID -> the credential, secrets included."""
        self._seq = 0
        self.faults: list[Fault] = []
        self.requests: list[RecordedRequest] = []
        self.latency = 0.0
        """Seconds added to every API answer, to stand in for the network to Twilio (benchmarks)."""
        self.base_url = ""
        self.in_flight = 0
        """API requests being answered right now."""
        self.peak_in_flight = 0
        """The most API requests that were ever being answered at once."""
        self._flight = threading.Condition(threading.Lock())
        self._hold: Optional[int] = None
        self._hold_timeout = 0.0

    def hold(self, count: int, timeout: float) -> None:
        """Hold each API request until ``count`` are in flight together, then let them all go; the gate
        then stays open. If ``timeout`` seconds pass first, it opens anyway (``peak_in_flight`` tells)."""
        with self._flight:
            self._hold, self._hold_timeout = count, timeout

    @contextmanager
    def answering(self) -> Iterator[None]:
        """Count one API request as in flight while the block runs (and wait at the gate of ``hold``)."""
        with self._flight:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            if self._hold is not None and self.in_flight >= self._hold:
                self._hold = None
                self._flight.notify_all()
            elif self._hold is not None and not self._flight.wait_for(lambda: self._hold is None,
                                                                     self._hold_timeout):
                self._hold = None  # the gate did not fill: open it for everyone, the test fails fast
                self._flight.notify_all()
        try:
            yield
        finally:
            with self._flight:
                self.in_flight -= 1

    def next_seq(self) -> int:
        """The next creation number (lists are in creation order)."""
        with self.lock:
            self._seq += 1
            return self._seq

    def _owner(self, account_sid: Optional[str]) -> str:
        owner = account_sid or next(iter(self.accounts))
        if owner not in self.accounts:
            raise ValueError(f"unknown account {owner!r}")
        return owner

    def add_service(self, sid: str, account_sid: Optional[str] = None, friendly_name: Optional[str] = None) -> None:
        """A service, owned by ``account_sid`` (default: the first account), with Twilio's default
        notification settings; its friendly name defaults to its SID. An existing one keeps its settings."""
        if not re.fullmatch(SERVICE_SID_PATTERN, sid):
            raise ValueError(f"not a service SID: {sid!r}")
        with self.lock:
            owner = self._owner(account_sid)
            self.owners[sid] = owner
            self.services.setdefault(sid, default_settings_raw())
            record = self.service_records.get(sid)
            if record is None:
                self.service_records[sid] = StoredService(sid, owner, friendly_name or sid, seq=self.next_seq())
            else:
                record.account_sid, record.friendly_name = owner, friendly_name or record.friendly_name

    def remove_service(self, sid: str) -> None:
        """Delete a service and, as Twilio does, everything in it (its notification settings)."""
        with self.lock:
            self.services.pop(sid, None)
            self.owners.pop(sid, None)
            self.service_records.pop(sid, None)

    def add_credential(self, type: str, account_sid: Optional[str] = None, **fields: Any) -> str:
        """A push credential of ``type`` (apn, gcm or fcm), owned by ``account_sid`` (default: the first
        account); ``fields`` are StoredCredential's (friendly_name, sandbox, certificate, ...). Its SID."""
        if type not in PUSH_TYPES:
            raise ValueError(f"not a push credential type: {type!r} (one of {', '.join(PUSH_TYPES)})")
        with self.lock:
            sid = new_sid("CR")
            self.credentials[sid] = StoredCredential(sid, self._owner(account_sid), type, seq=self.next_seq(),
                                                     **fields)
            return sid

    def remove_credential(self, sid: str) -> None:
        with self.lock:
            self.credentials.pop(sid, None)

    def authenticate(self, header: Optional[str]) -> Optional[tuple[str, str]]:
        """(username, account sid) for a valid Basic header, else None."""
        if not header or not header.startswith("Basic "):
            return None
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        with self.lock:
            if self.accounts.get(user) == password:
                return user, user
            key = self.api_keys.get(user)
            if key and key[0] == password:
                return user, key[1]
        return None

    def take_fault(self, method: str, path: str) -> Optional[Fault]:
        """The first fault aimed at this request, counted as spent once more; None if there is none."""
        with self.lock:
            for fault in self.faults:
                if not fault.hits(method, path):
                    continue
                if fault.count == 0:
                    continue
                if fault.count > 0:
                    fault.count -= 1
                taken = copy.copy(fault)
                self.faults = [f for f in self.faults if f.count != 0]
                return taken
        return None


# --- services and credentials: one shape, one table ------------------------------------------------------
# Both are a collection (list, create) and items (fetch, delete, and for a credential update), owned by an
# account and listed in creation order; a _Resource says what differs.

class _Stored(Protocol):
    """What the generic handlers use of a StoredService or a StoredCredential."""

    sid: str
    account_sid: str
    seq: int
    date_updated: str


_R = TypeVar("_R", bound=_Stored)
_Form = list[tuple[str, str]]


@dataclass(frozen=True)
class _Resource(Generic[_R]):
    """One kind of record the API lists, creates, fetches, deletes and perhaps updates."""

    prefix: str
    """Its collection's path, ``/v1/Services``; an item is ``{prefix}/{sid}``."""
    name: str
    """Its key in FRIENDLY_NAME_LIMITS."""
    key: str
    """Its list answer's key (the spec's List*Response) and meta.key."""
    records: Callable[[EmulatorState], dict[str, _R]]
    body: Callable[[_R, str], dict[str, Any]]
    """The record as Twilio answers it, given the base URL."""
    kinds: Mapping[str, Kind]
    required: tuple[str, ...]
    """The form fields a create must have (an update needs none)."""
    create: Callable[[EmulatorState, str, _Form], _R]
    """Store a new record for the account from a valid form; the record."""
    update: Optional[Callable[[_R, _Form], None]]
    """Apply a valid form to a record; None where the spec has no update (no POST on an item)."""
    remove: Callable[[EmulatorState, str], None]


def _apply_credential_form(cred: StoredCredential, form_pairs: _Form) -> None:
    """Set the fields a valid create or update form gives, and only those."""
    for name, value in form_pairs:
        if name == "Type":
            cred.type = value.lower()
        elif name == "FriendlyName":
            cred.friendly_name = value or None  # an empty text clears, as in the settings
        elif name == "Sandbox":
            cred.sandbox = value == "true"
        elif name in CREDENTIAL_SECRETS:
            setattr(cred, CREDENTIAL_SECRETS[name], value)


def _create_credential(state: EmulatorState, account: str, form_pairs: _Form) -> StoredCredential:
    cred = state.credentials[state.add_credential(dict(form_pairs)["Type"].lower(), account)]
    _apply_credential_form(cred, form_pairs)
    return cred


def _create_service(state: EmulatorState, account: str, form_pairs: _Form) -> StoredService:
    sid = new_sid("IS")
    # With the default notification settings of any new service.
    state.add_service(sid, account, dict(form_pairs)["FriendlyName"])
    return state.service_records[sid]


_SERVICES = _Resource[StoredService](
    "/v1/Services", "service", "services", lambda state: state.service_records, service_body, _SERVICE_KINDS,
    required=("FriendlyName",), create=_create_service,
    # No update: the spec has none (paths["/v1/Services/{Sid}"] is delete and get).
    update=None,
    # "Remove a conversation service with all its nested resources" (the spec's DeleteService).
    remove=EmulatorState.remove_service)
_CREDENTIALS = _Resource[StoredCredential](
    "/v1/Credentials", "credential", "credentials", lambda state: state.credentials, credential_body,
    _CREDENTIAL_KINDS, required=("Type",), create=_create_credential, update=_apply_credential_form,
    remove=EmulatorState.remove_credential)


class _Route(NamedTuple):
    pattern: re.Pattern[str]
    methods: tuple[str, ...]
    """The methods the spec gives the path."""
    handler: str
    """``_Handler._on_<handler>``."""
    resource: Optional[_Resource[Any]] = None
    """For ``list`` and ``item``: which resource."""


def _resource_routes(resource: _Resource[Any]) -> tuple[_Route, _Route]:
    item_methods = ("GET", "POST", "DELETE") if resource.update else ("GET", "DELETE")
    return (_Route(re.compile(rf"^{resource.prefix}/?$"), ("GET", "POST"), "list", resource),
            _Route(re.compile(rf"^{resource.prefix}/([^/]+)/?$"), item_methods, "item", resource))


_ROUTES: tuple[_Route, ...] = (
    _Route(re.compile(r"^/v1/Configuration/?$"), ("GET", "POST"), "configuration"),
    *_resource_routes(_CREDENTIALS),
    *_resource_routes(_SERVICES),
    _Route(_PATH, ("GET", "POST"), "notifications"),
)


def _error(status: int, code: int, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _not_found(path: str) -> dict[str, Any]:
    """Twilio's 404 for a resource that does not exist or belongs to another account."""
    return _error(404, 20404, f"The requested resource {path} was not found")


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes; with Nagle on, the client's delayed ACK adds ~40 ms to
    # every keep-alive answer, which Twilio's real servers do not do.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read the request log
        pass

    # -- plumbing

    def _send(self, status: int, body: Any, headers: Optional[dict[str, str]] = None) -> None:
        """Answer ``body``: JSON, a raw string (a fault's), or None for no body at all (a 204, which
        carries neither a body nor a Content-Length: RFC 9110 sections 6.4.1 and 8.6)."""
        raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        if self._record is not None:  # before the answer: a client reading the log next must find it there
            self._record.status = status
        self.send_response(status)
        if body is not None:
            content_type = "application/json" if not isinstance(body, str) else "text/plain"
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(raw)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if body is not None:
            self.wfile.write(raw)

    def _hang_up(self) -> None:
        """Close the connection with a reset, without answering."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        self.close_connection = True
        self.connection.close()
        self.wfile = io.BytesIO()  # the handler flushes wfile afterwards; the socket is gone

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        self._record: Optional[RecordedRequest] = None
        state = self.server.state
        path = urlsplit(self.path).path
        body = self._read_body()
        if path.startswith("/_emulator"):
            self._admin(method, path, body)
            return
        with state.answering():
            self._answer(method, path, body)

    def _answer(self, method: str, path: str, body: bytes) -> None:
        state = self.server.state
        headers = {k: v for k, v in self.headers.items() if k.lower() != "authorization"}
        form_pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True) if body else []
        auth = state.authenticate(self.headers.get("Authorization"))
        self._record = RecordedRequest(method, path, dict(form_pairs), headers, auth[0] if auth else None,
                                       self.client_address[1], query=urlsplit(self.path).query)
        with state.lock:
            state.requests.append(self._record)
        if _DEAD_HOST.match(self.headers.get("Host") or ""):
            self._hang_up()
            return
        fault = state.take_fault(method, path)
        if fault is not None and not fault.after_processing and self._play(fault):
            return
        status, answer, extra = self._api(method, path, form_pairs, auth)
        if fault is not None and fault.after_processing and self._play(fault):
            return  # carried out, and the answer lost: what a client sees when a gateway or the network fails
        self._send(status, answer, extra)

    def _play(self, fault: Fault) -> bool:
        """Sleep the fault's delay, then answer as it says; False if it says nothing more (no status,
        body or reset), and the real answer is still to be sent."""
        if fault.delay:
            time.sleep(fault.delay)
        if fault.reset:
            self._hang_up()
            return True
        extra = dict(fault.headers or {})
        if fault.retry_after is not None:
            extra["Retry-After"] = str(fault.retry_after)
        if fault.body is not None:
            self._send(fault.status or 200, fault.body, extra)
            return True
        if fault.status is not None:
            code = 20429 if fault.status == 429 else 20500
            self._send(fault.status, _error(fault.status, code, "Injected fault"), extra)
            return True
        return False

    # -- Twilio's API

    def _api(self, method: str, path: str, form_pairs: list[tuple[str, str]],
             auth: Optional[tuple[str, str]]) -> tuple[int, Optional[dict[str, Any]], dict[str, str]]:
        """Carry the request out; its answer: (status, body or None for none, extra headers)."""
        state = self.server.state
        if state.latency:
            time.sleep(state.latency)
        if auth is None:
            return 401, _error(401, 20003, "Authenticate"), {"WWW-Authenticate": 'Basic realm="Twilio API"'}
        for route in _ROUTES:
            match = route.pattern.match(path)
            if match is None:
                continue
            if method not in route.methods:
                # Twilio's error 20004 "Method not allowed": "The resource you accessed is valid, but the
                # HTTP method you attempted to use is not supported for the resource"
                # (https://www.twilio.com/docs/api/errors/20004), with HTTP's own status for it.
                # A 405 names the methods the path has in Allow (RFC 9110 section 15.5.6).
                return (405, _error(405, 20004, f"Method not allowed: {method} {path}"),
                        {"Allow": ", ".join(route.methods)})
            handler = getattr(self, f"_on_{route.handler}")
            if route.resource is not None:
                handler = functools.partial(handler, route.resource)
            with state.lock:
                status, body = handler(method, match.group(1) if route.pattern.groups else "", form_pairs, auth[1])
            return status, body, {}
        return 404, _not_found(path), {}

    def _form_problem(self, form_pairs: list[tuple[str, str]], kinds: Mapping[str, Kind],
                      required: tuple[str, ...] = ()) -> Optional[tuple[int, str]]:
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        return form_problem(form_pairs, kinds, self.server.state.strict, content_type, required)

    def _query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))

    def _on_configuration(self, method: str, _sid: str, _form: list[tuple[str, str]], account: str) -> _Answer:
        """``GET /v1/Configuration``: the account-level configuration of the caller's account (spec schema
        conversations.v1.configuration), whose ``account_sid`` tells which account an API key acts for."""
        if method != "GET":
            # Twilio has this update (UpdateConfiguration); the emulator does not. Its own answer, not
            # Twilio's: 501 rather than a 404 or 405 that would say something false about Twilio.
            return 501, _error(501, 20500, "The emulator does not implement POST /v1/Configuration")
        url = f"{self.server.state.base_url}/v1/Configuration"
        return 200, {
            "account_sid": account,
            "default_chat_service_sid": None,
            "default_messaging_service_sid": None,
            "default_inactive_timer": None,
            "default_closed_timer": None,
            "url": url,
            "links": {"webhooks": f"{url}/Webhooks"},
        }

    def _on_notifications(self, method: str, sid: str, form_pairs: list[tuple[str, str]], account: str) -> _Answer:
        state = self.server.state
        if sid not in state.services or state.owners.get(sid) != account:
            return 404, _not_found(urlsplit(self.path).path)
        if method == "POST":
            problem = self._form_problem(form_pairs, _NOTIFICATION_KINDS)
            if problem is None:
                problem = next((_TOO_LONG[name.rsplit(".", 1)[-1]] for name, value in form_pairs
                                if name in _FORM_FIELDS and name.rsplit(".", 1)[-1] in _TOO_LONG
                                and len(value) > state.text_limit), None)
            if problem:
                return 400, _error(400, *problem)
            settings = state.services[sid]
            for name, value in form_pairs:
                wire = _FORM_FIELDS.get(name)
                if wire is None:
                    continue  # ignored, as Twilio ignores parameters it does not know
                if wire.kind is bool:
                    set_path(settings, wire.path, value == "true")
                else:
                    set_path(settings, wire.path, value if value != "" else None)
        return 200, self._representation(sid)

    def _representation(self, sid: str) -> dict[str, Any]:
        state = self.server.state
        body = copy.deepcopy(state.services[sid])
        body["account_sid"] = state.owners[sid]
        body["chat_service_sid"] = sid
        body["url"] = f"{state.base_url}/v1/Services/{sid}/Configuration/Notifications"
        order = ["account_sid", "chat_service_sid", "log_enabled", "added_to_conversation", "new_message",
                 "removed_from_conversation", "url"]
        return {k: body[k] for k in order}

    def _on_list(self, resource: _Resource[Any], method: str, _sid: str, form_pairs: list[tuple[str, str]],
                 account: str) -> _Answer:
        """``GET`` (list the account's records) or ``POST`` (create one) on a resource's collection."""
        state = self.server.state
        records = resource.records(state)
        if method == "GET":
            owned = [{**resource.body(r, state.base_url), "_seq": r.seq}
                     for r in sorted(records.values(), key=lambda r: r.seq) if r.account_sid == account]
            return list_page(owned, resource.key, state.base_url + resource.prefix, self._query())
        problem = self._resource_problem(resource, form_pairs, resource.required)
        if problem:
            return 400, _error(400, *problem)
        return 201, resource.body(resource.create(state, account, form_pairs), state.base_url)

    def _on_item(self, resource: _Resource[Any], method: str, sid: str, form_pairs: list[tuple[str, str]],
                 account: str) -> _Answer:
        """``GET``, ``DELETE`` or (where the resource has an update) ``POST`` on one record."""
        state = self.server.state
        record = resource.records(state).get(sid)
        if record is None or record.account_sid != account:
            return 404, _not_found(urlsplit(self.path).path)
        if method == "DELETE":
            resource.remove(state, sid)
            return 204, None
        if method == "POST" and resource.update is not None:  # the routes give POST only where there is one
            problem = self._resource_problem(resource, form_pairs, required=())
            if problem:
                return 400, _error(400, *problem)
            resource.update(record, form_pairs)
            record.date_updated = _now()
        return 200, resource.body(record, state.base_url)

    def _resource_problem(self, resource: _Resource[Any], form_pairs: list[tuple[str, str]],
                          required: tuple[str, ...]) -> Optional[tuple[int, str]]:
        return self._form_problem(form_pairs, resource.kinds, required) or name_problem(form_pairs, resource.name)

    # -- admin

    def _admin(self, method: str, path: str, raw: bytes) -> None:
        state = self.server.state
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            self._send(400, {"error": "body must be JSON"})
            return
        parts = path.strip("/").split("/")[1:]
        try:
            if parts == ["requests"] and method == "GET":
                with state.lock:
                    self._send(200, [asdict(r) for r in state.requests])
            elif parts == ["requests"] and method == "DELETE":
                with state.lock:
                    state.requests.clear()
                self._send(200, {})
            elif parts == ["services"] and method == "POST":
                state.add_service(data["sid"], data.get("account_sid"), data.get("friendly_name"))
                self._send(201, {"sid": data["sid"]})
            elif parts == ["credentials"] and method == "POST":
                sid = state.add_credential(**data)
                self._send(201, {"sid": sid})
            elif parts == ["credentials"] and method == "GET":
                with state.lock:
                    self._send(200, [asdict(c) for c in sorted(state.credentials.values(), key=lambda c: c.seq)])
            elif len(parts) == 2 and parts[0] == "credentials" and method == "GET":
                with state.lock:
                    cred = state.credentials.get(parts[1])
                    self._send(*((200, asdict(cred)) if cred else (404, {"error": "no such credential"})))
            elif len(parts) == 2 and parts[0] == "credentials" and method == "DELETE":
                state.remove_credential(parts[1])
                self._send(200, {})
            elif len(parts) == 2 and parts[0] == "services" and method == "GET":
                with state.lock:
                    if parts[1] not in state.services:
                        self._send(404, {"error": "no such service"})
                    else:
                        self._send(200, state.services[parts[1]])
            elif len(parts) == 2 and parts[0] == "services" and method == "DELETE":
                state.remove_service(parts[1])
                self._send(200, {})
            elif parts == ["faults"] and method == "POST":
                with state.lock:
                    state.faults.append(Fault.from_fields(data))
                self._send(201, {})
            elif parts == ["latency"] and method == "POST":
                with state.lock:
                    state.latency = float(data["seconds"])
                self._send(200, {})
            elif parts == ["faults"] and method == "DELETE":
                with state.lock:
                    state.faults.clear()
                self._send(200, {})
            else:
                self._send(404, {"error": f"no admin endpoint {method} {path}"})
        except (KeyError, TypeError, ValueError) as err:
            self._send(400, {"error": str(err)})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: EmulatorState
    # The listen backlog: connections the kernel completes before the accept loop takes them.
    # socketserver's default of 5 is far below what one deployment opens at once: the engine runs
    # 4 x CPUs resource operations in parallel (defaultParallel in pulumi/pulumi
    # pkg/cmd/pulumi/operations/up.go), or what --parallel / PULUMI_PARALLEL say, and each opens its own
    # connection. With 16 at once, the accept loop fell behind, Linux dropped the SYNs past the backlog
    # (TcpExt ListenOverflows rose) and each such client stalled a second until its SYN was resent.
    # SOMAXCONN asks for the most the system allows: listen(2) silently caps the value at
    # net.core.somaxconn (4096 since Linux 5.4, 128 before).
    request_queue_size = socket.SOMAXCONN

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (its timeout, a test's reset) is expected here, not an emulator bug.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class Emulator:
    """The emulator in a background thread, for tests and scripts.

    Example::

        with Emulator(services=["IS" + "0" * 32]) as emu:
            requests.get(emu.url + "/v1/Services/IS.../Configuration/Notifications", auth=emu.auth)
    """

    def __init__(
        self,
        port: int = 0,
        host: str = "127.0.0.1",
        accounts: Optional[dict[str, str]] = None,
        api_keys: Optional[dict[str, tuple[str, str]]] = None,
        services: Optional[list[str]] = None,
        tls: Optional[tuple[str, str]] = None,
        strict: bool = False,
    ) -> None:
        """``tls``: (certificate file, key file) to serve https instead of http. ``strict``: refuse
        unknown form fields (Twilio ignores them)."""
        self.state = EmulatorState(accounts, api_keys, strict=strict)
        self._server = _Server((host, port), _Handler)
        self._server.state = self.state
        scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://{host}:{self._server.server_address[1]}"
        self.state.base_url = self.url
        for sid in services or []:
            self.state.add_service(sid)
        self._thread: Optional[threading.Thread] = None

    @property
    def auth(self) -> tuple[str, str]:
        """The first account's (Account SID, Auth Token)."""
        sid = next(iter(self.state.accounts))
        return sid, self.state.accounts[sid]

    def start(self) -> Emulator:
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *_exc: Any) -> None:
        self.stop()

    def api_url(self, sid: str) -> str:
        """A service's settings URL on this emulator, as a client calls it."""
        return f"{self.url}/v1/Services/{sid}/Configuration/Notifications"

    def edit(self, sid: str, form: dict[str, str]) -> dict[str, Any]:
        """Change settings over HTTP, as someone with the console or a script would (first account)."""
        import requests

        response = requests.post(self.api_url(sid), data=form, auth=self.auth, timeout=5)
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    # Conveniences for tests: the state, without going through HTTP.
    def settings(self, sid: str) -> dict[str, Any]:
        with self.state.lock:
            return copy.deepcopy(self.state.services[sid])

    def credentials(self) -> list[StoredCredential]:
        """The stored credentials, secrets included (what Twilio received), in creation order."""
        with self.state.lock:
            return [copy.copy(c) for c in sorted(self.state.credentials.values(), key=lambda c: c.seq)]

    def service_records(self) -> list[StoredService]:
        """The stored services (name, owner, dates), in creation order."""
        with self.state.lock:
            return [copy.copy(r) for r in sorted(self.state.service_records.values(), key=lambda r: r.seq)]

    def api_requests(self) -> list[RecordedRequest]:
        with self.state.lock:
            return list(self.state.requests)

    def clear_requests(self) -> None:
        with self.state.lock:
            self.state.requests.clear()

    def inject(self, **fault: Any) -> None:
        """Add a fault for the next matching API requests; the keywords are ``Fault``'s fields."""
        with self.state.lock:
            self.state.faults.append(Fault.from_fields(fault))

    def hold(self, count: int, timeout: float = 60.0) -> None:
        """Hold API requests until ``count`` are in flight at once, then let them go together: a test
        proves that many were concurrent by ``peak_in_flight == count``. ``timeout`` only keeps a failing
        test from hanging; the callers' read timeout must be longer."""
        self.state.hold(count, timeout)

    @property
    def peak_in_flight(self) -> int:
        """The most API requests this emulator was ever answering at once."""
        return self.state.peak_in_flight


# --- the command line ------------------------------------------------------------------------------------
# Every mistake is one line naming the option, with exit status 2, as argparse reports its own errors.

_SID_HELP = "IS followed by 32 hex characters"
_ACCOUNT_HELP = "AC followed by 32 hex characters"


class _Parser(argparse.ArgumentParser):
    """argparse, but an error is one line (``prog: error: argument --x: ...``) without the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{show(text)} is not a port number (0 to 65535)") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0 to 65535; 0 picks a free one)")
    return port


def _latency(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        raise argparse.ArgumentTypeError(f"{show(text)} is not a number of seconds (0 or more)")
    return seconds


def _account_sid(text: str) -> str:
    if not re.fullmatch(ACCOUNT_SID_PATTERN, text):
        raise argparse.ArgumentTypeError(f"{show(text)} is not an Account SID ({_ACCOUNT_HELP})")
    return text


def _token(text: str) -> str:
    if not re.fullmatch(r"[!-~]+", text):
        raise argparse.ArgumentTypeError("the token must be printable ASCII without spaces, and not empty")
    return text


def _account(text: str) -> tuple[str, str]:
    """``AC...:TOKEN``; the token is not echoed back in an error."""
    sid, colon, token = text.partition(":")
    if not re.fullmatch(ACCOUNT_SID_PATTERN, sid):
        raise argparse.ArgumentTypeError(
            f"{show(sid)} is not an Account SID: write AC...:TOKEN, the SID being {_ACCOUNT_HELP}")
    if not colon or not re.fullmatch(r"[!-~]+", token):
        raise argparse.ArgumentTypeError(f"{sid} has no token: write {sid}:TOKEN (printable ASCII, no spaces)")
    return sid, token


def _service(text: str) -> tuple[str, Optional[str]]:
    """``IS...`` or ``IS...@AC...`` (the owning account)."""
    sid, at, owner = text.partition("@")
    if not re.fullmatch(SERVICE_SID_PATTERN, sid):
        raise argparse.ArgumentTypeError(
            f"{show(sid)} is not a Conversations Service SID: write {_SID_HELP}, such as "
            "IS00000000000000000000000000000000, optionally followed by @AC... for the account that owns it")
    if at and not re.fullmatch(ACCOUNT_SID_PATTERN, owner):
        raise argparse.ArgumentTypeError(f"the owner {show(owner)} of {sid} is not an Account SID ({_ACCOUNT_HELP})")
    return sid, owner or None


def build_parser(prog: Optional[str] = None) -> argparse.ArgumentParser:
    """The emulator's command line."""
    parser = _Parser(prog=prog, description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=_port, default=8787, help="port to listen on (default 8787; 0: a free one)")
    parser.add_argument("--account-sid", type=_account_sid, default=DEFAULT_ACCOUNT_SID,
                        help=f"the first account's SID (default {DEFAULT_ACCOUNT_SID})")
    parser.add_argument("--auth-token", type=_token, default=DEFAULT_AUTH_TOKEN,
                        help=f"the first account's token (default {DEFAULT_AUTH_TOKEN})")
    parser.add_argument("--account", type=_account, action="append", default=[], metavar="AC...:TOKEN",
                        help="another account (repeatable)")
    parser.add_argument("--service", type=_service, action="append", default=[], metavar="IS...[@AC...]",
                        help="create this service, owned by the first account or the one named (repeatable)")
    parser.add_argument("--latency", type=_latency, default=0.0, help="seconds added to every API answer")
    return parser


def _accounts(parser: argparse.ArgumentParser, args: argparse.Namespace) -> dict[str, str]:
    accounts = {args.account_sid: args.auth_token}
    for sid, token in args.account:
        if accounts.get(sid, token) != token:
            parser.error(f"argument --account: {sid} is given twice, with different tokens")
        accounts[sid] = token
    return accounts


def _services(parser: argparse.ArgumentParser, args: argparse.Namespace, accounts: dict[str, str]) -> dict[str, str]:
    """Service SID -> owner, every owner one of ``accounts``."""
    first = next(iter(accounts))
    services: dict[str, str] = {}
    for sid, owner in args.service:
        owner = owner or first
        if owner not in accounts:
            parser.error(f"argument --service: {sid}@{owner}: {owner} is not one of the emulator's accounts "
                         f"({', '.join(accounts)}); add it with --account {owner}:TOKEN")
        if services.get(sid, owner) != owner:
            parser.error(f"argument --service: {sid} is given twice, owned by {services[sid]} and {owner}")
        services[sid] = owner
    return services


def _listen_error(err: OSError, host: str, port: int) -> str:
    """One line for a socket that could not listen, naming the option to change."""
    if err.errno == errno.EADDRINUSE:
        return (f"argument --port: {port} is already in use on {host} (is another emulator still running?); "
                "stop that, or choose another port (--port 0 picks a free one)")
    if err.errno == errno.EACCES:
        return f"argument --port: not allowed to listen on port {port} (ports below 1024 need privileges)"
    return f"argument --host: cannot listen on {show(host)} port {port}: {err.strerror or err}"


def startup_line(url: str, accounts: dict[str, str], services: dict[str, str]) -> str:
    """What the emulator prints once it listens: where, and the accounts (with their emulator tokens,
    which a stack's config needs; they are the emulator's own, not Twilio's) and services it serves."""
    listed = ", ".join(f"{sid} (token {token})" for sid, token in accounts.items())
    owned = ", ".join(f"{sid} (account {owner})" for sid, owner in services.items())
    return (f"Twilio Conversations emulator on {url}; accounts: {listed}; services: "
            f"{owned or 'none (add with --service IS...[@AC...], or POST /_emulator/services)'}")


def main(argv: Optional[list[str]] = None, prog: Optional[str] = None) -> None:
    """Run the emulator until interrupted (``twilio-conversations-emulator --help``)."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    accounts = _accounts(parser, args)
    services = _services(parser, args, accounts)
    try:
        emulator = Emulator(args.port, args.host, accounts)
    except OSError as err:  # socket.gaierror for a host that does not resolve is one too
        parser.error(_listen_error(err, args.host, args.port))
    for sid, owner in services.items():
        emulator.state.add_service(sid, owner)
    emulator.state.latency = args.latency
    print(startup_line(emulator.url, accounts, services), flush=True)
    try:
        emulator._server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        emulator._server.server_close()


if __name__ == "__main__":
    main(prog="python -m pulumi_twilio_conversations.emulator")
