"""Accounts and sessions: sign-up, log-in (with the throttle), log-out. Raises domain errors, never HTTP ones."""

from __future__ import annotations

import secrets
from datetime import timedelta

import structlog
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from uptick_auth import passwords
from uptick_auth.orgs import service as orgs
from uptick_auth.throttle import LoginThrottle
from uptick_common import tokens
from uptick_common.api import utcnow
from uptick_common.db.models import AuthSession, User

log = structlog.get_logger(__name__)


class EmailTaken(Exception):
    pass


class InvalidCredentials(Exception):
    pass


class TooManyAttempts(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed log-ins, retry in {retry_after} s")
        self.retry_after = retry_after


async def sign_up(*, session: AsyncSession, email: str, password: str) -> User:
    """`email` is already lower-cased, so the unique index makes the check case-insensitive."""
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


async def log_in(
    *, session: AsyncSession, throttle: LoginThrottle, email: str, password: str,
    private_key: bytes, ttl: timedelta,
) -> tuple[str, AuthSession]:
    """A new session and its signed access token."""
    if (retry_after := await throttle.retry_after(email)) is not None:
        log.warning("log-in throttled")
        raise TooManyAttempts(retry_after)
    try:
        user = await authenticate(session=session, email=email, password=password)
    except InvalidCredentials:
        await throttle.failed(email)
        log.info("log-in failed")
        raise
    await throttle.succeeded(email)
    session_id = secrets.token_urlsafe(32)
    token, expires_at = tokens.issue(private_key, user_id=user.id, session_id=session_id, ttl=ttl)
    auth_session = AuthSession(id=session_id, user_id=user.id, expires_at=expires_at)
    session.add(auth_session)
    # Sessions that can no longer authenticate go, so that the table holds about one row per live log-in.
    await session.execute(delete(AuthSession).where(
        AuthSession.user_id == user.id, or_(AuthSession.expires_at < utcnow(), AuthSession.revoked_at.is_not(None))
    ))
    await session.commit()
    log.info("logged in", user_id=user.id)
    return token, auth_session


async def log_out(*, session: AsyncSession, claims: tokens.Claims) -> None:
    await session.execute(
        update(AuthSession)
        .where(AuthSession.id == claims.session_id, AuthSession.user_id == claims.user_id,
               AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    await session.commit()
    log.info("logged out", user_id=claims.user_id)


async def get_user(*, session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)
