"""structlog set-up: console on a terminal, JSON otherwise; secrets are redacted before rendering.

Two paths, one renderer, one stream:

- structlog's own calls (`structlog.get_logger(__name__).info(...)`) take structlog's native path: a
  filtering bound logger (methods below the level are no-ops), the processors ending in the renderer,
  and `_LineWriter`, which writes the rendered line to stdout. About 10-13 µs for a JSON line with ten
  fields, against about 30 µs (75 on a slower machine) through the stdlib `logging` module; a debug
  line at level info costs about 1 µs. The checker logs per check.
- stdlib records (uvicorn, alembic, aiohttp, kopf…) go through the root logger's handler, which renders
  them with the same processors (`ProcessorFormatter` with `foreign_pre_chain`).

Both write through the one `_StdoutHandler`: the same lock, whole lines, one `write` and a flush each, so
that lines never interleave mid-line and a process killed right after still shows them on a pipe. The
flush costs one `write` system call per line, 2-3 µs on a pipe when stdout is buffered and nothing when
PYTHONUNBUFFERED is set (the images set it: every write is a system call then anyway); buffering lines
instead would lose the last ones before a crash or an OOM kill, the ones that matter most.

`configure_logging` may be called again (tests do): loggers that structlog cached on first use keep the
objects configured here, and those objects are updated in place: the processor list, the level (the
methods of `_BoundLogger`), the stream (the current `sys.stdout`, looked up at each line).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any, TextIO

import structlog
from structlog.typing import EventDict, Processor

# Keys whose values never reach a log line, whatever logged them.
_SECRET_KEYS = {"password", "token", "access_token", "authorization", "cookie", "secret", "set-cookie"}


def _redact(_: Any, __: str, event_dict: EventDict) -> EventDict:
    for key in event_dict:
        if key.lower() in _SECRET_KEYS:
            event_dict[key] = "[redacted]"
    return event_dict


_second_stamp = (0, "1970-01-01T00:00:00")  # (a second since the epoch, its ISO 8601 form), replaced whole


def _add_timestamp(_: Any, __: str, event_dict: EventDict) -> EventDict:
    """`TimeStamper(fmt="iso", utc=True)`'s format ("2024-05-01T12:00:00.123456Z"), a quarter of its cost."""
    global _second_stamp
    second, nanoseconds = divmod(time.time_ns(), 1_000_000_000)
    stamp = _second_stamp
    if stamp[0] != second:
        stamp = _second_stamp = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
    event_dict["timestamp"] = f"{stamp[1]}.{nanoseconds // 1000:06d}Z"
    return event_dict


def _json_default(obj: Any) -> Any:
    try:
        return obj.__structlog__()
    except AttributeError:
        return repr(obj)


# `JSONRenderer()`'s output, with one encoder made once instead of one per line by `json.dumps(default=…)`.
_encode_json = json.JSONEncoder(default=_json_default).encode


def _render_json(_: Any, __: str, event_dict: EventDict) -> str:
    return _encode_json(event_dict)


class _StdoutHandler(logging.StreamHandler[TextIO]):
    """Writes to the current `sys.stdout` (as `logging.lastResort` does for stderr), unless a stream is set.

    Following `sys.stdout` keeps lines going where the process's stdout goes now, pytest's capture
    included, instead of to a stream replaced (and closed) since; `setStream` still pins one.
    """

    def __init__(self) -> None:
        super().__init__()
        self._stream: TextIO | None = None

    @property
    def stream(self) -> TextIO:
        return sys.stdout if self._stream is None else self._stream

    @stream.setter
    def stream(self, value: TextIO | None) -> None:
        self._stream = value


class _LineWriter:
    """structlog's logger: writes each rendered line whole and flushed, under the handler's lock, to its stream.

    The lock is the one the handler takes around a stdlib record's line: the two never interleave.
    """

    def __init__(self, handler: _StdoutHandler) -> None:
        self._handler = handler

    def msg(self, message: str) -> None:
        handler = self._handler
        line = message + "\n"
        lock = handler.lock
        assert lock is not None  # made by Handler.__init__
        try:
            with lock:
                stream = handler.stream
                stream.write(line)
                stream.flush()
        except (OSError, ValueError):  # stdout closed or gone (a broken pipe): logging never breaks the caller
            pass

    # The filtering bound logger calls the method named after the level.
    debug = info = warning = error = critical = msg


_HANDLER = _StdoutHandler()
_WRITER = _LineWriter(_HANDLER)
# Mutated in place by `configure_logging`, so that loggers cached on first use see a new configuration.
_PROCESSORS: list[Processor] = []


def _writer_factory(*_: Any) -> _LineWriter:
    return _WRITER


class _BoundLogger(structlog.BoundLoggerBase):
    """structlog's filtering bound logger; `_set_level` copies in the methods of the level's class."""


def _set_level(level: int) -> None:
    for name, value in vars(structlog.make_filtering_bound_logger(level)).items():
        if not name.startswith("_"):
            setattr(_BoundLogger, name, value)


_set_level(logging.INFO)


def configure_logging(service: str, level: str = "info", fmt: str = "auto") -> None:
    """Render structlog and stdlib logging (uvicorn, alembic, …) with one renderer on stdout."""
    root = logging.getLogger()
    root.setLevel(level.upper())  # a ValueError for an unknown level, before anything else has changed
    use_json = fmt == "json" or (fmt == "auto" and not sys.stdout.isatty())
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        _add_timestamp,
        _redact,
    ]
    renderer: Processor = _render_json if use_json else structlog.dev.ConsoleRenderer(colors=False)
    _PROCESSORS[:] = [*shared, structlog.processors.format_exc_info, renderer]
    _set_level(root.level)
    structlog.configure(
        processors=_PROCESSORS,
        wrapper_class=_BoundLogger,
        logger_factory=_writer_factory,
        cache_logger_on_first_use=True,
    )
    _HANDLER.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    _HANDLER.stream = None  # the current sys.stdout
    root.handlers[:] = [_HANDLER]
    # uvicorn's access log is replaced by our own canonical request line.
    logging.getLogger("uvicorn.access").disabled = True
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    structlog.contextvars.bind_contextvars(service=service)
