"""The auth API under /api/auth: turns the service's domain errors into HTTP answers."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status

from uptick_auth import service
from uptick_auth.schemas import LoginRequest, SignupRequest, TokenOut, UserOut
from uptick_auth.settings import AuthSettings
from uptick_auth.throttle import LoginThrottle
from uptick_common import tokens
from uptick_common.access import CurrentUser
from uptick_common.api import SESSION_COOKIE, DbSession, bearer_or_cookie

router = APIRouter(prefix="/api/auth", tags=["auth"])


def get_settings(request: Request) -> AuthSettings:
    return request.app.state.settings


def get_throttle(request: Request) -> LoginThrottle:
    return request.app.state.throttle


Settings = Annotated[AuthSettings, Depends(get_settings)]
Throttle = Annotated[LoginThrottle, Depends(get_throttle)]


@router.post("/signup", status_code=status.HTTP_201_CREATED)
async def signup(body: SignupRequest, session: DbSession) -> UserOut:
    try:
        user = await service.sign_up(session=session, email=body.email, password=body.password)
    except service.EmailTaken:
        raise HTTPException(status.HTTP_409_CONFLICT, "an account with this email already exists") from None
    return UserOut.model_validate(user)


@router.post("/login")
async def login(
    body: LoginRequest, request: Request, response: Response, session: DbSession,
    settings: Settings, throttle: Throttle,
) -> TokenOut:
    try:
        token, auth_session = await service.log_in(
            session=session, throttle=throttle, email=body.email, password=body.password,
            private_key=request.app.state.private_key,
            ttl=timedelta(seconds=settings.access_token_ttl_seconds),
        )
    except service.InvalidCredentials:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid email or password") from None
    except service.TooManyAttempts as exc:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, str(exc),
                            headers={"Retry-After": str(exc.retry_after)}) from None
    response.set_cookie(
        SESSION_COOKIE, token, max_age=settings.access_token_ttl_seconds, path="/",
        httponly=True, samesite="lax", secure=settings.secure_cookies,
    )
    return TokenOut(access_token=token, expires_at=auth_session.expires_at)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(request: Request, response: Response, session: DbSession, settings: Settings) -> None:
    """Ends the caller's session if the token is still good; always clears the cookie, so a stale
    cookie can be logged out of too."""
    token = bearer_or_cookie(request)
    try:
        claims = tokens.verify(request.app.state.public_key, token) if token else None
    except tokens.InvalidToken:
        claims = None
    if claims is not None:
        await service.log_out(session=session, claims=claims)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=settings.secure_cookies)


@router.get("/me")
async def me(actor: CurrentUser, session: DbSession) -> UserOut:
    user = await service.get_user(session=session, user_id=actor.user_id)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "account no longer exists")
    return UserOut.model_validate(user)
