"""The pipeline's walk up or down its ladder of loads, and the plan printed up front: no service is started."""

from __future__ import annotations

from bench import pipeline


def _walk(quick: bool, capacity: float) -> list[float]:
    ladder, held = pipeline.rungs(quick, 3300), {}
    first = pipeline.QUICK_FIRST_RUNG if quick else pipeline.FULL_FIRST_RUNG
    while (load := pipeline.next_load(ladder, first, held)) is not None:
        held[load] = load <= capacity
    tried = list(held)
    if not quick and (halfway := pipeline.halfway_load(held)) is not None:
        tried.append(halfway)
    return tried


def test_the_ladder_is_walked_from_its_middle_until_the_verdict_flips() -> None:
    assert pipeline.rungs(True, 3300) == [600, 1000, 1600, 2600, 3300]
    assert _walk(True, 1200) == [2600, 1600, 1000]
    assert _walk(True, 2000) == [2600, 1600]
    assert _walk(True, 9000) == [2600, 3300]
    assert _walk(True, 100) == [2600, 1600, 1000, 600]
    assert _walk(False, 1700) == [3000, 2500, 2000, 1500, 1800]
    assert _walk(False, 3450) == [3000, 3300, 3600, 3400]


def test_the_full_plan_is_longer_when_the_fixed_load_is_sustained() -> None:
    overloaded = pipeline.planned_seconds(False, 3300, 1600)
    sustained = pipeline.planned_seconds(False, 3300, 3300)
    assert 8 * 60 < overloaded < sustained
    assert sustained > 600 + 6 * 60  # the ten-minute run, the ladder, the fixed-load windows
    assert pipeline.planned_seconds(True, 3300, 1600) < 90
