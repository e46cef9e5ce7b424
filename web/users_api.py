"""``/api/v1/users`` (org admins; operators for every org) and ``/api/v1/keys`` (own keys).

Operators act on every org: they list (``?org_id=``), create (``"org_id"``) and change its
users, and mint and revoke its users' keys. An admin naming another org gets the 404 of a
missing one.

An admin cannot create, promote or mint keys for an operator (403); the last enabled admin
of an org cannot be demoted or disabled (409, ``core.access``). Every change is written to
the audit log in its transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from flask import Blueprint, Response, request
from pydantic import AfterValidator, ConfigDict, Field, StrictBool
from spectree import Response as SpecResponse
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core import access
from models import ApiKey, User
from web import responses
from web.auth import (
    ROLE_RANK,
    Principal,
    create_key,
    named_org,
    owned,
    principal,
    require_role,
)
from web.errors import ApiError, not_found
from web.ext import db
from web.http import json_response
from web.idempotency import secret_fields, transactional
from web.pagination import paginate
from web.schemas import Email, Id, Moment, Str, Strict
from web.spec import may_answer, returns, spec

bp = Blueprint("access", __name__)
DUPLICATE = "the organization has a user with this email already"
Role = Literal["member", "admin", "operator"]


def _future(value: datetime) -> datetime:
    if value <= datetime.now(UTC):
        raise ValueError("must be in the future")
    return value


class ListQuery(Strict):
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[Str, Field(max_length=512)] | None = None


class UserListQuery(ListQuery):
    org_id: Id | None = None


class UserIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"email": "grace@acme.example", "role": "member"}]}
    )

    email: Annotated[Email, AfterValidator(str.lower)] = Field(
        description="stored in lower case; unique within the organization"
    )
    role: Role = "member"
    org_id: Id | None = Field(
        default=None, description="the user's organization (operators; default: the caller's)"
    )


class UserPatch(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"role": "admin"}]})

    role: Role | None = None
    disabled: StrictBool | None = None


class KeyListQuery(ListQuery):
    user_id: Id | None = None


class KeyIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"name": "nightly sync", "expires_at": "2099-01-01T00:00:00Z"}]
        }
    )

    name: Annotated[Str, Field(max_length=100)] = ""
    user_id: Id | None = None
    expires_at: Annotated[Moment, AfterValidator(_future)] | None = None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def user_to_dict(user: User) -> dict[str, Any]:
    """The public view of a user."""
    return {
        "id": user.id,
        "org_id": user.org_id,
        "email": user.email,
        "role": user.role,
        "disabled": user.disabled_at is not None,
        "disabled_at": _iso(user.disabled_at),
        "created_at": _iso(user.created_at),
        "updated_at": _iso(user.updated_at),
    }


def key_to_dict(key: ApiKey) -> dict[str, Any]:
    """The public view of an API key (never its hash; the key itself only on creation)."""
    return {
        "id": key.id,
        "name": key.name,
        "prefix": key.prefix,
        "user_id": key.user_id,
        "created_at": _iso(key.created_at),
        "last_used_at": _iso(key.last_used_at),
        "expires_at": _iso(key.expires_at),
        "revoked_at": _iso(key.revoked_at),
    }


def _is_operator(who: Principal) -> bool:
    return who.role == "operator"


def _may_grant(who: Principal, role: str) -> None:
    """403 unless ``who`` may give (or act on a user holding) ``role``."""
    if ROLE_RANK[role] > ROLE_RANK[who.role]:
        raise ApiError(403, f"only an operator may manage the {role} role")


def _user(user_id: int) -> User:
    """A user of the caller's org (any org for an operator), or 404."""
    who = principal()
    return owned(User, user_id, "user", any_org=_is_operator(who))


@bp.get("/users")
@may_answer(404)  # ?org_id= of no org (any org but their own, for an admin)
@returns(responses.UserPage)
@spec.validate(query=UserListQuery, tags=["access"])
@require_role("admin")
def list_users() -> Response:
    q: UserListQuery = request.context.query  # type: ignore[attr-defined]
    who = principal()
    stmt = select(User)
    if not _is_operator(who) or q.org_id is not None:
        stmt = stmt.where(User.org_id == named_org(q.org_id))
    rows, cursor = paginate(db(), stmt, model=User, sort="id", limit=q.limit, cursor=q.cursor)
    return json_response({"items": [user_to_dict(u) for u in rows], "next_cursor": cursor})


@bp.post("/users")
@may_answer(404)  # "org_id" of no org (any org but their own, for an admin)
@returns(responses.User, status=201)
@spec.validate(json=UserIn, tags=["access"], resp=SpecResponse(HTTP_201=None))
@require_role("admin")
@transactional
def create_user() -> Response:
    body: UserIn = request.context.json  # type: ignore[attr-defined]
    who = principal()
    _may_grant(who, body.role)
    org_id = named_org(body.org_id)
    session = db()
    # Only the org's own users are compared: another org's answer would tell an admin that
    # the address is registered somewhere else.
    if session.scalar(
        select(func.count()).where(User.org_id == org_id, access.email_is(body.email))
    ):
        raise ApiError(409, DUPLICATE)
    user = User(org_id=org_id, email=body.email, role=body.role)
    session.add(user)
    try:
        session.flush()
    except IntegrityError:  # a concurrent create with the same email in the org
        raise ApiError(409, DUPLICATE) from None
    access.user_created(session, user, actor_id=who.user_id)
    session.refresh(user)
    return json_response(user_to_dict(user), 201)


@bp.patch("/users/<id:user_id>")
@returns(responses.User)
@spec.validate(json=UserPatch, tags=["access"])
@require_role("admin")
@transactional
def update_user(user_id: int) -> Response:
    body: UserPatch = request.context.json  # type: ignore[attr-defined]
    who = principal()
    user = _user(user_id)
    _may_grant(who, user.role)
    if body.role is not None:
        _may_grant(who, body.role)
    try:
        changes = access.change_user(
            db(), user, role=body.role, disabled=body.disabled, actor_id=who.user_id
        )
    except access.LastAdmin as exc:
        raise ApiError(409, str(exc)) from None
    if changes:
        db().refresh(user)
    return json_response(user_to_dict(user))


def _key_owner(user_id: int | None) -> User:
    """The user whose keys the caller means: themself, or (admins) a user of their org."""
    who = principal()
    if user_id is None or user_id == who.user_id:
        user = db().get(User, who.user_id)
        assert user is not None  # it just authenticated
        return user
    if ROLE_RANK[who.role] < ROLE_RANK["admin"]:
        raise ApiError(403, "only an admin may manage another user's keys")
    return _user(user_id)


@bp.get("/keys")
@may_answer(404)  # ?user_id= of no user in the org
@returns(responses.ApiKeyPage)
@spec.validate(query=KeyListQuery, tags=["access"])
def list_keys() -> Response:
    q: KeyListQuery = request.context.query  # type: ignore[attr-defined]
    owner = _key_owner(q.user_id)
    stmt = select(ApiKey).where(ApiKey.user_id == owner.id)
    rows, cursor = paginate(db(), stmt, model=ApiKey, sort="id", limit=q.limit, cursor=q.cursor)
    return json_response({"items": [key_to_dict(k) for k in rows], "next_cursor": cursor})


@bp.post("/keys")
@may_answer(404)  # "user_id" of no user in the org
@returns(responses.NewApiKey, status=201)
@spec.validate(json=KeyIn, tags=["access"], resp=SpecResponse(HTTP_201=None))
@transactional
def create_api_key() -> Response:
    body: KeyIn = request.context.json  # type: ignore[attr-defined]
    who = principal()
    owner = _key_owner(body.user_id)
    _may_grant(who, owner.role)
    if owner.disabled_at is not None:
        raise ApiError(409, "the user is disabled")
    session = db()
    row, key = create_key(session, owner, name=body.name, expires_at=body.expires_at)
    access.key_created(session, row, owner, actor_id=who.user_id)
    session.refresh(row)
    # The only time the key is shown; a replay of this request shows the row without it.
    secret_fields("key")
    return json_response({**key_to_dict(row), "key": key}, 201)


@bp.delete("/keys/<id:key_id>")
@spec.validate(tags=["access"], resp=SpecResponse(HTTP_204=None))
@transactional
def revoke_key(key_id: int) -> Response:
    who = principal()
    session = db()
    row = session.get(ApiKey, key_id)
    if row is None:
        raise not_found("API key")
    if row.user_id != who.user_id:
        owner = session.get(User, row.user_id)
        mine = owner is not None and (owner.org_id == who.org_id or _is_operator(who))
        if owner is None or not mine or ROLE_RANK[who.role] < ROLE_RANK["admin"]:
            raise not_found("API key")
        _may_grant(who, owner.role)
    access.revoke_key(session, row, actor_id=who.user_id)
    return Response(status=204)
