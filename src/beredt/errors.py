"""One error hierarchy for everything a user or a client can act on (DESIGN.md §1).

Every error that reports a problem with the request, the data or the database derives from
:class:`BeredtError`; its :attr:`~BeredtError.kind` says what sort of problem it is, and each
interface turns that into its own answer in one place: the command line into one ``error:`` line
and an exit code, the API into an HTTP status and a structured body. Pure Python, no I/O, so that
the store, the importers and the analytics can raise these without depending on any interface.
"""

from __future__ import annotations

from typing import Any, ClassVar


class BeredtError(Exception):
    """Base of every error whose message says what was wrong and what to do."""

    #: What sort of problem: invalid, not_found, conflict, unavailable, unauthenticated,
    #: forbidden, rate_limited (the API maps each to one HTTP status).
    kind: ClassVar[str] = "invalid"
    #: Exit code of the command line (2: bad input, 3: the database, 1: anything else).
    exit_code: ClassVar[int] = 1

    def details(self) -> list[dict[str, Any]]:
        """Each problem in one place (file or field, line, reason); empty when the message says it."""
        return []


class InvalidInput(BeredtError):
    """Input that cannot be used as given (a value, a file, a parameter)."""

    kind = "invalid"
    exit_code = 2


class NotFound(BeredtError):
    """Something named that does not exist (or that the caller may not see)."""

    kind = "not_found"


class Conflict(BeredtError):
    """A request that the current state refuses (e.g. a second import without replace)."""

    kind = "conflict"


class Unavailable(BeredtError):
    """The database cannot be opened or reached."""

    kind = "unavailable"
    exit_code = 3


class Unauthenticated(BeredtError):
    """No valid credentials (token, session or password)."""

    kind = "unauthenticated"


class Forbidden(BeredtError):
    """Credentials that do not allow this action."""

    kind = "forbidden"


class RateLimited(BeredtError):
    """Too many attempts in a short time (login); try again later."""

    kind = "rate_limited"

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds
