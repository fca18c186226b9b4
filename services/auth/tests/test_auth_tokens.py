"""Tokens that must not get in: each carries the claims of a live session, only its signature or expiry is bad."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from uptick_common import tokens


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(alg: str, claims: dict) -> str:
    header = _b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(claims).encode())}"


def expired(claims: dict, keys: tuple[Path, Path]) -> str:
    token, _ = tokens.issue(keys[0].read_bytes(), user_id=int(claims["sub"]), session_id=claims["sid"],
                            ttl=timedelta(seconds=-30))
    return token


def signed_with_another_key(claims: dict, keys: tuple[Path, Path]) -> str:
    other = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return jwt.encode(claims, other, algorithm="EdDSA")


def alg_none(claims: dict, keys: tuple[Path, Path]) -> str:
    return _unsigned("none", claims) + "."


def hs256_with_the_public_key(claims: dict, keys: tuple[Path, Path]) -> str:
    signing_input = _unsigned("HS256", claims)
    signature = hmac.new(keys[1].read_bytes(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


@pytest.mark.parametrize("forge", [expired, signed_with_another_key, alg_none, hs256_with_the_public_key])
async def test_bad_token_is_401(
    client: httpx.AsyncClient, token: str, jwt_keys: tuple[Path, Path],
    forge: Callable[[dict, tuple[Path, Path]], str],
) -> None:
    assert (await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})).status_code == 200
    claims = jwt.decode(token, options={"verify_signature": False})
    bad = forge(claims, jwt_keys)
    response = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {bad}"})
    assert response.status_code == 401
    assert response.json() == {"detail": "invalid or expired token"}
    client.cookies.set("uptick_session", bad)
    assert (await client.get("/api/auth/me")).status_code == 401
