"""Accounts and sessions: sign-up, log-in (with the throttle), refresh, log-out, password changes.

A session is a family of refresh tokens: each refresh uses one up and hands out the next, with a new
short-lived access token. A used refresh token shown again was copied by someone: the whole session ends,
for whoever holds which token. Raises domain errors, never HTTP ones."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from uptick_auth import passwords
from uptick_auth.orgs import service as orgs
from uptick_auth.throttle import LoginThrottle
from uptick_common import tokens
from uptick_common.api import utcnow
from uptick_common.db.models import AuthSession, RefreshToken, User

log = structlog.get_logger(__name__)


class EmailTaken(Exception):
    pass


class InvalidCredentials(Exception):
    pass


class SessionEnded(Exception):
    """The refresh token is unknown, used before (the session is then ended), or its session is over."""


class TooManyAttempts(Exception):
    def __init__(self, retry_after: int, what: str = "failed log-ins") -> None:
        super().__init__(f"too many {what}, retry in {retry_after} s")
        self.retry_after = retry_after


async def sign_up(*, session: AsyncSession, throttle: LoginThrottle, email: str, password: str, address: str) -> User:
    """`email` is already lower-cased, so the unique index makes the check case-insensitive."""
    if (retry_after := await throttle.signup_attempt(address)) is not None:
        log.warning("sign-up throttled")
        raise TooManyAttempts(retry_after, "sign-ups from this address")
    user = User(email=email, password_hash=await passwords.hash_password(password))
    session.add(user)
    try:
        await session.flush()
        await orgs.add_personal(session, user)
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        raise EmailTaken from exc
    log.info("user signed up", user_id=user.id)
    return user


async def authenticate(*, session: AsyncSession, email: str, password: str) -> User:
    user = await session.scalar(select(User).where(User.email == email))
    if user is None:
        await passwords.verify_against_dummy(password)
        raise InvalidCredentials
    if not await passwords.verify_password(user.password_hash, password):
        raise InvalidCredentials
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = await passwords.hash_password(password)
        await session.commit()
    return user


@dataclass(frozen=True)
class Issued:
    """What a log-in or a refresh hands out: an access token (and when it expires), the next refresh token."""

    access_token: str
    expires_at: datetime
    refresh_token: str
    session_id: str


async def log_in(
    *, session: AsyncSession, throttle: LoginThrottle, email: str, password: str, address: str,
    private_key: bytes, ttl: timedelta, session_ttl: timedelta,
) -> Issued:
    """A new session, its first refresh token and a signed access token. The attempt is counted before the
    password is hashed."""
    if (retry_after := await throttle.login_attempt(email, address)) is not None:
        log.warning("log-in throttled")
        raise TooManyAttempts(retry_after)
    try:
        user = await authenticate(session=session, email=email, password=password)
    except InvalidCredentials:
        log.info("log-in failed")
        raise
    await throttle.succeeded(email, address)
    auth_session = AuthSession(id=secrets.token_urlsafe(32), user_id=user.id, expires_at=utcnow() + session_ttl)
    session.add(auth_session)
    # Sessions that can no longer authenticate go, so that the table holds about one row per live log-in.
    await session.execute(delete(AuthSession).where(
        AuthSession.user_id == user.id, or_(AuthSession.expires_at < utcnow(), AuthSession.revoked_at.is_not(None))
    ))
    await session.flush()
    issued = _issue(session, auth_session, private_key, ttl)
    await session.commit()
    log.info("logged in", user_id=user.id)
    return issued


async def refresh(*, session: AsyncSession, refresh_token: str, private_key: bytes, ttl: timedelta) -> Issued:
    """Uses `refresh_token` up and hands out the next one with a new access token."""
    row = (await session.execute(
        select(RefreshToken, AuthSession).join(AuthSession, AuthSession.id == RefreshToken.session_id)
        .where(RefreshToken.token_hash == tokens.secret_hash(refresh_token)).with_for_update()
    )).first()
    if row is None:
        raise SessionEnded("unknown refresh token")
    used, auth_session = row
    if used.used_at is not None:
        auth_session.revoked_at = auth_session.revoked_at or utcnow()
        await session.commit()
        log.warning("refresh token reused: session ended", user_id=auth_session.user_id)
        raise SessionEnded("this refresh token was used before: the session has ended everywhere")
    if auth_session.revoked_at is not None or auth_session.expires_at <= utcnow():
        raise SessionEnded("session has ended")
    used.used_at = utcnow()
    issued = _issue(session, auth_session, private_key, ttl)
    await session.commit()
    return issued


def _issue(session: AsyncSession, auth_session: AuthSession, private_key: bytes, ttl: timedelta) -> Issued:
    """A new refresh token of the session (added to `session`) and an access token, which never outlives it."""
    refresh_token = secrets.token_urlsafe(32)
    session.add(RefreshToken(token_hash=tokens.secret_hash(refresh_token), session_id=auth_session.id))
    ttl = min(ttl, auth_session.expires_at - utcnow())
    token, expires_at = tokens.issue(private_key, user_id=auth_session.user_id, session_id=auth_session.id, ttl=ttl)
    return Issued(access_token=token, expires_at=expires_at, refresh_token=refresh_token, session_id=auth_session.id)


async def log_out(*, session: AsyncSession, claims: tokens.Claims) -> None:
    await session.execute(
        update(AuthSession)
        .where(AuthSession.id == claims.session_id, AuthSession.user_id == claims.user_id,
               AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    await session.commit()
    log.info("logged out", user_id=claims.user_id)


async def log_out_everywhere(*, session: AsyncSession, user_id: int, keep: str | None = None) -> None:
    """Ends every session of the user's (but `keep`): every service refuses their access tokens at once."""
    query = update(AuthSession).where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
    if keep is not None:
        query = query.where(AuthSession.id != keep)
    await session.execute(query.values(revoked_at=utcnow()))
    await session.commit()
    log.info("logged out everywhere", user_id=user_id, kept_current=keep is not None)


async def change_password(*, session: AsyncSession, throttle: LoginThrottle, user_id: int, session_id: str | None,
                          current: str, new: str) -> None:
    """A new password; every other session ends (whoever else knew the old one is logged out). The attempt is
    counted before the current password is verified, as a log-in's is: a session cannot guess it faster."""
    if (retry_after := await throttle.password_attempt(user_id)) is not None:
        log.warning("password change throttled", user_id=user_id)
        raise TooManyAttempts(retry_after, "wrong current passwords")
    user = await session.get(User, user_id)
    if user is None or not await passwords.verify_password(user.password_hash, current):
        raise InvalidCredentials
    user.password_hash = await passwords.hash_password(new)
    await session.flush()
    await log_out_everywhere(session=session, user_id=user_id, keep=session_id)
    await throttle.password_changed(user_id)


async def get_user(*, session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)
