"""The domain errors of the account services; routers turn them into HTTP answers (`http_error`)."""

from __future__ import annotations

from fastapi import HTTPException, status


class NotFound(Exception):
    """Absent, or another organization's: the same answer, so that ids cannot be probed."""


class Conflict(Exception):
    """The change would break a rule (the last owner, a personal organization, a used invitation)."""


class Forbidden(Exception):
    """The caller's role cannot do this to this member (an admin changing an owner, say)."""


def http_error(exc: Exception, what: str = "not found") -> HTTPException:
    if isinstance(exc, NotFound):
        return HTTPException(status.HTTP_404_NOT_FOUND, what)
    if isinstance(exc, Forbidden):
        return HTTPException(status.HTTP_403_FORBIDDEN, str(exc))
    return HTTPException(status.HTTP_409_CONFLICT, str(exc))


DOMAIN_ERRORS = (NotFound, Conflict, Forbidden)
