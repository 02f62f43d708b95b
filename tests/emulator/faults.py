"""Fault injection and the request log (what controller-runtime's interceptor and an audit log give tests).

A `Fault` matches requests by verb/kind/name/namespace/subresource and answers with an error status,
a delay, or a dropped connection, for its first `times` matches (None = forever). With `after=True`
the request is carried out first and only the answer is lost, like a timeout after the server
committed the write.
"""

from __future__ import annotations

import dataclasses
from typing import Any

WRITE_VERBS = frozenset({"create", "update", "patch", "apply", "delete", "deletecollection"})

REASONS = {400: ("BadRequest", "the request is invalid (injected fault)"),
           403: ("Forbidden", "forbidden (injected fault)"),
           404: ("NotFound", "the server could not find the requested resource (injected fault)"),
           409: ("Conflict", "Operation cannot be fulfilled: the object has been modified; please apply your changes "
                             "to the latest version and try again (injected fault)"),
           410: ("Expired", "too old resource version (injected fault)"),
           422: ("Invalid", "the object is invalid (injected fault)"),
           429: ("TooManyRequests", "Too many requests, please try again later. (injected fault)"),
           500: ("InternalError", "Internal error occurred: injected fault"),
           503: ("ServiceUnavailable", "the server is currently unable to handle the request (injected fault)"),
           504: ("Timeout", "Timeout: request did not complete within the allowed duration (injected fault)")}


@dataclasses.dataclass
class RequestRecord:
    """One request as the server saw it. `verb` is the Kubernetes verb (apply is told apart from patch)."""
    method: str
    path: str
    query: dict[str, str]
    verb: str | None
    group: str | None = None
    version: str | None = None
    plural: str | None = None
    kind: str | None = None
    namespace: str | None = None
    name: str | None = None
    subresource: str | None = None
    body: Any = None
    content_type: str | None = None
    field_manager: str | None = None
    dry_run: bool = False
    status: int | None = None
    fault: "Fault | None" = None

    @property
    def is_write(self) -> bool:
        """A request that would change stored state (dry-run requests never do)."""
        return self.verb in WRITE_VERBS and not self.dry_run


class RequestLog(list):
    """The list of `RequestRecord`s with a few filters tests assert on."""

    def writes(self) -> list[RequestRecord]:
        return [r for r in self if r.is_write]

    def filter(self, *, verb: str | None = None, kind: str | None = None, name: str | None = None,
               namespace: str | None = None, subresource: str | None = "*") -> list[RequestRecord]:
        return [r for r in self
                if (verb is None or r.verb == verb) and (kind is None or kind in (r.kind, r.plural))
                and (name is None or r.name == name) and (namespace is None or r.namespace == namespace)
                and (subresource == "*" or r.subresource == subresource)]


@dataclasses.dataclass
class Fault:
    verb: str | None = None
    kind: str | None = None           # Kind, plural or short name ("Deployment", "deployments", "deploy")
    name: str | None = None
    namespace: str | None = None
    subresource: str | None = "*"     # "*" = any, None = only the main resource
    status: int | None = None         # answer with this error code
    message: str | None = None
    delay: float = 0.0                # seconds to stall (longer than the client timeout = a client timeout)
    drop: bool = False                # close the connection without an answer
    after: bool = False               # do the work first, then stall/fail/drop the answer
    times: int | None = 1             # how many matches to affect; None = all
    hits: int = 0

    def matches(self, record: RequestRecord, kind_names: set[str]) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        return ((self.verb is None or self.verb == record.verb
                 or (self.verb == "write" and record.verb in WRITE_VERBS))
                and (self.kind is None or self.kind.lower() in kind_names)
                and (self.name is None or self.name == record.name)
                and (self.namespace is None or self.namespace == record.namespace)
                and (self.subresource == "*" or self.subresource == record.subresource))

    def status_body(self) -> dict[str, Any]:
        code = self.status or 500
        reason, message = REASONS.get(code, ("InternalError", "injected fault"))
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": self.message or message, "reason": reason, "code": code,
                **({"details": {"retryAfterSeconds": 1}} if code == 429 else {})}
