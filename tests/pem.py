"""PEM material for the tests, made once: a self-signed "APNs" certificate and its key in each PEM form,
and an FCM server key. Each value is recognizable, so a test can prove that it never leaks."""

from __future__ import annotations

import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

_KEY = rsa.generate_private_key(public_exponent=65537, key_size=1024)
_NAME = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Apple Push Services: com.example.app")])
_START = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)


def _certificate(key: Any) -> str:
    built = (x509.CertificateBuilder().subject_name(_NAME).issuer_name(_NAME).public_key(key.public_key())
             .serial_number(1).not_valid_before(_START).not_valid_after(_START + datetime.timedelta(days=365))
             .sign(_KEY, hashes.SHA256()))
    return built.public_bytes(serialization.Encoding.PEM).decode()


def _key(form: serialization.PrivateFormat, key: Any = _KEY, password: bytes = b"") -> str:
    encryption = (serialization.BestAvailableEncryption(password) if password
                  else serialization.NoEncryption())
    return key.private_bytes(serialization.Encoding.PEM, form, encryption).decode()  # type: ignore[no-any-return]


CERT = _certificate(_KEY)
RSA_KEY = _key(serialization.PrivateFormat.TraditionalOpenSSL)  # -----BEGIN RSA PRIVATE KEY-----
PKCS8_KEY = _key(serialization.PrivateFormat.PKCS8)  # -----BEGIN PRIVATE KEY-----
ENCRYPTED_KEY = _key(serialization.PrivateFormat.PKCS8, password=b"pass")
ENCRYPTED_RSA_KEY = _key(serialization.PrivateFormat.TraditionalOpenSSL, password=b"pass")  # Proc-Type: 4,ENCRYPTED
EC_KEY = _key(serialization.PrivateFormat.TraditionalOpenSSL, ec.generate_private_key(ec.SECP256R1()))
PUBLIC_KEY = _KEY.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()
SERVER_KEY = "AAAAexample:APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx"
SERVICE_ACCOUNT = '{\n  "type": "service_account",\n  "project_id": "example"\n}\n'  # FCM v1 JSON, newline at the end
APN = {"type": "apn", "certificate": CERT, "private_key": RSA_KEY}


def credential_texts(values: dict[str, Any]) -> list[str]:
    """Every text a user may see for a Credential's inputs: each Problem, the model's error, its traceback,
    or the model's repr and str when it is valid (the secrets suites scan them)."""
    import traceback

    from pulumi_twilio_conversations.core.credential import Inputs, validate
    from pulumi_twilio_conversations.core.models import SettingsError

    _, problems = validate(values)
    texts = [f"{p.field} {p.reason}" for p in problems]
    try:
        model = Inputs(**values)
    except SettingsError as err:
        texts += [str(err), repr(err), "".join(traceback.format_exception(err))]
    else:
        texts += [repr(model), str(model)]
    return texts
