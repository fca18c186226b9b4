"""Infrastructure faults, typed: retryable (a dependency is away) against permanent (this message never works).

- Retryable: Postgres or Redis unavailable, restarting, read-only during a fail-over, out of memory, or a
  transaction that lost a race (serialisation failure, deadlock). The work is waited out with backoff and
  tried again; it never counts as a failed delivery, however long the outage lasts.
- Permanent: this one message can never be processed (it does not parse, or Postgres rejects its values).
  It goes to the dead letters with its reason, and its neighbours go on.
- Anything else is a bug: it is raised, so that the process ends visibly (a message that keeps crashing
  its consumer still reaches the dead letters through its delivery count).

Raise `Retryable` or `Permanent` from code of your own to say which one a new fault is.
"""

from __future__ import annotations

from pydantic import ValidationError
from redis.exceptions import ResponseError

from uptick_common.backoff import loaded_errors, transient_errors


class Retryable(Exception):  # noqa: N818 - the kind of fault is the name
    """A dependency is away: wait and try the same work again."""


class Permanent(Exception):  # noqa: N818
    """This message can never be processed: dead-letter it with this reason."""


# SQLSTATE classes (the first two characters) and codes where Postgres says "not now" rather than "never":
# connection exceptions, insufficient resources, operator intervention (shutdown, crash recovery),
# transaction rollback (serialisation failure, deadlock), lock not available, system errors.
_RETRYABLE_SQLSTATE_CLASSES = ("08", "53", "57", "40", "58")
_RETRYABLE_SQLSTATES = ("55P03", "55006")
# Data exceptions (a value out of range, a NUL in text, bad JSON), integrity violations and program limits
# (a NUL character in a statement's text, a value too large): the same values fail every time. A limit that a
# whole batch exceeds and its halves do not is found by narrowing the batch down, as ingest does.
_PERMANENT_SQLSTATE_CLASSES = ("22", "23", "54")
# The same, found by psycopg before the value reached the server (an int too large for its column); named, as
# the checker never loads these libraries (see `loaded_errors`).
_PERMANENT_ERRORS = (Permanent, ValidationError)
_PERMANENT_DB_ERRORS = (("psycopg", "DataError"), ("psycopg", "IntegrityError"), ("sqlalchemy.exc", "DataError"),
                        ("sqlalchemy.exc", "IntegrityError"))


def sqlstate(exc: BaseException) -> str | None:
    """The Postgres error code of a psycopg error, or of one SQLAlchemy wraps."""
    code = getattr(exc, "sqlstate", None) or getattr(getattr(exc, "orig", None), "sqlstate", None)
    return code if isinstance(code, str) else None


def is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, Retryable | TimeoutError | ResponseError):  # a Redis error reply: Redis refuses for now
        return True
    if (code := sqlstate(exc)) is not None:
        return code[:2] in _RETRYABLE_SQLSTATE_CLASSES or code in _RETRYABLE_SQLSTATES
    return isinstance(exc, transient_errors())


def is_permanent(exc: BaseException) -> bool:
    if isinstance(exc, _PERMANENT_ERRORS + loaded_errors(_PERMANENT_DB_ERRORS)):
        return True
    code = sqlstate(exc)
    return code is not None and code[:2] in _PERMANENT_SQLSTATE_CLASSES


def reason(exc: BaseException, limit: int = 500) -> str:
    """What a dead letter says about its fault: the kind and the message, never more than `limit` characters."""
    if isinstance(exc, ValidationError):
        text = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'data'}: {e['msg']}" for e in exc.errors())
    elif (orig := getattr(exc, "orig", None)) is not None:  # SQLAlchemy's text adds the statement: leave it out
        text = f"{type(orig).__name__}: {str(orig).splitlines()[0] if str(orig) else ''}"
    elif isinstance(exc, Permanent | ValueError):  # said by our own code, for a reader
        text = str(exc)
    else:
        text = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return text[:limit]
