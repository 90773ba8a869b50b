"""The one histkg error hierarchy and its one JSON error format.

Every expected failure is a ``HistkgError`` carrying what a user needs: a stable ``code`` for
programs, a ``message`` that is safe to show (never a traceback), an optional ``hint`` saying how
to fix it, the HTTP status the web layer answers with and the exit code the CLI ends with. Both
layers render errors only through ``to_dict()``/``message``, so the format cannot drift.
"""

from typing import Any


class HistkgError(Exception):
    """Base of every expected histkg failure."""

    code: str = "histkg_error"
    http_status: int = 500
    exit_code: int = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def to_dict(self) -> dict[str, Any]:
        """Return the one JSON error body: ``{"error": {"code", "message", "hint"}}``."""
        return {"error": {"code": self.code, "message": self.message, "hint": self.hint}}

    def __str__(self) -> str:
        return self.message if self.hint is None else f"{self.message}\nHint: {self.hint}"


class InternalError(HistkgError):
    """An unexpected failure, reported without details so nothing internal leaks to a client."""

    code = "internal_error"

    def __init__(self) -> None:
        super().__init__(
            "Internal server error.", hint="Retry later; the server log has the details."
        )


class HttpError(HistkgError):
    """An HTTP-level refusal (unknown route, wrong method) in the one error format."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.http_status = status
        self.code = f"http_{status}"


class StoreError(HistkgError):
    """The store cannot be opened, read or written (a lock, permissions, a bad location)."""

    code = "store_error"
    http_status = 503
    exit_code = 2


class StoreBusy(StoreError):
    """Another process (``histkg serve``) holds the embedded store; commands that only read
    can open it read-only instead."""


class InputError(HistkgError):
    """The user gave something unusable: a missing file, an unknown extension, a bad option."""

    code = "bad_input"
    http_status = 400
    exit_code = 1


class RdfParseError(InputError):
    """An RDF file could not be parsed; nothing from the batch it belongs to was written."""

    code = "rdf_parse_error"

    def __init__(
        self,
        file: str,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.column = column
        position = "".join(f":{n}" for n in (line, column) if n is not None)
        super().__init__(
            f"{file}{position}: {message}",
            hint=hint or "Fix the file and load again; the store was left unchanged.",
        )


class QueryError(HistkgError):
    """A SPARQL query is malformed or missing."""

    code = "query_error"
    http_status = 400
    exit_code = 1


class QueryTimeout(HistkgError):
    """A SPARQL query ran longer than the configured ``query_timeout``."""

    code = "query_timeout"
    http_status = 503
    exit_code = 1


class ValidationTimeout(HistkgError):
    """Checking a write against the shapes took longer than ``write_timeout``."""

    code = "validation_timeout"
    http_status = 503
    exit_code = 1


class UpdateNotAllowed(HistkgError):
    """A SPARQL Update was sent to the read-only endpoint."""

    code = "update_not_allowed"
    http_status = 403
    exit_code = 1


class ValidationRunError(HistkgError):
    """Validation could not run at all (as opposed to data that does not conform)."""

    code = "validation_run_error"
    http_status = 500
    exit_code = 2


class WikidataError(HistkgError):
    """The Wikidata API could not be used: unreachable, refusing, or answering nonsense."""

    code = "wikidata_error"
    http_status = 502
    exit_code = 2


class NotAcceptable(HistkgError):
    """None of the formats the client accepts can hold the answer."""

    code = "not_acceptable"
    http_status = 406
    exit_code = 1


class UnsupportedMediaType(HistkgError):
    """A request body of a type (or charset) the endpoint does not read."""

    code = "unsupported_media_type"
    http_status = 415
    exit_code = 1


class NotFound(HistkgError):
    """The graph has nothing at the address asked for (an unknown entity IRI, say)."""

    code = "not_found"
    http_status = 404
    exit_code = 1


class Unauthorized(HistkgError):
    """A write without a usable bearer token (none, or not of the form ``Bearer <token>``)."""

    code = "unauthorized"
    http_status = 401
    exit_code = 1


class Forbidden(HistkgError):
    """A write with a well-formed bearer token that is not one of the configured ones."""

    code = "forbidden"
    http_status = 403
    exit_code = 1


class ShaclViolation(HistkgError):
    """A write whose result does not conform to the shapes; nothing was written."""

    code = "shacl_violation"
    http_status = 422
    exit_code = 1

    def __init__(self, message: str, report: dict[str, Any], *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.report = report

    def to_dict(self) -> dict[str, Any]:
        """The one error body, plus the SHACL report under ``error.report``."""
        body = super().to_dict()
        body["error"]["report"] = self.report
        return body


class PayloadTooLarge(HistkgError):
    """A request body larger than ``HISTKG_MAX_REQUEST_BYTES``."""

    code = "payload_too_large"
    http_status = 413
    exit_code = 1


class TooManyRequests(HistkgError):
    """A client sent more requests than ``HISTKG_RATE_LIMIT`` allows."""

    code = "too_many_requests"
    http_status = 429
    exit_code = 1


class PreconditionFailed(HistkgError):
    """A write sent with ``If-Match`` whose revision is no longer the current one."""

    code = "precondition_failed"
    http_status = 412
    exit_code = 1

    def __init__(self, message: str, current: int | None, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.current = current

    def to_dict(self) -> dict[str, Any]:
        """The one error body, plus the current revision under ``error.current``."""
        body = super().to_dict()
        body["error"]["current"] = self.current
        return body


class Conflict(HistkgError):
    """A change that later revisions built on (a revert of a revision that is not the last)."""

    code = "conflict"
    http_status = 409
    exit_code = 1


class RequestTimeout(HistkgError):
    """A request body that did not arrive within ``HISTKG_BODY_TIMEOUT``."""

    code = "request_timeout"
    http_status = 408
    exit_code = 1


class HeadersTooLarge(HistkgError):
    """A request line and headers larger than ``HISTKG_MAX_HEADER_BYTES``."""

    code = "headers_too_large"
    http_status = 431
    exit_code = 1


class NotReady(HistkgError):
    """Something built once per store state (the browser's facets, the reconciliation index)
    is still being built: a request waits for it a bounded time, then gets this rather than
    hanging."""

    code = "not_ready"
    http_status = 503
    exit_code = 2


class QueryMemory(HistkgError):
    """A query that needed more memory than ``HISTKG_QUERY_MEMORY`` gives a query worker."""

    code = "query_memory"
    http_status = 503
    exit_code = 1


class ResultTooLarge(HistkgError):
    """A query answer larger than ``HISTKG_MAX_RESULT_BYTES`` once serialized."""

    code = "result_too_large"
    http_status = 400
    exit_code = 1
