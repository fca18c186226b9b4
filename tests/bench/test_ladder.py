"""The pipeline's walk up or down its ladder of loads, and the plan printed up front: no service is started."""

from __future__ import annotations

from bench import pipeline


def _walk(quick: bool, capacity: float, checker_alone: float | None = None) -> list[float]:
    ladder, held = pipeline.rungs(quick, 3300), {}
    first = pipeline.first_rung(quick, 3300, checker_alone)
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


def test_the_walk_starts_near_what_the_checker_alone_says_the_pipeline_holds() -> None:
    # Machine B (bench/RESULTS.md): the checker alone did 2,037/s, the pipeline held 1,200/s but not 1,500/s. The walk
    # from 3,000 took six windows, four of them overloaded; from the checker's figure it takes three.
    assert _walk(False, 1300, checker_alone=None) == [3000, 2500, 2000, 1500, 1000, 1200]
    assert _walk(False, 1300, checker_alone=2037) == [1500, 1000, 1200]
    # Machine A: 5,587/s alone, 4,000/s held, 4,500/s not.
    assert _walk(False, 4200, checker_alone=5587) == [3600, 4000, 5000, 4500]
    # QUICK never starts above the fixed load, its top rung.
    assert _walk(True, 9000, checker_alone=20000) == [3300]


def test_the_full_plan_is_longer_when_the_fixed_load_is_sustained() -> None:
    overloaded = pipeline.planned_seconds(False, 3300, 1600)
    sustained = pipeline.planned_seconds(False, 3300, 3300)
    assert 8 * 60 < overloaded < sustained
    assert sustained > 600 + 6 * 60  # the ten-minute run, the ladder, the fixed-load windows
    assert pipeline.planned_seconds(True, 3300, 1600) < 90
