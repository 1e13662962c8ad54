"""``/api/users``: the subaccount's user directory (trustbridge's extension; SAP's users live in IAS).

``GET /api/users`` → JSON array; ``POST`` → 201 User; ``GET/PATCH/DELETE /api/users/{login}`` → User / User / 204.
User = ``{login, email, user_uuid, first_name, last_name, groups}``; ``password`` is write-only (required in
POST). A body that is not a JSON object, a field of the wrong type or an unknown field is a 400, as is every
broken rule (the subaccount answers 400 for invalid input, ``docs/api.md``); 404 unknown login, 409 taken login
or user UUID. Each write is one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from trustbridge.subaccount import users
from trustbridge.subaccount.api.auth import require_principal
from trustbridge.subaccount.api.bodies import BadRequest, json_object_body
from trustbridge.subaccount.api.context import ServiceContext, get_context
from trustbridge.subaccount.users import UNSET, Unset, UserChanges

router = APIRouter(prefix="/api/users", dependencies=[Depends(require_principal)])

CREATE_FIELDS = ("login", "email", "user_uuid", "first_name", "last_name", "groups", "password")
PATCH_FIELDS = ("login", "email", "user_uuid", "first_name", "last_name", "groups", "password")


class _Fields:
    """Typed reads of a JSON object's fields; wrong types and unknown fields are collected, then one 400."""

    def __init__(self, body: dict[str, object], allowed: Iterable[str]) -> None:
        self.body: dict[str, object] = body
        self.problems: list[str] = []
        names = tuple(allowed)
        for key in body:
            if key not in names:
                self.problems.append(f"unknown field '{key}' (allowed: {', '.join(names)})")

    def _wrong(self, name: str, expected: str) -> None:
        self.problems.append(f"field '{name}' must be {expected}")

    def string(self, name: str) -> str | Unset:
        if name not in self.body:
            return UNSET
        value = self.body[name]
        if not isinstance(value, str):
            self._wrong(name, "a string")
            return UNSET
        return value

    def nullable_string(self, name: str) -> str | Unset | None:
        if name not in self.body:
            return UNSET
        value = self.body[name]
        if value is not None and not isinstance(value, str):
            self._wrong(name, "a string or null")
            return UNSET
        return value

    def strings(self, name: str) -> list[str] | Unset:
        if name not in self.body:
            return UNSET
        value = self.body[name]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self._wrong(name, "a list of strings")
            return UNSET
        return list(value)

    def done(self) -> None:
        if self.problems:
            raise BadRequest("Bad Request: " + "; ".join(self.problems))


def _or(value: str | Unset, default: str) -> str:
    return default if isinstance(value, Unset) else value


@router.get("")
def list_users(context: ServiceContext = Depends(get_context)) -> JSONResponse:
    with context.db.read() as session:
        found = users.list_users(session)
    return JSONResponse([user.as_dict() for user in found])


@router.post("")
def create_user(
    body: dict[str, object] = Depends(json_object_body), context: ServiceContext = Depends(get_context)
) -> JSONResponse:
    fields = _Fields(body, CREATE_FIELDS)
    login = fields.string("login")
    email = fields.string("email")
    user_uuid = fields.string("user_uuid")
    first_name = fields.nullable_string("first_name")
    last_name = fields.nullable_string("last_name")
    groups = fields.strings("groups")
    password = fields.string("password")
    fields.done()
    with context.db.transaction() as session:
        created = users.create_user(
            session,
            login=_or(login, ""),
            email=_or(email, ""),
            password=_or(password, ""),
            user_uuid=None if isinstance(user_uuid, Unset) else user_uuid,
            first_name=None if isinstance(first_name, Unset) else first_name,
            last_name=None if isinstance(last_name, Unset) else last_name,
            groups=[] if isinstance(groups, Unset) else groups,
        )
    return JSONResponse(created.as_dict(), status_code=201)


@router.get("/{login}")
def get_user(login: str, context: ServiceContext = Depends(get_context)) -> dict[str, Any]:
    with context.db.read() as session:
        return users.get_user(session, login).as_dict()


@router.patch("/{login}")
def update_user(
    login: str, body: dict[str, object] = Depends(json_object_body), context: ServiceContext = Depends(get_context)
) -> dict[str, Any]:
    fields = _Fields(body, PATCH_FIELDS)
    new_login = fields.string("login")
    changes = UserChanges(
        email=fields.string("email"),
        user_uuid=fields.string("user_uuid"),
        first_name=fields.nullable_string("first_name"),
        last_name=fields.nullable_string("last_name"),
        groups=fields.strings("groups"),
        password=fields.string("password"),
    )
    fields.done()
    with context.db.transaction() as session:
        current = users.require_user(session, login)
        if not isinstance(new_login, Unset) and new_login != current.login:
            raise BadRequest(f"The login of user '{current.login}' cannot be changed (got '{new_login}')")
        return users.update_user(session, login, changes).as_dict()


@router.delete("/{login}")
def delete_user(login: str, context: ServiceContext = Depends(get_context)) -> Response:
    with context.db.transaction() as session:
        users.delete_user(session, login)
    return Response(status_code=204)
