"""Region quorum, confirmation and recovery: what status a user sees after a sequence of results."""

from datetime import UTC, datetime, timedelta

from uptick_ingest.state import MonitorState, NewTick, Policy, apply

T0 = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
THREE = ("eu-west", "us-east", "ap-south")


def tick(region: str, second: float, status: str = "up", error: str | None = None) -> NewTick:
    return NewTick(1, region, T0 + timedelta(seconds=second), status, 20, error if status == "down" else None,
                   200 if status == "up" else 500)


def run(policy: Policy, rounds: list[dict[str, str]], every: float = 30) -> list[str]:
    """Feed one round of results per entry ({region: status}); return the status after each round."""
    state, seen = MonitorState(), []
    for i, round_ in enumerate(rounds):
        ticks = [tick(region, i * every + j, status, error=f"{region} failed") for j, (region, status)
                 in enumerate(round_.items())]
        state = apply(state, ticks, policy)
        seen.append(state.status)
    return seen


def test_one_region_failing_is_not_enough() -> None:
    policy = Policy(THREE, 30)
    assert run(policy, [dict.fromkeys(THREE, "up"), {"eu-west": "down", "us-east": "up", "ap-south": "up"}]) \
        == ["up", "up"]


def test_a_majority_failing_is_down_with_the_reason() -> None:
    policy = Policy(THREE, 30)
    state = MonitorState()
    state = apply(state, [tick("eu-west", 0, "down", "HTTP 500"), tick("us-east", 1, "down", "HTTP 502"),
                          tick("ap-south", 2)], policy)
    assert state.status == "down" and state.last_error == "HTTP 502"  # the newest failure's reason
    assert state.status_changed_at == T0  # the first (and so far only) region to answer said down


def test_all_regions_failing_then_recovering() -> None:
    policy = Policy(THREE, 30)
    assert run(policy, [dict.fromkeys(THREE, "down"), dict.fromkeys(THREE, "up")]) == ["down", "up"]


def test_an_explicit_quorum_of_one_makes_any_region_count() -> None:
    policy = Policy(THREE, 30, quorum=1)
    assert run(policy, [dict.fromkeys(THREE, "up"), {"eu-west": "down"}]) == ["up", "down"]


def test_a_quorum_larger_than_the_regions_still_voting_is_capped() -> None:
    policy = Policy(THREE, 30, quorum=3)
    rounds = [dict.fromkeys(THREE, "up")] + [{"eu-west": "down", "us-east": "down"}] * 5
    # ap-south goes silent: after three intervals it no longer votes, and 2 of 2 failing is down.
    assert run(policy, rounds) == ["up", "up", "up", "up", "down", "down"]


def test_a_silent_region_is_left_out_instead_of_holding_the_last_word() -> None:
    policy = Policy(THREE, 30)
    rounds = [dict.fromkeys(THREE, "down")] + [{"eu-west": "up", "us-east": "down"}] * 5
    # ap-south's checkers are gone with its last answer "down". While it still counts, 2 of 3 fail; once it
    # has been silent for three intervals, 1 of the 2 regions still voting fails: not a majority.
    assert run(policy, rounds) == ["down", "down", "down", "down", "up", "up"]


def test_with_two_regions_both_must_fail() -> None:
    policy = Policy(("eu-west", "us-east"), 30)
    rounds = [{"eu-west": "up", "us-east": "up"}, {"eu-west": "down", "us-east": "up"},
              {"eu-west": "down", "us-east": "down"}, {"eu-west": "down", "us-east": "up"}]
    assert run(policy, rounds) == ["up", "up", "down", "up"]


def test_confirmation_period_holds_off_a_short_failure() -> None:
    policy = Policy(("eu-west", "us-east"), 30, confirmation_period_seconds=60)
    both = ("eu-west", "us-east")
    blip = [dict.fromkeys(both, "up"), dict.fromkeys(both, "down"), dict.fromkeys(both, "up")]
    assert run(policy, blip) == ["up", "up", "up"]
    outage = [dict.fromkeys(both, "up")] + [dict.fromkeys(both, "down")] * 4
    assert run(policy, outage) == ["up", "up", "up", "down", "down"]


def test_recovery_period_needs_successes_for_that_long() -> None:
    policy = Policy(("eu-west", "us-east"), 30, recovery_period_seconds=60)
    both = ("eu-west", "us-east")
    rounds = [dict.fromkeys(both, "down")] + [dict.fromkeys(both, "up")] * 4
    assert run(policy, rounds) == ["down", "down", "down", "up", "up"]
    flapping = [dict.fromkeys(both, "down"), dict.fromkeys(both, "up"), dict.fromkeys(both, "down"),
                dict.fromkeys(both, "up"), dict.fromkeys(both, "up")]
    assert run(policy, flapping) == ["down"] * 5  # every failure restarts the recovery period


def test_results_from_regions_the_monitor_no_longer_uses_do_not_vote() -> None:
    policy = Policy(("eu-west",), 30)
    state = apply(MonitorState(), [tick("us-east", 0, "down"), tick("eu-west", 1)], policy)
    assert state.status == "up" and state.last_error is None
