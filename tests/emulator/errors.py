"""API errors rendered as `Status` objects, with the reasons and messages the real API server uses."""

from __future__ import annotations

from typing import Any


class StatusError(Exception):
    def __init__(self, code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                "message": self.message, "reason": self.reason, "code": self.code}
        if self.details is not None:
            body["details"] = self.details
        return body


def not_found(plural: str, name: str, group: str = "") -> StatusError:
    qualified = f"{plural}.{group}" if group else plural
    details = {"name": name, "kind": plural, **({"group": group} if group else {})}
    return StatusError(404, "NotFound", f'{qualified} "{name}" not found', details)


def resource_not_found() -> StatusError:
    return StatusError(404, "NotFound", "the server could not find the requested resource", {})


def already_exists(plural: str, name: str, group: str = "") -> StatusError:
    qualified = f"{plural}.{group}" if group else plural
    return StatusError(409, "AlreadyExists", f'{qualified} "{name}" already exists',
                       {"name": name, "group": group, "kind": plural})


def stale(plural: str, name: str, group: str = "") -> StatusError:
    qualified = f"{plural}.{group}" if group else plural
    return StatusError(409, "Conflict", f'Operation cannot be fulfilled on {qualified} "{name}": the object has been '
                       "modified; please apply your changes to the latest version and try again",
                       {"name": name, "group": group, "kind": plural})


def invalid(kind: str, name: str, causes: list[tuple[str, str]], group: str = "") -> StatusError:
    """causes: (field, message) pairs, e.g. ("spec.selector", "Invalid value: ...: field is immutable")."""
    text = ", ".join(f"{field}: {message}" for field, message in causes)
    qualified = f"{kind}.{group}" if group else kind
    return StatusError(422, "Invalid", f'{qualified} "{name}" is invalid: {text}', {
        "name": name, "group": group, "kind": kind,
        "causes": [{"reason": "FieldValueInvalid", "message": message, "field": field} for field, message in causes]})


def bad_request(message: str) -> StatusError:
    return StatusError(400, "BadRequest", message)


def forbidden(message: str, details: dict[str, Any] | None = None) -> StatusError:
    return StatusError(403, "Forbidden", message, details)


def gone(message: str) -> StatusError:
    return StatusError(410, "Expired", message)
