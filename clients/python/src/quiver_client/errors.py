"""Exceptions raised by :mod:`quiver_client`.

Every failed request raises a subclass of :class:`QuiverError`. Errors that come from the server
keep its message unchanged (``str(error)``; gRPC's debugging context is dropped) and name the
Flight status in :attr:`QuiverError.code`; the original ``pyarrow`` exception is chained as
``__cause__``. The classes also derive from the closest built-in exception, so
``except LookupError`` catches :class:`NotFound` and ``except ValueError`` catches
:class:`InvalidRequest`.
"""

from __future__ import annotations

import re
from typing import ClassVar, Dict, Optional, Tuple, Type

import pyarrow as pa
import pyarrow.flight as flight

__all__ = [
    "QuiverError",
    "NotFound",
    "TableNotFound",
    "PathNotFound",
    "InvalidRequest",
    "InvalidFilter",
    "AlreadyExists",
    "ResourceExhausted",
    "Unavailable",
    "Unauthenticated",
    "PermissionDenied",
    "Cancelled",
    "TimedOut",
    "Unimplemented",
    "ServerError",
]


class QuiverError(Exception):
    """A request to a Quiver node failed.

    ``QuiverError(message, code=...)``: ``code`` defaults to the class's status; ``None`` marks a
    problem found by this client.

    Attributes:
        message: what went wrong, as the server (or this client) said it.
        code: the Flight/gRPC status name (``"NOT_FOUND"``, ``"INVALID_ARGUMENT"``, ...), or
            ``None`` for a problem this client found before sending anything.
    """

    default_code: ClassVar[Optional[str]] = None

    def __init__(self, message: str, *, code: Optional[str] = "") -> None:
        super().__init__(message)
        self.message = message
        self.code: Optional[str] = self.default_code if code == "" else code

    def __str__(self) -> str:
        return self.message


class NotFound(QuiverError, LookupError):
    """A table, namespace path, mount or file does not exist (``NOT_FOUND``)."""

    default_code = "NOT_FOUND"


class TableNotFound(NotFound):
    """The named table is not in the catalog."""


class PathNotFound(NotFound):
    """The namespace path is not under any mount, or names nothing."""


class InvalidRequest(QuiverError, ValueError):
    """The request is malformed: unknown column, bad filter or literal, bad action body, a file
    changed since the scan was planned, ... (``INVALID_ARGUMENT``)."""

    default_code: ClassVar[Optional[str]] = "INVALID_ARGUMENT"


class InvalidFilter(InvalidRequest):
    """A filter this client cannot encode (found before anything is sent; ``code`` is None)."""

    default_code: ClassVar[Optional[str]] = None


class AlreadyExists(QuiverError):
    """A table or mount of that name already exists (``ALREADY_EXISTS``)."""

    default_code = "ALREADY_EXISTS"


class ResourceExhausted(QuiverError):
    """The node's cache or SQL memory cannot hold what a request needs (``RESOURCE_EXHAUSTED``)."""

    default_code = "RESOURCE_EXHAUSTED"


class Unavailable(QuiverError, ConnectionError):
    """The node cannot be reached, is shutting down, or its storage failed (``UNAVAILABLE``)."""

    default_code = "UNAVAILABLE"


class Unauthenticated(QuiverError, PermissionError):
    """The node needs credentials (``UNAUTHENTICATED``)."""

    default_code = "UNAUTHENTICATED"


class PermissionDenied(QuiverError, PermissionError):
    """The caller, or the node towards its store, may not do this (``PERMISSION_DENIED``)."""

    default_code = "PERMISSION_DENIED"


class Cancelled(QuiverError):
    """The call was cancelled (``CANCELLED``)."""

    default_code = "CANCELLED"


class TimedOut(QuiverError, TimeoutError):
    """The call's deadline passed (``DEADLINE_EXCEEDED``)."""

    default_code = "DEADLINE_EXCEEDED"


class Unimplemented(QuiverError, NotImplementedError):
    """The node does not implement this call (``UNIMPLEMENTED``)."""

    default_code = "UNIMPLEMENTED"


class ServerError(QuiverError):
    """The node failed (``INTERNAL``, ``UNKNOWN`` and any other status): e.g. a corrupt file."""

    default_code = "INTERNAL"


_BY_CODE: Dict[str, Type[QuiverError]] = {
    "NOT_FOUND": NotFound,
    "INVALID_ARGUMENT": InvalidRequest,
    "FAILED_PRECONDITION": InvalidRequest,
    "OUT_OF_RANGE": InvalidRequest,
    "ALREADY_EXISTS": AlreadyExists,
    "RESOURCE_EXHAUSTED": ResourceExhausted,
    "UNAVAILABLE": Unavailable,
    "UNAUTHENTICATED": Unauthenticated,
    "PERMISSION_DENIED": PermissionDenied,
    "CANCELLED": Cancelled,
    "DEADLINE_EXCEEDED": TimedOut,
    "UNIMPLEMENTED": Unimplemented,
}

# How Arrow C++'s Flight client words each gRPC status (arrow/flight/transport/grpc).
_PHRASES = {
    "invalid argument": "INVALID_ARGUMENT",
    "timeout": "DEADLINE_EXCEEDED",
    "not found": "NOT_FOUND",
    "already exists": "ALREADY_EXISTS",
    "unauthenticated": "UNAUTHENTICATED",
    "unauthorized": "PERMISSION_DENIED",
    "unimplemented": "UNIMPLEMENTED",
    "unavailable": "UNAVAILABLE",
    "internal": "INTERNAL",
    "unknown": "UNKNOWN",
}
_GRPC_CODES = [
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
]
_RETURNED = re.compile(r"Flight returned (?P<kind>[a-z ]+?) error, with message: ", re.S)
_CANCELLED = re.compile(r"Flight cancelled call, with message: ", re.S)
_NUMBERED = re.compile(r"Flight failed with error code (?P<num>\d+) and message: ", re.S)
# Arrow appends these to the server's message; they help debugging gRPC, not the user.
_CONTEXT = re.compile(r"\.? ?(?:gRPC client debug context: |Client context: |Detail: )", re.S)

# When a message has no recognisable wording, the pyarrow exception class decides.
_BY_CLASS = [
    (flight.FlightUnavailableError, "UNAVAILABLE"),
    (flight.FlightTimedOutError, "DEADLINE_EXCEEDED"),
    (flight.FlightCancelledError, "CANCELLED"),
    (flight.FlightUnauthenticatedError, "UNAUTHENTICATED"),
    (flight.FlightUnauthorizedError, "PERMISSION_DENIED"),
    (flight.FlightInternalError, "INTERNAL"),
    (flight.FlightServerError, "INTERNAL"),
]


def _strip_context(message: str) -> str:
    m = _CONTEXT.search(message)
    return (message[: m.start()] if m else message).strip()


def parse_flight_error(error: BaseException) -> Optional[Tuple[str, str]]:
    """The (status name, server message) a pyarrow Flight exception carries, or None if ``error``
    is not a Flight status at all."""
    text = str(error)
    for pattern in (_RETURNED, _NUMBERED, _CANCELLED):
        m = pattern.search(text)
        if m is None:
            continue
        message = _strip_context(text[m.end() :])
        if pattern is _RETURNED:
            code = _PHRASES.get(m.group("kind"), "UNKNOWN")
        elif pattern is _NUMBERED:
            num = int(m.group("num"))
            code = _GRPC_CODES[num] if 0 <= num < len(_GRPC_CODES) else "UNKNOWN"
        else:
            code = "CANCELLED"
        return code, message
    for cls, code in _BY_CLASS:
        if isinstance(error, cls):
            message = text
            for prefix in ("Flight RPC failed with message: ",):
                if message.startswith(prefix):
                    message = message[len(prefix) :]
            return code, _strip_context(message)
    return None


def translate(
    error: BaseException, *, table: Optional[str] = None, path: Optional[str] = None
) -> BaseException:
    """The :class:`QuiverError` for a pyarrow Flight exception (``error`` itself for anything
    else). ``table``/``path`` say what the request named, to tell :class:`TableNotFound` and
    :class:`PathNotFound` from other missing things."""
    if isinstance(error, QuiverError):
        return error
    parsed = (
        parse_flight_error(error)
        if isinstance(error, (flight.FlightError, pa.ArrowException))
        else None
    )
    if parsed is None:
        return error
    code, message = parsed
    cls: Type[QuiverError] = _BY_CODE.get(code, ServerError)
    if cls is NotFound:
        if table is not None and table in message and "table" in message.lower():
            cls = TableNotFound
        elif path is not None and table is None:
            cls = PathNotFound
    return cls(message, code=code)
