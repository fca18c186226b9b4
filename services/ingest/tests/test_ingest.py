import time

from sqlalchemy import text

from uptick_common.streams import RESULTS_STREAM, CheckResult, dead_letter_stream, job_id
from uptick_devstack.fixtures import add_monitor, add_user
from uptick_ingest.settings import IngestSettings
from uptick_ingest.worker import Ingest

NOW_MS = int(time.time() * 1000)


def result(monitor_id: int, region: str, at_ms: int, status: str = "up", latency: int | None = 20,
           error: str | None = None) -> CheckResult:
    return CheckResult(job_id=job_id(monitor_id, region, at_ms), monitor_id=monitor_id, region=region,
                       scheduled_ms=at_ms, checked_ms=at_ms + 5, status=status,
                       http_status=200 if status == "up" else 500, latency_ms=latency, error=error)


def make_ingest(database_url, redis_url, engine, redis_client) -> Ingest:
    settings = IngestSettings(database_url=database_url, redis_url=redis_url, consumer_name="ingest-test")
    return Ingest(settings, engine, redis_client)


async def ticks(engine, monitor_id: int) -> list[tuple]:
    async with engine.connect() as conn:
        return (await conn.execute(text(
            "SELECT region, status, latency_ms, error FROM ticks WHERE monitor_id = :m ORDER BY scheduled_at, region"
        ), {"m": monitor_id})).all()


async def status(engine, monitor_id: int):
    async with engine.connect() as conn:
        return (await conn.execute(text("SELECT * FROM monitor_status WHERE monitor_id = :m"),
                                   {"m": monitor_id})).mappings().one()


async def test_results_become_ticks_and_a_summary(database_url, redis_url, engine, redis_client):
    monitor = await add_monitor(engine, await add_user(engine, "a@example.com"), "http://127.0.0.1:1/")
    for i in range(12):
        await redis_client.xadd(RESULTS_STREAM, result(monitor, "eu-west", NOW_MS + i * 1000, latency=i).fields())
    ingest = make_ingest(database_url, redis_url, engine, redis_client)
    assert await ingest.ingest_once() == 12

    assert len(await ticks(engine, monitor)) == 12
    summary = await status(engine, monitor)
    assert summary["status"] == "up"
    assert summary["recent_latencies_ms"] == list(range(2, 12))  # the last 10, oldest first
    assert summary["last_latency_ms"] == 11
    assert summary["regions"]["eu-west"]["status"] == "up"
    pending = await redis_client.xpending(RESULTS_STREAM, "ingest")
    assert pending["pending"] == 0  # acknowledged once stored


async def test_a_result_delivered_twice_is_stored_once(database_url, redis_url, engine, redis_client):
    monitor = await add_monitor(engine, await add_user(engine, "a@example.com"), "http://127.0.0.1:1/")
    same = result(monitor, "eu-west", NOW_MS, latency=42)
    await redis_client.xadd(RESULTS_STREAM, same.fields())
    ingest = make_ingest(database_url, redis_url, engine, redis_client)
    await ingest.ingest_once()
    await redis_client.xadd(RESULTS_STREAM, same.fields())
    await redis_client.xadd(RESULTS_STREAM, same.fields())
    await ingest.ingest_once()
    assert await ticks(engine, monitor) == [("eu-west", "up", 42, None)]
    assert (await status(engine, monitor))["recent_latencies_ms"] == [42]


async def test_status_follows_the_majority_of_regions(database_url, redis_url, engine, redis_client):
    monitor = await add_monitor(engine, await add_user(engine, "a@example.com"), "http://127.0.0.1:1/",
                                regions=("eu-west", "us-east", "ap-south"))
    ingest = make_ingest(database_url, redis_url, engine, redis_client)

    async def send(*results: CheckResult) -> None:
        for r in results:
            await redis_client.xadd(RESULTS_STREAM, r.fields())
        await ingest.ingest_once()

    await send(*(result(monitor, r, NOW_MS) for r in ("eu-west", "us-east", "ap-south")))
    assert (await status(engine, monitor))["status"] == "up"
    await send(result(monitor, "eu-west", NOW_MS + 1000, "down", error="HTTP 500"))
    assert (await status(engine, monitor))["status"] == "up"  # one region alone does not flip it
    await send(result(monitor, "us-east", NOW_MS + 1500, "down", error="connection refused"))
    summary = await status(engine, monitor)
    assert summary["status"] == "down" and summary["last_error"] == "connection refused"
    await send(*(result(monitor, r, NOW_MS + 2000) for r in ("eu-west", "us-east")))
    summary = await status(engine, monitor)
    assert summary["status"] == "up" and summary["last_error"] is None


async def test_malformed_results_go_to_the_dead_letter_stream(database_url, redis_url, engine, redis_client):
    monitor = await add_monitor(engine, await add_user(engine, "a@example.com"), "http://127.0.0.1:1/")
    await redis_client.xadd(RESULTS_STREAM, {"data": "{not json"})
    await redis_client.xadd(RESULTS_STREAM, {"something": "else"})
    await redis_client.xadd(RESULTS_STREAM, result(monitor, "eu-west", NOW_MS).fields())
    await make_ingest(database_url, redis_url, engine, redis_client).ingest_once()
    assert len(await ticks(engine, monitor)) == 1
    dead = await redis_client.xrange(dead_letter_stream(RESULTS_STREAM))
    assert len(dead) == 2 and b"malformed result" in dead[0][1][b"dead_reason"]


async def test_results_of_a_deleted_monitor_are_dropped(database_url, redis_url, engine, redis_client):
    user = await add_user(engine, "a@example.com")
    kept = await add_monitor(engine, user, "http://127.0.0.1:1/")
    await redis_client.xadd(RESULTS_STREAM, result(kept + 1000, "eu-west", NOW_MS).fields())
    await redis_client.xadd(RESULTS_STREAM, result(kept, "eu-west", NOW_MS).fields())
    await make_ingest(database_url, redis_url, engine, redis_client).ingest_once()
    assert len(await ticks(engine, kept)) == 1 and await ticks(engine, kept + 1000) == []
    assert (await redis_client.xpending(RESULTS_STREAM, "ingest"))["pending"] == 0


async def test_results_past_retention_are_trimmed(database_url, redis_url, engine, redis_client):
    monitor = await add_monitor(engine, await add_user(engine, "a@example.com"), "http://127.0.0.1:1/")
    for ms in range(1, 301):  # results from 1970, long since stored
        await redis_client.xadd(RESULTS_STREAM, result(monitor, "eu-west", ms).fields(), id=f"{ms}-0")
    ingest = make_ingest(database_url, redis_url, engine, redis_client)
    while await ingest.ingest_once():
        pass
    ingest._next_backlog = 0
    await ingest.ingest_once()
    assert await redis_client.xlen(RESULTS_STREAM) <= 100  # approximate: whole nodes of 100 go at once
    assert len(await ticks(engine, monitor)) == 300


async def test_a_result_postgres_rejects_is_dead_lettered_alone_and_its_neighbours_are_stored(
        database_url, redis_url, engine, redis_client):
    monitor = await add_monitor(engine, await add_user(engine, "a@example.com"), "http://127.0.0.1:1/")
    good = [result(monitor, "eu-west", NOW_MS + i * 1000, latency=i) for i in range(10)]
    nul = result(monitor, "us-east", NOW_MS, "down", error="bad \x00 byte")  # text in Postgres holds no NUL
    far = result(monitor, "us-east", 10**17)  # year 3 million: beyond Postgres' timestamps
    batch = [*good[:4], nul, *good[4:7], far, *good[7:]]
    ids = [(await redis_client.xadd(RESULTS_STREAM, r.fields())).decode() for r in batch]
    ingest = make_ingest(database_url, redis_url, engine, redis_client)
    assert await ingest.ingest_once() == len(batch)  # one batch: the whole of it is settled

    assert [row[2] for row in await ticks(engine, monitor)] == list(range(10))  # every neighbour stored
    dead = {fields[b"dead_id"].decode(): fields[b"dead_reason"].decode()
            for _, fields in await redis_client.xrange(dead_letter_stream(RESULTS_STREAM))}
    assert set(dead) == {ids[4], ids[8]}
    assert all(why.startswith("result rejected by Postgres: ") for why in dead.values())
    assert "0x00" in dead[ids[4]] or "NUL" in dead[ids[4]], dead
    assert "out of range" in dead[ids[8]], dead
    assert (await redis_client.xpending(RESULTS_STREAM, "ingest"))["pending"] == 0
    assert (await status(engine, monitor))["last_latency_ms"] == 9
