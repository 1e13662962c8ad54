"""Domain errors shared by every service.

Domain functions raise these; each service's HTTP layer maps them to its own protocol's error format
(SAP's ``{"ErrorMessage": …}`` on the Destination service, OData V4 ``{"error": …}`` on the S/4 tenant),
and the web pages show ``FieldError.message`` next to the field named by ``FieldError.field``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One broken rule: which input field, a stable machine code, and a sentence for people."""

    field: str
    code: str
    message: str


class DomainError(Exception):
    """Base class: a request that breaks a rule. Raising it rolls the transaction back."""

    status = 400

    def __init__(self, message: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors: list[FieldError] = errors or []


class ValidationFailed(DomainError):
    """One or more fields break a documented (or recorded) rule."""

    status = 422

    @classmethod
    def one(cls, field: str, code: str, message: str) -> ValidationFailed:
        return cls(message, [FieldError(field, code, message)])


class NotFound(DomainError):
    """The object named in the request does not exist."""

    status = 404


class Conflict(DomainError):
    """The request collides with existing state (uniqueness, an object still in use)."""

    status = 409

    @classmethod
    def one(cls, field: str, code: str, message: str) -> Conflict:
        return cls(message, [FieldError(field, code, message)])


class Collector:
    """Gathers field errors so that one request reports every broken rule at once."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field: str, code: str, message: str) -> None:
        self.errors.append(FieldError(field, code, message))

    def raise_if_any(self, summary: str = "The request breaks one or more rules") -> None:
        if self.errors:
            message = self.errors[0].message if len(self.errors) == 1 else summary
            raise ValidationFailed(message, list(self.errors))
