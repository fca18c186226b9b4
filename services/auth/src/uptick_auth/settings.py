"""The auth service's settings: the token signing key and lifetime, the log-in throttle."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator

from uptick_common.settings import HttpServiceSettings


class AuthSettings(HttpServiceSettings):
    jwt_private_key_file: str = ".run/keys/jwt-private.pem"
    # Access tokens are short-lived; a session (its family of refresh tokens) lasts this long without a log-in.
    access_token_ttl_seconds: int = Field(default=15 * 60, gt=0)
    session_ttl_seconds: int = Field(default=30 * 86400, gt=0)
    # How long an invitation's link can be accepted.
    invitation_ttl_seconds: int = Field(default=7 * 86400, gt=0)
    # Failed log-ins per email before further attempts get a 429, and how long that lasts.
    login_max_failures: int = Field(default=10, gt=0)
    login_failure_window_seconds: int = Field(default=15 * 60, gt=0)
    # Failed log-ins from one client address (any email) within that window; sign-ups per address per hour.
    login_max_failures_per_address: int = Field(default=100, gt=0)
    signup_max_per_address: int = Field(default=20, gt=0)
    signup_window_seconds: int = Field(default=3600, gt=0)
    # Password hashes computed at once (each ~64 MiB), and how many more may wait before a 503.
    password_hash_concurrency: int = Field(default=4, gt=0)
    password_hash_queue: int = Field(default=64, ge=0)
    # SIGTERM: in-flight requests get this long, less than the pod's terminationGracePeriodSeconds.
    shutdown_grace_seconds: int = 20

    @model_validator(mode="after")
    def _keys_exist_in_production(self) -> AuthSettings:
        if self.env == "production":
            missing = [f for f in (self.jwt_private_key_file, self.jwt_public_key_file) if not Path(f).is_file()]
            if missing:
                raise ValueError(f"JWT key files missing in production: {', '.join(missing)}")
        return self
