"""Log lines: one renderer for structlog and stdlib records, secrets redacted, whole lines that survive a kill."""

from __future__ import annotations

import json
import logging
import os
import pty
import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pytest
import structlog

from uptick_common.logging import configure_logging

SCRIPT_HEAD = """
import logging, os, signal, structlog
from uptick_common.logging import configure_logging
log = structlog.get_logger("uptick_test.module")
"""


def run(script: str, stdout: int = subprocess.PIPE, unbuffered: bool = False) -> subprocess.CompletedProcess[str]:
    """Runs `script` in a fresh interpreter whose stdout is a pipe (or `stdout`), as a service's is.

    With PYTHONUNBUFFERED (as the images set it) only when asked: it writes through whatever the code does.
    """
    env = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    return subprocess.run([sys.executable, "-c", SCRIPT_HEAD + textwrap.dedent(script)], stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=60, check=False, env=env)


def json_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_json_lines_from_structlog_and_stdlib_alike_redacted_filtered_and_flushed_before_a_kill() -> None:
    result = run("""
        configure_logging("checker", "info")  # auto: stdout is a pipe, so JSON
        log.info("check done", monitor_id=7, latency_ms=12.5, token="s3cret-token", Authorization="Bearer abc")
        log.debug("not at info level", monitor_id=7)
        log.bind(region="eu").warning("bound", attempt=2)
        try:
            1 / 0
        except ZeroDivisionError as exc:
            log.exception("check crashed", monitor_id=8)
            log.warning("retrying", exc_info=exc)
            logging.getLogger("aiohttp.client").error("foreign %s", "failure", exc_info=True)
        structlog.contextvars.bind_contextvars(request_id="r-1", cookie="c00kie")
        logging.getLogger("alembic.runtime").info("running %d migrations", 3)
        logging.getLogger("alembic.runtime").debug("foreign debug")
        logging.getLogger("uvicorn.error").info("uvicorn started")
        logging.getLogger("uvicorn.access").info("the access log stays off")
        log.info("last words")  # after the stdlib lines, whose handler flushes: this one is flushed on its own
        os.kill(os.getpid(), signal.SIGKILL)  # no exit handler runs: what is on the pipe was flushed per line
    """)
    assert result.returncode == -9, result.stderr
    assert result.stderr == ""
    lines = json_lines(result.stdout)
    assert [(line["event"], line["level"]) for line in lines] == [
        ("check done", "info"),
        ("bound", "warning"),
        ("check crashed", "error"),
        ("retrying", "warning"),
        ("foreign failure", "error"),
        ("running 3 migrations", "info"),
        ("uvicorn started", "info"),
        ("last words", "info"),
    ]
    for line in lines:
        assert line["service"] == "checker"
        assert line["timestamp"].endswith("Z") and len(line["timestamp"]) == len("2024-05-01T12:00:00.123456Z")
    done = lines[0]
    assert done["monitor_id"] == 7 and done["latency_ms"] == 12.5
    assert done["token"] == "[redacted]" and done["Authorization"] == "[redacted]"
    assert lines[1]["region"] == "eu" and lines[1]["attempt"] == 2
    for line in lines[2:5]:
        assert line["exception"].startswith("Traceback (most recent call last):")
        assert line["exception"].endswith("ZeroDivisionError: division by zero")
    assert lines[2]["monitor_id"] == 8
    foreign = lines[5]
    assert foreign["request_id"] == "r-1" and foreign["cookie"] == "[redacted]"  # contextvars, redacted, foreign too
    for secret in ("s3cret-token", "Bearer abc", "c00kie"):
        assert secret not in result.stdout


@pytest.mark.parametrize("unbuffered", [False, True], ids=["buffered", "unbuffered"])
def test_lines_from_threads_never_interleave(unbuffered: bool) -> None:
    result = run(unbuffered=unbuffered, script="""
        import threading
        configure_logging("checker", "info", "json")
        big = "x" * 20_000  # over the stream's buffer: a line is still written whole

        def structlog_lines(n):
            for i in range(300):
                log.info("structlog", thread=n, i=i, payload=big if i % 10 == 0 else "small")

        def stdlib_lines(n):
            for i in range(300):
                logging.getLogger("lib").warning("stdlib %s %s %s", n, i, big if i % 10 == 0 else "small")

        threads = [threading.Thread(target=f, args=(n,)) for n in range(3) for f in (structlog_lines, stdlib_lines)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    """)
    assert result.returncode == 0, result.stderr
    lines = json_lines(result.stdout)  # every line parses
    assert len(lines) == 6 * 300
    assert sum(line["event"] == "structlog" for line in lines) == 3 * 300


def test_console_on_a_terminal_and_when_asked() -> None:
    script = """
        configure_logging("monitors", "info", {fmt!r})
        log.info("hello", password="hunter22")
        logging.getLogger("uvicorn.error").info("foreign line")
    """
    forced = run(script.format(fmt="console"))
    assert forced.returncode == 0, forced.stderr
    first, second = forced.stdout.splitlines()
    assert "[info     ] hello" in first and "password=[redacted]" in first and "service=monitors" in first
    assert "[info     ] foreign line" in second and "service=monitors" in second
    assert "hunter22" not in forced.stdout

    controller, terminal = pty.openpty()
    try:
        on_terminal = run(script.format(fmt="auto"), stdout=terminal)
        os.close(terminal)
        terminal = -1
        out = b""
        while chunk := _read(controller):
            out += chunk
    finally:
        os.close(controller)
        if terminal != -1:
            os.close(terminal)
    assert on_terminal.returncode == 0, on_terminal.stderr
    text = out.decode()
    assert "[info     ] hello" in text and "password=[redacted]" in text and "foreign line" in text
    assert "{" not in text and "hunter22" not in text


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except OSError:  # EIO once the terminal's other side is closed and drained
        return b""


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    context = structlog.contextvars.get_contextvars()
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(**context)


def test_configuring_again_reaches_loggers_already_used(
    capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    log = structlog.get_logger("uptick_test.cached")
    stdlib = logging.getLogger("uptick_test.stdlib")
    configure_logging("first", "info", "json")
    log.info("one", n=1)  # structlog caches this logger now
    log.debug("not at info level")
    stdlib.debug("not at info level either")
    lines = json_lines(capsys.readouterr().out)
    assert [(line["event"], line["service"]) for line in lines] == [("one", "first")]

    configure_logging("second", "debug", "console")  # format, level and service change for the cached logger too
    log.debug("two", n=2)
    stdlib.debug("three")
    first, second = capsys.readouterr().out.splitlines()
    assert "[debug    ] two" in first and "n=2" in first and "service=second" in first
    assert "[debug    ] three" in second and "service=second" in second

    configure_logging("third", "warning", "json")
    log.info("not at warning level")
    log.warning("four")
    lines = json_lines(capsys.readouterr().out)
    assert [(line["event"], line["level"], line["service"]) for line in lines] == [("four", "warning", "third")]
