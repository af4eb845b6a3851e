"""HTTP client for Twilio's service notification configuration: auth, endpoint, retries, errors.

Example::

    client = TwilioClient(HttpSettings())
    credentials = Credentials("ACxxx", "token")
    live = client.fetch("IS0123...", credentials)           # Twilio's JSON body
    client.update("IS0123...", credentials, {"LogEnabled": "true"})

``requests`` is imported on the first call, not with this module: the provider process answers
preview's check and diff without paying for it.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import urlsplit

from ._version import __version__
from .endpoint import GLOBAL_BASE_URL
from .models import SERVICE_SID_PATTERN

if TYPE_CHECKING:
    import requests
    from urllib3.util.retry import Retry

USER_AGENT = f"pulumi-twilio-conversations/{__version__} (python)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
SID_RE = re.compile(SERVICE_SID_PATTERN)


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

    def worst_case_seconds(self) -> float:
        """Upper bound of one call's duration: every attempt times out and waits the longest."""
        attempts = self.max_retries + 1
        longest_wait = max(self.backoff_max, self.retry_after_max) + self.backoff_jitter
        return attempts * (self.connect_timeout + self.read_timeout) + (attempts - 1) * longest_wait


class TwilioError(Exception):
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
    ) -> None:
        self.operation = operation
        self.service_sid = service_sid
        self.status = status
        self.code = code
        self.twilio_message = message
        self.more_info = more_info
        where = f"{operation} notification settings of service {service_sid}" if service_sid else operation
        what = f"HTTP {status}" if status is not None else "no response"
        if code is not None:
            what += f", Twilio error {code}"
        text = f"Twilio: could not {where}: {what}: {message}"
        if more_info:
            text += f" (see {more_info})"
        if hint:
            text += f". {hint}"
        super().__init__(text)

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
    """Calls GET/POST /v1/Services/{sid}/Configuration/Notifications with retries.

    One ``requests.Session`` per client, created on first use and shared by all threads: the
    engine calls the provider from several threads at once (``pulumi up --parallel``).
    """

    def __init__(self, settings: HttpSettings) -> None:
        self.settings = settings
        self._session: Optional[requests.Session] = None
        self._lock = threading.Lock()
        self.sessions_created = 0

    def _retry(self) -> Retry:
        from urllib3.util.retry import Retry

        s = self.settings
        return Retry(
            total=s.max_retries,
            connect=s.max_retries,
            read=s.max_retries,
            status=s.max_retries,
            other=0,
            redirect=0,
            # Both calls are idempotent (a POST sets absolute values), and Twilio states that a
            # 429 was not processed: retrying POST is safe.
            allowed_methods=None,
            status_forcelist=RETRY_STATUSES,
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
        from requests.adapters import HTTPAdapter

        with self._lock:
            if self._session is None:
                session = requests.Session()
                session.trust_env = False  # no .netrc credentials or proxies picked up behind our back
                session.cookies.set_policy(_RejectAll())
                adapter = HTTPAdapter(max_retries=self._retry(), pool_maxsize=16)
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

    def _call(
        self,
        method: str,
        operation: str,
        service_sid: str,
        credentials: Credentials,
        form: Optional[dict[str, str]],
        path: Optional[str] = None,
    ) -> dict[str, Any]:
        """One call with retries; ``path`` (under the base URL) instead of the service's settings."""
        import requests

        if path is None and (not isinstance(service_sid, str) or not SID_RE.fullmatch(service_sid)):
            # An id from `get` or a hand-edited state goes into the URL path: never send anything else.
            raise TwilioError(operation, repr(service_sid)[:40], None, None,
                              "not a Conversations Service SID ('IS' + 32 hex characters); nothing was sent")
        try:
            response = self.session.request(
                method,
                self.url(service_sid) if path is None else self.settings.base_url + path,
                data=form,
                auth=(credentials.username, credentials.password),
                timeout=(self.settings.connect_timeout, self.settings.read_timeout),
                allow_redirects=False,
                verify=True,
            )
        except requests.RequestException as err:
            reason = _transport_reason(err)
            raise TwilioError(
                operation, service_sid, None, None,
                f"{reason} after {self.settings.max_retries} retries ({urlsplit(self.settings.base_url).netloc})",
            ) from None
        return _parse(response, operation, service_sid, credentials.hint)


def _transport_reason(err: requests.RequestException) -> str:
    import requests

    if isinstance(err, requests.exceptions.SSLError):
        return "TLS handshake failed (is the server's certificate trusted and issued for this host?)"
    if isinstance(err, requests.Timeout):
        return "timed out"
    if isinstance(err, requests.ConnectionError):
        return "connection failed"
    return type(err).__name__


def _parse(response: requests.Response, operation: str, service_sid: str, hint: str) -> dict[str, Any]:
    try:
        body = response.json()
    except (ValueError, json.JSONDecodeError):
        body = None
    if 200 <= response.status_code < 300:
        if not isinstance(body, dict):
            raise TwilioError(
                operation, service_sid, response.status_code, None,
                f"the response was not a JSON object (Content-Type {response.headers.get('Content-Type')!r})",
            )
        return body
    code = body.get("code") if isinstance(body, dict) else None
    message = body.get("message") if isinstance(body, dict) else None
    more_info = body.get("more_info") if isinstance(body, dict) else None
    if not isinstance(message, str) or not message:
        message = response.reason or "error"
    if response.is_redirect:
        message = f"redirected to {response.headers.get('Location')!r}; redirects are not followed"
    advice = ""
    if response.status_code == 401 or code == 20003:
        advice = f"Check the credentials: {hint}" if hint else "Check the credentials"
    elif response.status_code == 404 or code == 20404:
        advice = "Check that the service SID exists in this account"
    elif response.status_code == 429 or response.status_code >= 500:
        advice = "Twilio kept failing after all retries; try again later"
    raise TwilioError(
        operation, service_sid, response.status_code,
        code if isinstance(code, int) else None, message,
        more_info if isinstance(more_info, str) else None, advice,
    )
