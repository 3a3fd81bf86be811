"""The database away (restart, failover, pool exhausted) is a 503 with Retry-After, never a 500.

Authentication already says 503 when it cannot check a token (allo/auth/deps.py); this covers every route after
it: a handler reading or writing PostgreSQL while it is down. Errors that are not about reaching the database
(an integrity error, a bug) stay 500s, except a value PostgreSQL refuses to hold or compare (data exception, SQLSTATE
class 22: a NUL byte in a text, a number out of range), which came from the request: 422.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc

from allo.db.errors import database_away, value_refused

log = logging.getLogger(__name__)

RETRY_AFTER_S = 5


def install(app: FastAPI) -> None:
    async def unavailable(request: Request, exc: Exception) -> JSONResponse:
        if value_refused(exc):
            # Not the exception's text: it holds the statement's parameters (personal data).
            log.warning("%s %s: a value the database refuses (SQLSTATE %s)", request.method, request.url.path,
                        getattr(getattr(exc, "orig", None), "sqlstate", "?"))
            return JSONResponse({"detail": "a value in the request cannot be stored or looked up (NUL byte, number "
                                           "out of range...)"}, status_code=422)
        if not database_away(exc):
            raise exc
        log.warning("%s %s: database unavailable (%s)", request.method, request.url.path, type(exc).__name__)
        return JSONResponse({"detail": "the database is unavailable right now; retry shortly"}, status_code=503,
                            headers={"Retry-After": str(RETRY_AFTER_S)})

    for kind in (sa_exc.DBAPIError, sa_exc.TimeoutError, OSError, TimeoutError):
        app.add_exception_handler(kind, unavailable)

