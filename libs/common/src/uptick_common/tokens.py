"""Credentials. Access tokens: signed by auth with its private key (Ed25519), verified anywhere with the
public key; verification pins the algorithm, so `alg: none` and an HMAC signed with the public key are
refused. API tokens: `upt_` and 32 random bytes, a prefix secret scanners can recognise; stored as SHA-256
(a random secret needs no slow hash: there is no dictionary to try).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

API_TOKEN_PREFIX = "upt_"  # noqa: S105 (a prefix, not a secret)
API_TOKEN_SHOWN_CHARS = 12  # `upt_` and the first 8 characters of the secret: enough to recognise a token
ALGORITHM = "EdDSA"
ISSUER = "uptick-auth"
AUDIENCE = "uptick"


class InvalidToken(Exception):
    """The token is missing, malformed, forged or expired (the API answers 401)."""


@dataclass(frozen=True)
class Claims:
    user_id: int
    session_id: str
    expires_at: datetime


def issue(private_key_pem: bytes, *, user_id: int, session_id: str, ttl: timedelta) -> tuple[str, datetime]:
    now = datetime.now(UTC)
    expires_at = now + ttl
    payload = {
        "sub": str(user_id),
        "sid": session_id,
        "iat": now,
        "nbf": now,
        "exp": expires_at,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(payload, private_key_pem, algorithm=ALGORITHM), expires_at


def verify(public_key_pem: bytes, token: str) -> Claims:
    try:
        payload = jwt.decode(
            token,
            public_key_pem,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "sub", "sid", "iss", "aud"]},
        )
        return Claims(
            user_id=int(payload["sub"]),
            session_id=str(payload["sid"]),
            expires_at=datetime.fromtimestamp(payload["exp"], UTC),
        )
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise InvalidToken(str(exc)) from exc


INVITATION_AUDIENCE = "uptick-invitation"


def sign_invitation(private_key_pem: bytes, *, invitation_id: int, expires_at: datetime) -> str:
    """The secret of an invitation's link: signed by auth, expiring; single use is the invitation row's."""
    payload = {"inv": invitation_id, "exp": expires_at, "iss": ISSUER, "aud": INVITATION_AUDIENCE}
    return jwt.encode(payload, private_key_pem, algorithm=ALGORITHM)


def verify_invitation(public_key_pem: bytes, token: str) -> int:
    """The invitation's id; InvalidToken when forged, expired or not an invitation."""
    try:
        payload = jwt.decode(token, public_key_pem, algorithms=[ALGORITHM], audience=INVITATION_AUDIENCE,
                             issuer=ISSUER, options={"require": ["exp", "inv", "iss", "aud"]})
        return int(payload["inv"])
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise InvalidToken(str(exc)) from exc


def generate_keypair(private_path: Path, public_path: Path) -> None:
    """Write a new Ed25519 key pair (PEM) unless one is already there: `make run` and the tests use it."""
    if private_path.exists() and public_path.exists():
        return
    key = Ed25519PrivateKey.generate()
    private_path.parent.mkdir(parents=True, exist_ok=True)
    public_path.parent.mkdir(parents=True, exist_ok=True)
    private_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption())
    )
    private_path.chmod(0o600)
    public_path.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def new_api_token() -> str:
    return API_TOKEN_PREFIX + secrets.token_urlsafe(32)


def secret_hash(secret: str) -> bytes:
    """How API tokens, refresh tokens and other random secrets are stored and looked up."""
    return hashlib.sha256(secret.encode()).digest()
