"""The checker's settings, read from the environment as a deployment sets them."""

from __future__ import annotations

from ipaddress import ip_network

import pytest
from pydantic import ValidationError

from uptick_checker.settings import CheckerSettings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("UPTICK_CHECKER_ALLOWED_NETWORKS", "UPTICK_CLAIM_IDLE_MS", "UPTICK_MAX_TIMEOUT_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("UPTICK_REGION", "eu-west")


def test_nothing_private_is_allowed_by_default() -> None:
    assert CheckerSettings().checker_allowed_networks == ()


def test_allowed_networks_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPTICK_CHECKER_ALLOWED_NETWORKS", "127.0.0.0/8, ::1/128")
    assert CheckerSettings().checker_allowed_networks == (ip_network("127.0.0.0/8"), ip_network("::1/128"))
    monkeypatch.setenv("UPTICK_CHECKER_ALLOWED_NETWORKS", "")
    assert CheckerSettings().checker_allowed_networks == ()  # set but empty: none
    monkeypatch.setenv("UPTICK_CHECKER_ALLOWED_NETWORKS", "localhost")
    with pytest.raises(ValidationError, match="not a network"):
        CheckerSettings()


def test_claim_idle_must_exceed_the_longest_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPTICK_CLAIM_IDLE_MS", "30000")
    with pytest.raises(ValidationError, match="must exceed max_timeout_seconds"):
        CheckerSettings()
    monkeypatch.setenv("UPTICK_MAX_TIMEOUT_SECONDS", "20")
    assert CheckerSettings().claim_idle_ms == 30000


def test_region_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UPTICK_REGION")
    with pytest.raises(ValidationError, match="region"):
        CheckerSettings()  # type: ignore[call-arg]
