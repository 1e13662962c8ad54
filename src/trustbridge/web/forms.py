"""Reading a submitted form safely, and carrying what it said back into the page on error."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from fastapi import Request
from starlette.datastructures import FormData, UploadFile

from trustbridge.errors import DomainError
from trustbridge.web.csrf import CSRF_FIELD, check_csrf

MAX_FIELDS: Final = 400
MAX_FILES: Final = 1
MAX_PART_BYTES: Final = 256 * 1024  # the largest part we accept (a certificate upload is capped lower still)
GENERAL: Final = "_general"  # errors that concern no single field on the page


async def read_form(request: Request) -> FormData:
    """The POSTed form after the CSRF check (raises :class:`~trustbridge.web.csrf.CsrfFailed`)."""
    form = await request.form(max_files=MAX_FILES, max_fields=MAX_FIELDS, max_part_size=MAX_PART_BYTES)
    check_csrf(request, form.get(CSRF_FIELD))
    return form


def text(form: FormData, name: str) -> str:
    """A text field, stripped; ``""`` when absent (files count as absent)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def texts(form: FormData, name: str) -> list[str]:
    return [v.strip() if isinstance(v, str) else "" for v in form.getlist(name)]


def upload(form: FormData, name: str) -> UploadFile | None:
    value = form.get(name)
    return value if isinstance(value, UploadFile) and value.filename else None


@dataclass
class FormState:
    """What a re-rendered form shows: the submitted (non-secret) values and the errors per field."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add_error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def add_domain_error(
        self, error: DomainError, shown_fields: Iterable[str], aliases: Mapping[str, str] | None = None
    ) -> None:
        """Each rule broken goes next to its field; rules about fields the page does not show go on top."""
        shown = set(shown_fields)
        if not error.errors:
            self.add_error(GENERAL, error.message)
        for problem in error.errors:
            name = (aliases or {}).get(problem.field, problem.field)
            self.add_error(name if name in shown else GENERAL, problem.message)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)
