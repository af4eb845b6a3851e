"""The push ``Credential`` resource, declared: inputs, rules, wire mapping, refresh, and its calls.

Everything here but the declaration at the end (``CREDENTIAL``) is pure; the calls to Twilio are the
generic ones of ``rest.py``, made from the ``Collection`` below.

Twilio's API (its OpenAPI spec, ``twilio_conversations_v1.json``): ``POST /v1/Credentials`` creates,
``GET``/``POST``/``DELETE /v1/Credentials/{Sid}`` fetch, update and delete; the answer is the
``conversations.v1.credential`` schema. Which fields each type takes, from the spec's
``CreateCredentialRequest`` and Twilio's page https://www.twilio.com/docs/conversations/api/credential-resource:

- ``apn``: ``certificate`` and ``private_key`` ("[APN only] The URL encoded representation of the
  certificate" / "of the private key", PEM text; the provider form-encodes it) and ``sandbox``.
- ``fcm``: ``secret`` ("[FCM only] The Server key of your project from the Firebase console").
- ``gcm``: ``api_key`` ("[GCM only] The API key for the project that was obtained from the Google
  Developer console"). Not ``secret``: the spec gives each of the two to one type only.

A change of ``type`` is a replace (``REPLACE_FIELDS``): the spec's update takes ``Type``, but a credential
of another type needs other secrets, so it is another credential.

**Secrets, and what a refresh can see.** ``certificate``, ``private_key``, ``api_key`` and ``secret`` are
secrets (``SECRET_FIELDS``). Twilio never returns them: the ``conversations.v1.credential`` schema holds
sid, account_sid, friendly_name, type, sandbox, date_created, date_updated and url only. So:

- the state keeps each secret as it was last sent (``with_secrets``), and ``changed`` compares the new
  inputs with those: a secret changed in the program is an update;
- a refresh (``read_inputs``) takes ``friendly_name``, ``type`` and, for ``apn``, ``sandbox`` from Twilio and
  keeps the previous inputs' secrets. A certificate or key replaced outside Pulumi (in the console) is
  drift that cannot be seen: the next ``pulumi up`` sends the program's value only if the program changes it;
- no Problem, repr, str or exception text ever holds a secret's value, or a piece of one: the PEM checks
  say what is wrong (a missing BEGIN line, a swapped key) and give at most a count of characters.

Example::

    >>> inputs, problems = validate({"type": "fcm", "secret": "AAAA-server-key"})
    >>> problems, to_form(inputs)
    ([], {'Type': 'fcm', 'Secret': 'AAAA-server-key'})
    >>> [(p.field, p.reason.split(":")[0]) for p in validate({"type": "apn"})[1]]
    [('certificate', "is required for type 'apn'"), ('private_key', "is required for type 'apn'")]
"""

from __future__ import annotations

import base64
import binascii
import difflib
import inspect
import re
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, ClassVar, Optional

from pydantic import AfterValidator, StrictBool, StrictStr

from .messages import Problem, show
from .models import In, _is_deferred, _OrDeferred, _ResourceInputs, fields_of, name_check
from .rest import Collection, outputs_of, resource_type
from .scrub import server_text
from .validation import flat_problems
from .wire import MalformedResponse, WireField, changed_paths, flat_outputs

TYPES: tuple[str, ...] = ("apn", "fcm", "gcm")
"""Twilio's ``credential_enum_push_type``."""

FIELDS: tuple[WireField, ...] = (
    WireField("type", "Type", str),
    WireField("friendly_name", "FriendlyName", str),
    WireField("certificate", "Certificate", str),
    WireField("private_key", "PrivateKey", str),
    WireField("sandbox", "Sandbox", bool),
    WireField("api_key", "ApiKey", str),
    WireField("secret", "Secret", str),
)
"""The inputs, in order, with their form fields in Twilio's Create/UpdateCredentialRequest."""

SECRET_FIELDS: frozenset[str] = frozenset({"certificate", "private_key", "api_key", "secret"})
REPLACE_FIELDS: frozenset[str] = frozenset({"type"})
UPDATE_FIELDS: tuple[str, ...] = tuple(f.path for f in FIELDS if f.path not in REPLACE_FIELDS)
"""What an update sends (``to_form(only=...)``): every field of UpdateCredentialRequest but ``Type``."""
OUTPUT_FIELDS: tuple[str, ...] = (
    "sid", "account_sid", "friendly_name", "type", "sandbox", "date_created", "date_updated", "url",
)
"""What Twilio answers (``conversations.v1.credential``), as ``from_api`` returns it."""

NEEDS: dict[str, tuple[str, ...]] = {"apn": ("certificate", "private_key"), "fcm": ("secret",), "gcm": ("api_key",)}
"""The fields each type cannot do without."""
ALLOWS: dict[str, tuple[str, ...]] = {"apn": ("certificate", "private_key", "sandbox"), "fcm": ("secret",),
                                      "gcm": ("api_key",)}
"""The type-specific fields each type takes ("[APN only]", "[FCM only]", "[GCM only]" in the spec)."""
_OWNER = {name: kind for kind, names in ALLOWS.items() for name in names}
_WHAT = {
    "certificate": "the APNs certificate, as PEM text (from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----)",
    "private_key": "the certificate's private key, as PEM text (-----BEGIN PRIVATE KEY----- or "
                   "-----BEGIN RSA PRIVATE KEY-----)",
    "secret": "the server key of the Firebase project (Firebase console, Settings > Cloud messaging)",
    "api_key": "the API key of the project, from the Google Developer console",
}

MAX_NAME_LENGTH = 64
"""Twilio's limit for a credential's FriendlyName ("It can be up to 64 characters long")."""
MAX_SECRET_LENGTH = 65536
"""Far past any certificate, key or server key (a few thousand characters): longer is the wrong file."""


def _check_type(value: str) -> str:
    if value in TYPES:
        return value
    if value.lower() in TYPES:
        raise ValueError(f"must be one of 'apn', 'fcm', 'gcm', in lower case: write {value.lower()!r}")
    close = difflib.get_close_matches(value[:20].lower(), TYPES, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ValueError(f"must be one of 'apn' (Apple), 'fcm' (Firebase) or 'gcm' (Google), got {show(value)}: {hint}"
                     "it names the push service the credential is for")


_check_name = name_check(MAX_NAME_LENGTH)


PushType = Annotated[StrictStr, AfterValidator(_check_type)]
CredentialName = Annotated[StrictStr, AfterValidator(_check_name)]


class Inputs(_ResourceInputs):
    """The inputs of a push ``Credential``: the type and the secrets its push service needs.

    Example: ``Inputs(type="apn", certificate=cert_pem, private_key=key_pem, sandbox=True)``
    """

    RESOURCE: ClassVar[str] = "Credential"
    SECRET: ClassVar[frozenset[str]] = SECRET_FIELDS

    type: Annotated[Optional[In[str]], _OrDeferred(Optional[PushType])] = None
    """The push service: ``apn`` (Apple), ``fcm`` (Firebase) or ``gcm`` (Google). Required; a change replaces."""
    friendly_name: Annotated[Optional[In[str]], _OrDeferred(Optional[CredentialName])] = None
    """A name for the credential, up to 64 characters."""
    certificate: Annotated[Optional[In[str]], _OrDeferred(Optional[StrictStr])] = None
    """apn: the APNs certificate as PEM text (``-----BEGIN CERTIFICATE-----`` ...). Secret."""
    private_key: Annotated[Optional[In[str]], _OrDeferred(Optional[StrictStr])] = None
    """apn: the certificate's private key as PEM text (``-----BEGIN (RSA )PRIVATE KEY-----`` ...). Secret."""
    sandbox: Annotated[Optional[In[bool]], _OrDeferred(Optional[StrictBool])] = None
    """apn: send to the APNs sandbox (true) or to production (false, the default)."""
    api_key: Annotated[Optional[In[str]], _OrDeferred(Optional[StrictStr])] = None
    """gcm: the project's API key from the Google Developer console. Secret."""
    secret: Annotated[Optional[In[str]], _OrDeferred(Optional[StrictStr])] = None
    """fcm: the server key of the Firebase project. Secret."""

    def _rules(self) -> list[Problem]:
        return rules(fields_of(self))


# --- the rules ------------------------------------------------------------------------------------------

def _is_set(value: Any) -> bool:
    """Given a value: None, "" and False are what an omitted field reads as (a refresh writes them)."""
    return _is_deferred(value) or value not in (None, "", False)


def rules(values: Mapping[str, Any], require: bool = True, invalid: Iterable[str] = ()) -> list[Problem]:
    """The rules across fields, on values that passed the field checks (deferred ones count as given,
    their shape is checked once known). ``invalid``: fields given but failing their own check, left out
    here (their problem is already said). ``require=False`` skips "is required" (a read or an import,
    whose secrets Twilio never returns)."""
    problems: list[Problem] = []
    invalid = frozenset(invalid)
    kind = values.get("type")
    if require and not _is_set(kind) and "type" not in invalid:
        problems.append(Problem("type", "is required: 'apn' (Apple), 'fcm' (Firebase) or 'gcm' (Google)"))
    known_kind = kind if isinstance(kind, str) and kind in TYPES else None
    for f in FIELDS:
        name = f.path
        value = values.get(name)
        if name in invalid:
            continue
        if known_kind is not None and name in _OWNER and _is_set(value) and name not in ALLOWS[known_kind]:
            problems.append(Problem(name, _not_for(name, known_kind)))
            continue
        if known_kind is not None and require and name in NEEDS[known_kind] and not _is_set(value):
            problems.append(Problem(name, f"is required for type '{known_kind}': {_WHAT[name]}"))
            continue
        if name in SECRET_FIELDS and isinstance(value, str) and value:
            reason = secret_problem(name, value)
            if reason:
                problems.append(Problem(name, reason))
    return problems


def _not_for(name: str, kind: str) -> str:
    owner = _OWNER[name]
    uses = " and ".join(NEEDS[kind])
    return (f"is for type '{owner}', not '{kind}' (type '{kind}' takes {uses}): "
            f"remove {name}, or set type='{owner}'")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
"""Characters no PEM or key holds (line breaks and tabs are fine; \\r for a file from Windows)."""
_BEGIN = re.compile(r"-----BEGIN ([A-Z0-9 ]{1,40})-----")
_KEYS = ("PRIVATE KEY", "RSA PRIVATE KEY")
_KINDS = {
    "CERTIFICATE": "a certificate",
    "PRIVATE KEY": "a private key",
    "RSA PRIVATE KEY": "a private key",
    "ENCRYPTED PRIVATE KEY": "an encrypted private key",
    "EC PRIVATE KEY": "an EC private key",
    "PUBLIC KEY": "a public key",
    "RSA PUBLIC KEY": "a public key",
    "CERTIFICATE REQUEST": "a certificate signing request",
    "NEW CERTIFICATE REQUEST": "a certificate signing request",
    "PKCS7": "a PKCS#7 bundle",
    "X509 CRL": "a certificate revocation list",
}
"""PEM labels (RFC 7468) that may be named in a message: our words, never the value's."""
_FILE_NAME = re.compile(r"[^\n]{0,200}\.(pem|crt|cer|key|p12|pfx|json|txt)", re.IGNORECASE)
_SWAP = "did you swap certificate and private_key?"


def _kind_of(label: str) -> str:
    return _KINDS.get(label, "another kind of PEM block")


def secret_problem(name: str, value: str) -> Optional[str]:
    """What is wrong with a secret's text, in words that never quote it; None when it looks right.

    certificate and private_key must be PEM (RFC 7468) of the right kind; api_key and secret are opaque
    and only checked for what no key holds (control characters, surrounding whitespace).
    """
    if len(value) > MAX_SECRET_LENGTH:
        return f"is {len(value)} characters long; the limit is {MAX_SECRET_LENGTH}: is it the right file?"
    controls = len(_CONTROL.findall(value))
    if controls:
        return (f"contains {controls} control character{'s' if controls > 1 else ''} (other than line breaks "
                "and tabs): is it a binary file? remove them")
    if name == "certificate":
        return _pem_problem(value, ("CERTIFICATE",), "certificate")
    if name == "private_key":
        return _pem_problem(value, _KEYS, "private_key")
    if not value.strip():
        return "is only whitespace: give the key itself"
    json_file = name == "secret" and value.lstrip().startswith("{")
    if value != value.strip() and not json_file:
        # A key read from a file often ends with its newline; Twilio would take it as part of the key.
        return "has whitespace (a space or a line break) before or after it: remove it"
    return None


def _pem_problem(value: str, wanted: tuple[str, ...], name: str) -> Optional[str]:
    certificate = name == "certificate"
    first = "-----BEGIN CERTIFICATE-----" if certificate else "-----BEGIN PRIVATE KEY----- (or RSA PRIVATE KEY)"
    if re.search(r"-----BEGIN%20|%2D%2D%2D%2D%2DBEGIN", value, re.IGNORECASE):
        return ("is URL-encoded (it has %20 or %2D where the PEM has spaces and dashes): give the PEM text "
                "itself; the provider encodes it for Twilio")
    labels = _BEGIN.findall(value)
    if not labels:
        if _FILE_NAME.fullmatch(value.strip()):
            return ("looks like a file name, not the file's content: pass the PEM text (for example "
                    "open(path).read(), or `pulumi config set --secret <key> < file.pem`)")
        convert = ("openssl pkcs12 -in cert.p12 -clcerts -nokeys -out cert.pem" if certificate
                   else "openssl pkcs12 -in cert.p12 -nocerts -nodes -out key.pem")
        return (f"has no {first} line: give the PEM text with its BEGIN and END lines (from a .p12 file: "
                f"`{convert}`)")
    kinds = set(labels)
    keys = [label for label in labels if label in _KEYS]
    if "ENCRYPTED PRIVATE KEY" in kinds or re.search(r"Proc-Type:\s*4,\s*ENCRYPTED", value):
        hint = ("is it the private key? it belongs in private_key, not the certificate; " if certificate else "")
        return (f"holds an encrypted private key: {hint}Twilio needs the key without its passphrase "
                "(`openssl pkey -in key.pem -out key-plain.pem`)")
    if certificate:
        if "CERTIFICATE" not in kinds:
            if keys or "EC PRIVATE KEY" in kinds:
                return f"is a private key, not a certificate: {_SWAP}"
            return f"is {_kind_of(labels[0])}, not a certificate: it should start with {first}"
        if keys or "EC PRIVATE KEY" in kinds:
            return ("holds a private key as well as the certificate: keep only the certificate here "
                    "and give the key in private_key")
        if kinds != {"CERTIFICATE"}:
            return "holds other PEM blocks besides the certificate: keep only the certificate's BEGIN-END block"
    else:
        if not keys:
            if "CERTIFICATE" in kinds:
                return f"is a certificate, not a private key: {_SWAP}"
            if "EC PRIVATE KEY" in kinds:
                return ("is an EC private key: an APNs certificate's key is an RSA key "
                        "(-----BEGIN RSA PRIVATE KEY----- or -----BEGIN PRIVATE KEY-----)")
            return f"is {_kind_of(labels[0])}, not a private key: it should start with {first}"
        if "CERTIFICATE" in kinds:
            return ("holds a certificate as well as the private key: keep only the key here and give the "
                    "certificate in certificate")
        if len(keys) > 1 or len(labels) > len(keys):
            return (f"holds {len(labels)} PEM blocks: keep only the private key that belongs to the certificate")
    return _blocks_problem(value, [label for label in labels if label in wanted])


def _blocks_problem(value: str, labels: list[str]) -> Optional[str]:
    """The BEGIN-END blocks of ``labels``: each complete, nothing else around them, base64 DER inside."""
    rest = value
    for label in dict.fromkeys(labels):
        block = re.compile(rf"-----BEGIN {label}-----(.*?)-----END {label}-----", re.DOTALL)
        bodies = block.findall(value)
        if len(bodies) < labels.count(label):
            return f"has no -----END {label}----- line after its BEGIN line: is it cut short?"
        for body in bodies:
            reason = _body_problem(body)
            if reason:
                return reason
        rest = block.sub("", rest)
    if rest.strip():
        # Twilio's Notify docs: "Strip everything outside of the headers"
        # (https://www.twilio.com/docs/notify/api/credential-resource), such as openssl's "Bag Attributes".
        return (f"has {len(rest.strip())} characters of text outside its BEGIN and END lines (openssl's "
                "'Bag Attributes' lines, for example): remove everything outside them")
    return None


def _body_problem(body: str) -> Optional[str]:
    if "\\n" in body or "\\r" in body:
        return ("has its line breaks written as \\n (a backslash and an n, as a JSON or .env file stores them): "
                "give the PEM text with real line breaks")
    compact = re.sub(r"\s+", "", body)
    if not compact:
        return "has nothing between its BEGIN and END lines"
    try:
        der = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return "is not valid base64 between its BEGIN and END lines: is it cut short or edited?"
    if not der or der[0] != 0x30:
        # Every certificate and key in DER is an ASN.1 SEQUENCE (tag 0x30): RFC 5280, RFC 8017, RFC 5958.
        return "does not hold a certificate or key between its BEGIN and END lines (not DER): is it another file?"
    return None


# --- validation -----------------------------------------------------------------------------------------

def validate(values: Mapping[str, Any], require: bool = True) -> tuple[dict[str, Any], list[Problem]]:
    """Validate inputs (plain values; deferred ones pass and are checked once known) and return
    (canonical inputs, problems), like ``validation.validate_settings``.

    The canonical inputs hold every field of ``FIELDS``: an omitted text is ``""``, ``sandbox`` is False
    unless set (Twilio's default: its create example answers ``"sandbox": "False"``). ``require=False``
    skips "is required" (for the inputs a read or an import builds). ``problems`` is empty when the
    inputs are good; no Problem quotes a secret.
    """
    problems = flat_problems(values, Inputs, rules, "a Credential's inputs are strings and a boolean", require,
                             SECRET_FIELDS)
    if problems:
        return {}, problems
    return {f.path: _or_default(f, values.get(f.path)) for f in FIELDS}, []


def _or_default(field: WireField, value: Any) -> Any:
    return field.default if value is None else value


# --- the wire ---------------------------------------------------------------------------------------------

def to_form(inputs: Mapping[str, Any], only: Optional[Iterable[str]] = None) -> dict[str, str]:
    """Twilio's form fields for canonical inputs: all of a create (``only`` None), or an update's.

    A create sends ``Type``, ``FriendlyName`` when there is one, and the fields of the type (``Sandbox`` of
    an apn credential as ``true``/``false``, lowercase as Twilio's helper libraries send booleans). An
    update sends the ``only`` fields, which must be in ``UPDATE_FIELDS`` (``type`` is a replace); a changed
    certificate or private key sends both, so that Twilio never holds a certificate with another's key.
    """
    if only is None:
        kind = inputs.get("type")
        names = {"type", "friendly_name", *ALLOWS.get(kind if isinstance(kind, str) else "", ())}
    else:
        names = set(only)
        wrong = names - set(UPDATE_FIELDS)
        if wrong:
            raise KeyError(f"not updatable fields of a Credential: {sorted(wrong)} (a new type is a replace)")
        if names & {"certificate", "private_key"}:
            names |= {"certificate", "private_key"}
    form: dict[str, str] = {}
    for f in FIELDS:
        if f.path not in names:
            continue
        value = _or_default(f, inputs.get(f.path))
        if only is None and f.path == "friendly_name" and not value:
            continue
        form[f.form] = ("true" if value else "false") if f.kind is bool else str(value)
    return form


def secret_values(inputs: Mapping[str, Any]) -> tuple[str, ...]:
    """The secrets among ``inputs``, for ``from_api(secrets=...)`` and for scrubbing any text."""
    return tuple(v for k in sorted(SECRET_FIELDS) if isinstance(v := inputs.get(k), str) and v)


def from_api(body: Any, secrets: Iterable[str] = ()) -> dict[str, Any]:
    """The outputs (``OUTPUT_FIELDS``) from Twilio's JSON answer, typed; a wrong type is MalformedResponse.

    Null or missing texts become ``""``. ``sandbox`` is a string in the spec (``"False"`` in its examples)
    and a boolean here: ``true``/``false`` in any case, or a JSON boolean. ``type`` is kept as Twilio
    says it, also outside today's enum (a diff then shows a replace, not a guess). Every text, and every
    error, is scrubbed of ``secrets`` (the inputs' ``secret_values``): a server echoing a key cannot put it
    into the state or an error.
    """
    secrets = tuple(secrets)
    return flat_outputs(body, OUTPUT_FIELDS, {"sandbox": lambda value: _boolean(value, secrets)}, secrets)


def _boolean(value: Any, secrets: tuple[str, ...]) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise MalformedResponse(f"'sandbox' should be true or false, got {server_text(show(value), secrets, 60)}")


def with_secrets(outputs: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
    """What the state keeps: Twilio's outputs and the secrets as they were sent (Twilio never returns
    them, and ``changed`` compares the next inputs with them). The front ends mark them secret."""
    return {**outputs, **{k: inputs.get(k) or "" for k in sorted(SECRET_FIELDS)}}


def read_inputs(outputs: Mapping[str, Any], previous_inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs as a refresh reads them back: type, friendly_name and (apn) sandbox as Twilio reports
    them; the secrets from ``previous_inputs``, since Twilio never returns them (a change made outside
    Pulumi cannot be seen). With no previous inputs (an import) the secrets are ``""``: validate them
    with ``require=False``."""
    kind = outputs.get("type") or previous_inputs.get("type") or ""
    read: dict[str, Any] = {}
    for f in FIELDS:
        if f.path in SECRET_FIELDS:
            read[f.path] = previous_inputs.get(f.path) or ""
        elif f.path == "sandbox":
            read[f.path] = bool(outputs.get("sandbox")) if kind == "apn" else False
        elif f.path == "type":
            read[f.path] = kind
        else:
            read[f.path] = outputs.get(f.path) or ""
    return read


def changed(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """The inputs that differ between the state (``olds``: Twilio's outputs ``with_secrets``) and the
    checked ``news``, in ``FIELDS`` order; a deferred new value differs.

    The secrets are compared with the values last sent, since there is no live value to compare with;
    ``sandbox`` only for an apn credential (it means nothing to the others, whatever Twilio answers).
    """
    fields = FIELDS if news.get("type") == "apn" else tuple(f for f in FIELDS if f.path != "sandbox")
    return changed_paths(olds, news, fields)


def replaces(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """The changed fields that make it a replace (``REPLACE_FIELDS``: the type)."""
    return [name for name in changed(olds, news) if name in REPLACE_FIELDS]


# --- the declaration ----------------------------------------------------------------------------------------

CREDENTIALS = Collection(
    path="/v1/Credentials", prefix="CR", title="Credential", noun="push credential",
    from_api=from_api, to_form=to_form, keep=with_secrets, read_inputs=read_inputs, secret_values=secret_values,
)
"""Where Twilio keeps push credentials, and how they are sent and kept (rest.py does the calls)."""

CREDENTIAL = resource_type(
    CREDENTIALS,
    name="Credential",
    description=inspect.cleandoc(
        """A push credential: what Twilio needs to send push notifications through Apple (apn), Firebase (fcm)
        or Google (gcm).

        Give its SID to the app server that mints Conversations access tokens (the ChatGrant's
        `pushCredentialSid`). The certificate, private key, API key and secret are secret in the state and
        appear in no output, log or error. Twilio never returns them, so a refresh sees the type, the name
        and `sandbox`, but not a key replaced in the console: set the new value in the program to send it.
        A new `type` replaces the credential. Import one with
        `pulumi import twilio-conversations:index:Credential NAME CR...`, then give its secrets in the program:
        the first `pulumi up` sends them once."""
    ),
    inputs=Inputs,
    required=("type",),
    output_only=outputs_of(CREDENTIALS, "the push credential SID of the app's access tokens."),
    replace_on=tuple(sorted(REPLACE_FIELDS)),
    validate=validate,
    changed=changed,
    replaced=replaces,
    secret_inputs=SECRET_FIELDS,
)
"""``Credential``, declared: its inputs, checks, diff and calls (``/v1/Credentials``)."""
