"""The auth API under /api/auth: turns the service's domain errors into HTTP answers."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status

from uptick_auth import service
from uptick_auth.schemas import LoginRequest, PasswordChange, RefreshRequest, SignupRequest, TokenOut, UserOut
from uptick_auth.settings import AuthSettings
from uptick_auth.throttle import LoginThrottle
from uptick_common import csrf, tokens
from uptick_common.access import Actor, CurrentUser
from uptick_common.api import SESSION_COOKIE, DbSession, Unauthorized, bearer_or_cookie

router = APIRouter(prefix="/api/auth", tags=["auth"])
REFRESH_COOKIE = "uptick_refresh"
REFRESH_PATH = "/api/auth"  # the refresh cookie goes to the auth service only, never to the other services


def get_settings(request: Request) -> AuthSettings:
    return request.app.state.settings


def get_throttle(request: Request) -> LoginThrottle:
    return request.app.state.throttle


Settings = Annotated[AuthSettings, Depends(get_settings)]
Throttle = Annotated[LoginThrottle, Depends(get_throttle)]


def _session_only(actor: Actor) -> str:
    """The caller's session id: these routes change the account itself, which an API token may not."""
    if actor.session_id is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "an API token cannot change its creator's account")
    return actor.session_id


def client_address(request: Request) -> str:
    """The caller's address; behind the router or an ingress uvicorn takes it from X-Forwarded-For for the
    proxies it trusts (`FORWARDED_ALLOW_IPS`)."""
    return request.client.host if request.client else "unknown"


def too_many(exc: service.TooManyAttempts) -> HTTPException:
    """The HTTP answer to a throttled attempt (a full hashing queue is main.py's 503, on every route)."""
    return HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, str(exc), headers={"Retry-After": str(exc.retry_after)})


@router.post("/signup", status_code=status.HTTP_201_CREATED)
async def signup(body: SignupRequest, request: Request, session: DbSession, throttle: Throttle) -> UserOut:
    try:
        user = await service.sign_up(session=session, throttle=throttle, email=body.email,
                                     password=body.password, address=client_address(request))
    except service.EmailTaken:
        raise HTTPException(status.HTTP_409_CONFLICT, "an account with this email already exists") from None
    except service.TooManyAttempts as exc:
        raise too_many(exc) from None
    return UserOut.model_validate(user)


@router.post("/login")
async def login(
    body: LoginRequest, request: Request, response: Response, session: DbSession,
    settings: Settings, throttle: Throttle,
) -> TokenOut:
    csrf.check_not_cross_site(request)
    try:
        issued = await service.log_in(
            session=session, throttle=throttle, email=body.email, password=body.password,
            address=client_address(request), private_key=request.app.state.private_key,
            ttl=timedelta(seconds=settings.access_token_ttl_seconds),
            session_ttl=timedelta(seconds=settings.session_ttl_seconds),
        )
    except service.InvalidCredentials:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid email or password") from None
    except service.TooManyAttempts as exc:
        raise too_many(exc) from None
    return _hand_out(response, settings, issued)


@router.post("/refresh")
async def refresh(request: Request, response: Response, session: DbSession, settings: Settings,
                  body: RefreshRequest | None = None) -> TokenOut:
    """A new access token and the next refresh token, for the refresh token in the body or the cookie.
    Each refresh token works once: shown again, it ends its session."""
    refresh_token = body.refresh_token if body is not None and body.refresh_token else None
    if refresh_token is None:
        refresh_token = request.cookies.get(REFRESH_COOKIE)
        if refresh_token is None:
            raise Unauthorized("no refresh token")
        csrf.check_same_origin(request)
    try:
        issued = await service.refresh(session=session, refresh_token=refresh_token,
                                       private_key=request.app.state.private_key,
                                       ttl=timedelta(seconds=settings.access_token_ttl_seconds))
    except service.SessionEnded as exc:
        _clear_cookies(response, settings)
        raise Unauthorized(str(exc)) from exc
    return _hand_out(response, settings, issued)


def _hand_out(response: Response, settings: AuthSettings, issued: service.Issued) -> TokenOut:
    response.set_cookie(
        SESSION_COOKIE, issued.access_token, max_age=settings.access_token_ttl_seconds, path="/",
        httponly=True, samesite="lax", secure=settings.secure_cookies,
    )
    response.set_cookie(
        REFRESH_COOKIE, issued.refresh_token, max_age=settings.session_ttl_seconds, path=REFRESH_PATH,
        httponly=True, samesite="strict", secure=settings.secure_cookies,
    )
    return TokenOut(access_token=issued.access_token, expires_at=issued.expires_at,
                    refresh_token=issued.refresh_token)


def _clear_cookies(response: Response, settings: AuthSettings) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=settings.secure_cookies)
    response.delete_cookie(REFRESH_COOKIE, path=REFRESH_PATH, httponly=True, samesite="strict",
                           secure=settings.secure_cookies)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(request: Request, response: Response, session: DbSession, settings: Settings) -> None:
    """Ends the caller's session if the token is still good; always clears the cookies, so a stale
    cookie can be logged out of too."""
    csrf.check_not_cross_site(request)
    token = bearer_or_cookie(request)
    try:
        claims = tokens.verify(request.app.state.public_key, token) if token else None
    except tokens.InvalidToken:
        claims = None
    if claims is not None:
        await service.log_out(session=session, claims=claims)
    _clear_cookies(response, settings)


@router.post("/logout-all", status_code=status.HTTP_204_NO_CONTENT)
async def logout_everywhere(actor: CurrentUser, session: DbSession, response: Response, settings: Settings) -> None:
    """Ends every session of the caller's, this one included."""
    _session_only(actor)
    await service.log_out_everywhere(session=session, user_id=actor.user_id)
    _clear_cookies(response, settings)


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(actor: CurrentUser, session: DbSession, body: PasswordChange, throttle: Throttle) -> None:
    """A new password; every other session of the caller's ends, this one goes on. Wrong current passwords are
    limited as failed log-ins are (then 429 with Retry-After)."""
    session_id = _session_only(actor)
    try:
        await service.change_password(session=session, throttle=throttle, user_id=actor.user_id,
                                      session_id=session_id, current=body.current_password, new=body.new_password)
    except service.InvalidCredentials:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the current password is not right") from None
    except service.TooManyAttempts as exc:
        raise too_many(exc) from None


@router.get("/me")
async def me(actor: CurrentUser, session: DbSession) -> UserOut:
    user = await service.get_user(session=session, user_id=actor.user_id)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "account no longer exists")
    return UserOut.model_validate(user)
