"""HTTP client for Twilio's Conversations API: auth, endpoint, retries, errors.

Example::

    client = TwilioClient(HttpSettings())
    credentials = Credentials("ACxxx", "token")
    live = client.fetch("IS0123...", credentials)           # a service's notification settings
    client.update("IS0123...", credentials, {"LogEnabled": "true"})
    made = client.request("POST", "/v1/Credentials", credentials, {"Type": "fcm", "Secret": key},
                          operation="create", subject="push credential", creates=True)

``requests`` is imported on the first call, not with this module: the provider process answers
preview's check and diff without paying for it.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import urlsplit

from .._version import __version__
from .endpoint import GLOBAL_BASE_URL
from .messages import UserError

if TYPE_CHECKING:
    import requests

    from .transport import Answer, TwilioRetry

USER_AGENT = f"pulumi-twilio-conversations/{__version__} (python)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
CREATE_RETRY_STATUSES = frozenset({429})
"""What a create is retried on (``TwilioClient._new_retry``): a 5xx may come after the resource was made."""
MAX_JSON_DEPTH = 32
"""Twilio's answer nests 4 levels; anything far deeper is refused before it reaches the models."""


@dataclass(frozen=True)
class Credentials:
    """HTTP Basic credentials: an Account SID and Auth Token, or an API key SID and secret."""

    username: str
    password: str = field(repr=False)
    hint: str = ""
    """Where these came from, in words a user can act on (config keys, environment variables)."""

    def __repr__(self) -> str:  # never show the secret, whatever dataclass does
        return f"Credentials(username={self.username!r}, password='***')"


@dataclass(frozen=True)
class HttpSettings:
    """Endpoint, timeouts and retry policy. The defaults are the production policy."""

    base_url: str = GLOBAL_BASE_URL
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_retries: int = 5
    backoff_factor: float = 0.5
    backoff_max: float = 16.0
    backoff_jitter: float = 0.5
    retry_after_max: int = 30
    call_deadline: Optional[float] = None
    """Wall-clock limit of one call, all attempts and waits included; None: ``worst_case_seconds()``."""
    max_body_bytes: int = 1 << 20
    """Largest answer body read, counted after decompression."""

    def worst_case_seconds(self) -> float:
        """One call's duration if every attempt times out and waits the longest: the default deadline."""
        attempts = self.max_retries + 1
        longest_wait = max(self.backoff_max, self.retry_after_max) + self.backoff_jitter
        return attempts * (self.connect_timeout + self.read_timeout) + (attempts - 1) * longest_wait

    def deadline_seconds(self) -> float:
        """The deadline of one call: no call lasts longer, whatever the server does after connecting."""
        return self.call_deadline if self.call_deadline is not None else self.worst_case_seconds()


class TwilioError(UserError):
    """A failed call to Twilio: HTTP status, Twilio's error code, message and more_info link.

    ``status`` is None when Twilio could not be reached at all.
    """

    def __init__(
        self,
        operation: str,
        service_sid: str,
        status: Optional[int],
        code: Optional[int],
        message: str,
        more_info: Optional[str] = None,
        hint: str = "",
        subject: Optional[str] = None,
        sent: bool = True,
    ) -> None:
        self.operation = operation
        self.sent = sent
        """Whether the request may have been processed (``transport.CallFailed.sent``): False only for a
        connection never made, or a 429."""
        self.service_sid = service_sid
        """The SID the call was about (a service, a credential), or "" for a create."""
        self.status = status
        self.code = code
        self.twilio_message = message
        self.more_info = more_info
        if subject is None:  # the notification settings: the first resource, the default wording
            subject = f"notification settings of service {service_sid}" if service_sid else ""
        self.subject = subject
        """What the call was about, in words: ``notification settings of service IS...``, ``credential CR...``."""
        where = f"{operation} {subject}" if subject else operation
        what = f"HTTP {status}" if status is not None else "no response"
        if code is not None:
            what += f", Twilio error {code}"
        text = f"Twilio: could not {where}: {what}: {message}"
        if more_info:
            text += f" (see {more_info})"
        if hint:
            text += f". {hint}"
        super().__init__(text)

    def with_hint(self, hint: str) -> TwilioError:
        """The same failure with another hint (what it means and what to do)."""
        return TwilioError(self.operation, self.service_sid, self.status, self.code, self.twilio_message,
                           self.more_info, hint, self.subject, self.sent)

    @property
    def not_found(self) -> bool:
        """Twilio's own "not found" (HTTP 404 with error 20404). A bare 404 (a proxy's page, a wrong
        base URL) is not one: it says nothing about the service."""
        return self.status == 404 and self.code == 20404


class _RejectAll(DefaultCookiePolicy):
    """Cookies would be shared by every account using the session; Twilio's API needs none."""

    def set_ok(self, cookie: Any, request: Any) -> bool:
        return False


class TwilioClient:
    """Calls Twilio's Conversations API with retries: ``fetch`` and ``update`` for a service's notification
    settings, ``request`` for any other resource (Services, Credentials).

    One ``requests.Session`` per client, created on first use and shared by all threads: the
    engine calls the provider from several threads at once (``pulumi up --parallel``).
    """

    def __init__(self, settings: HttpSettings) -> None:
        self.settings = settings
        self._session: Optional[requests.Session] = None
        self._lock = threading.Lock()
        self._policies: dict[bool, TwilioRetry] = {}
        self.sessions_created = 0

    def _retry(self, creates: bool = False) -> TwilioRetry:
        """The policy of one call, driven by ``transport.exchange`` across its attempts. Built once:
        a ``Retry`` is never changed, ``increment`` returns a new one."""
        policy = self._policies.get(creates)
        if policy is None:
            policy = self._policies[creates] = self._new_retry(creates)
        return policy

    def _new_retry(self, creates: bool = False) -> TwilioRetry:
        """Every call but a create is idempotent: a GET, a POST that sets absolute values, a DELETE (a
        second one finds nothing, which the 404 rules handle). A create (``POST /v1/Credentials``, ``POST
        /v1/Services``) makes a new resource each time it is processed, so once its request may have been
        sent it is retried only on a 429, which Twilio's docs say was not processed ("Twilio is
        rejecting your request", https://www.twilio.com/docs/usage/rest-api-best-practices#rate-limits):
        a connection never made is retried; a read error (``read=False``) or a 5xx is not."""
        from .transport import TwilioRetry

        s = self.settings
        return TwilioRetry(
            total=s.max_retries,
            connect=s.max_retries,
            read=False if creates else s.max_retries,
            status=s.max_retries,
            other=0,
            redirect=0,
            allowed_methods=None,
            status_forcelist=CREATE_RETRY_STATUSES if creates else RETRY_STATUSES,
            backoff_factor=s.backoff_factor,
            backoff_max=s.backoff_max,
            backoff_jitter=s.backoff_jitter,
            respect_retry_after_header=True,
            retry_after_max=s.retry_after_max,
            raise_on_status=False,
            raise_on_redirect=False,
        )

    @property
    def session(self) -> requests.Session:
        import requests

        from .transport import SINGLE_ATTEMPT, GuardedAdapter

        with self._lock:
            if self._session is None:
                session = requests.Session()
                session.trust_env = False  # no .netrc credentials or proxies picked up behind our back
                session.cookies.set_policy(_RejectAll())
                # Single attempts: transport.exchange retries, so that a broken body and the deadline count too.
                adapter = GuardedAdapter(max_retries=SINGLE_ATTEMPT, pool_maxsize=16)
                session.mount("https://", adapter)
                session.mount("http://", adapter)
                session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
                self._session = session
                self.sessions_created += 1
            return self._session

    def url(self, service_sid: str) -> str:
        return f"{self.settings.base_url}/v1/Services/{service_sid}/Configuration/Notifications"

    def caller_account(self, credentials: Credentials) -> str:
        """The Account SID the credentials act for: the username itself, or for an API key the
        ``account_sid`` of ``GET /v1/Configuration`` (the caller's account-level configuration)."""
        if credentials.username.startswith("AC"):
            return credentials.username
        operation = "identify the account of the API key (GET /v1/Configuration)"
        body = self._call("GET", operation, "", credentials, None, path="/v1/Configuration")
        account = body.get("account_sid")
        if not isinstance(account, str) or not re.fullmatch(r"AC[0-9a-fA-F]{32}", account):
            raise TwilioError(operation, "", 200, None, "the answer has no valid account_sid")
        return account

    def fetch(self, service_sid: str, credentials: Credentials) -> dict[str, Any]:
        """GET the service's notification settings (Twilio's JSON)."""
        return self._call("GET", "read", service_sid, credentials, None)

    def update(
        self, service_sid: str, credentials: Credentials, form: dict[str, str], operation: str = "update"
    ) -> dict[str, Any]:
        """POST form fields; returns the settings Twilio holds afterwards.

        ``operation`` (create, update, reset) only words the error message.
        """
        return self._call("POST", operation, service_sid, credentials, form)

    def request(
        self,
        method: str,
        path: str,
        credentials: Credentials,
        form: Optional[dict[str, str]] = None,
        *,
        operation: str,
        subject: str,
        sid: str = "",
        creates: bool = False,
        secrets: Iterable[str] = (),
    ) -> dict[str, Any]:
        """One call of ``method`` on ``path`` (under the base URL; a SID in it checked with ``checked_sid``
        first), with retries; Twilio's JSON object, ``{}`` for a 204 (a delete).

        ``operation`` and ``subject`` word the error (``could not delete credential CR...``); ``sid`` is the
        one the call is about; ``creates``: the call makes a new resource, so it is not retried once its
        request may have been processed (``_new_retry``), and a failure says what to look for. ``secrets``:
        values besides the credentials that no error may quote (a push credential's keys, which the form
        carries and a proxy may echo back); every text taken from the answer is scrubbed of them.
        """
        try:
            return self._call(method, operation, sid, credentials, form, path=path, subject=subject, creates=creates,
                              secrets=tuple(secrets))
        except TwilioError as err:
            answered_ok = err.status is not None and 200 <= err.status < 300  # made, but the answer is unreadable
            if creates and err.sent and (err.status is None or err.status >= 500 or answered_ok):
                raise err.with_hint(may_exist(err.subject)) from None
            raise

    def _call(
        self,
        method: str,
        operation: str,
        service_sid: str,
        credentials: Credentials,
        form: Optional[dict[str, str]],
        path: Optional[str] = None,
        subject: Optional[str] = None,
        creates: bool = False,
        secrets: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        """One call with retries; ``path`` (under the base URL) instead of the service's settings; ``secrets``
        scrubbed from the error's texts as the credentials are."""
        from .scrub import credential_secrets
        from .transport import Call, CallFailed, exchange

        if path is None:
            checked_sid(service_sid, "IS", "Conversations Service", operation, subject=None)
        secrets = (*credential_secrets(credentials.username, credentials.password), *secrets)
        url = self.url(service_sid) if path is None else self.settings.base_url + path
        call = Call(method, url, form, (credentials.username, credentials.password))
        try:
            answer = exchange(self.session, self._retry(creates), call, self.settings)
        except CallFailed as failed:
            raise TwilioError(operation, service_sid, failed.status, None,
                              failed.describe(host_port(self.settings.base_url)), subject=subject,
                              sent=failed.sent) from None
        return _parse(answer, operation, service_sid, credentials.hint, secrets, subject)


def may_exist(subject: str) -> str:
    """The hint of a create that may have been processed though it failed: what to do before running again."""
    return (f"{subject[:1].upper()}{subject[1:]} may have been created all the same: a create is not retried once "
            "its request was sent, so that a retry never makes a second one. Before running again, look for it in "
            "the console (or with the Twilio CLI) and delete it, or adopt it (`pulumi import` on the native plugin, "
            "adopt_sid for a Service on the dynamic resource)")


def checked_sid(sid: Any, prefix: str, what: str, operation: str, subject: Optional[str] = "") -> str:
    """``sid`` when it is a SID of ``prefix`` + 32 hex characters; else a TwilioError, before anything is
    sent: an id from ``get``, an import or a hand-edited state goes into a URL path, and nothing else may.
    ``subject`` words the error as TwilioError does ("" : ``what`` and the value; None: the settings')."""
    if not isinstance(sid, str) or not re.fullmatch(rf"{prefix}[0-9a-fA-F]{{32}}", sid):
        shown = repr(sid)[:40]
        raise TwilioError(operation, shown, None, None,
                          f"not a {what} SID ('{prefix}' + 32 hex characters); nothing was sent",
                          subject=f"{what[:1].lower()}{what[1:]} {shown}" if subject == "" else subject, sent=False)
    return sid



def host_port(url: str) -> str:
    """``host:port`` of a base URL, the scheme's default port written out: what a connection went to."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    return f"{host}:{parts.port or (443 if parts.scheme == 'https' else 80)}"


def _json_depth(value: Any) -> int:
    """How deeply lists and objects nest in a parsed JSON value (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _load_json(body: bytes) -> tuple[Any, str]:
    """(the parsed body, "") or (None, why not): not JSON, or nested deeper than MAX_JSON_DEPTH."""
    too_deep = f"the response's JSON is nested more than {MAX_JSON_DEPTH} levels deep"
    try:
        value = json.loads(body)
    except RecursionError:  # the parser's own limit, far above ours
        return None, too_deep
    except ValueError:  # includes JSONDecodeError and UnicodeDecodeError
        return None, "not JSON"
    if _json_depth(value) > MAX_JSON_DEPTH:
        return None, too_deep
    return value, ""


def _parse(
    answer: Answer, operation: str, service_sid: str, hint: str, secrets: tuple[str, ...] = (),
    subject: Optional[str] = None,
) -> dict[str, Any]:
    """Twilio's JSON object from a final answer, or a TwilioError naming what went wrong.

    Every text taken from the answer is scrubbed of ``secrets``, escaped and cut short.
    """
    from .scrub import server_text
    from .transport import summarize

    def quoted(value: Optional[str]) -> str:
        return repr(server_text(value, secrets)) if value is not None else "None"

    status = answer.status
    body, problem = _load_json(answer.body)
    if status == 204:  # a delete's "No Content" (the spec's DeleteCredential, DeleteService)
        return {}
    if 200 <= status < 300:
        if problem and problem != "not JSON":
            raise TwilioError(operation, service_sid, status, None, problem, subject=subject)
        if not isinstance(body, dict):
            raise TwilioError(
                operation, service_sid, status, None,
                f"the response was not a JSON object (Content-Type {quoted(answer.headers.get('Content-Type'))})",
                subject=subject,
            )
        return body
    code = body.get("code") if isinstance(body, dict) else None
    message = body.get("message") if isinstance(body, dict) else None
    more_info = body.get("more_info") if isinstance(body, dict) else None
    if not isinstance(message, str) or not message:
        message = answer.reason or "error"
    if status in (301, 302, 303, 307, 308) and "Location" in answer.headers:
        message = f"redirected to {quoted(answer.headers.get('Location'))}; redirects are not followed"
    else:
        message = server_text(message, secrets)
    advice = ""
    if status == 401 or code == 20003:
        advice = f"Check the credentials: {hint}" if hint else "Check the credentials"
    elif status == 404 or code == 20404:
        advice = ("Check that the service SID exists in this account" if subject is None
                  else "Check that the SID exists in this account")
    attempts = summarize(answer.outcomes)
    if answer.stop:  # a retryable status, and no further attempt
        advice = f"{attempts}; {answer.stop}; try again later"
    elif len(answer.outcomes) > 1:
        advice = f"{advice} ({attempts})" if advice else attempts
    raise TwilioError(
        operation, service_sid, status,
        code if isinstance(code, int) and not isinstance(code, bool) else None, message,
        server_text(more_info, secrets) if isinstance(more_info, str) else None, advice, subject,
    )
