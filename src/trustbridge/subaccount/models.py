"""Tables of the subaccount service (prefix ``sa_``). State only; the rules live in the domain modules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from trustbridge.security.admin import AdminAccountColumns
from trustbridge.storage.types import UTCDateTime, utcnow


class SubaccountBase(DeclarativeBase):
    pass


class Subaccount(SubaccountBase):
    __tablename__ = "sa_subaccounts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # GUID, as BTP's
    subdomain: Mapped[str] = mapped_column(String(63))
    region: Mapped[str] = mapped_column(String(16))  # e.g. eu10
    trust_key_size: Mapped[int] = mapped_column(Integer, default=4096)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TrustKeyPair(SubaccountBase):
    """A signing key pair with its self-signed certificate; role ``active`` signs, ``passive`` waits."""

    __tablename__ = "sa_trust_keypairs"
    __table_args__ = (UniqueConstraint("subaccount_id", "role", name="uq_sa_trust_keypairs_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subaccount_id: Mapped[str] = mapped_column(ForeignKey("sa_subaccounts.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(8))
    private_key_encrypted: Mapped[str] = mapped_column(Text)  # Fernet token over the PKCS#8 PEM
    certificate_pem: Mapped[str] = mapped_column(Text)
    subject_cn: Mapped[str] = mapped_column(String(255))
    sha256_fingerprint: Mapped[str] = mapped_column(String(95))
    not_before: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    not_after: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Destination(SubaccountBase):
    """A subaccount-level destination: every property as given, secrets encrypted apart."""

    __tablename__ = "sa_destinations"
    __table_args__ = (UniqueConstraint("subaccount_id", "name", name="uq_sa_destinations_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subaccount_id: Mapped[str] = mapped_column(ForeignKey("sa_subaccounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    properties: Mapped[dict[str, Any]] = mapped_column(JSON)  # non-secret properties, as given
    secrets_encrypted: Mapped[str | None] = mapped_column(Text, nullable=True)  # Fernet(JSON of secret props)
    revision: Mapped[int] = mapped_column(Integer, default=1)  # bumps on every change (ETag, token cache key)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    modified_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SubaccountUser(SubaccountBase):
    """A person of the subaccount's user directory: trustbridge's stand-in for an Identity Authentication user.

    ``login`` is the logon name (``user_name`` in the user's JWT); ``user_uuid`` is IAS's *Global User ID*
    (``user_uuid`` claim), which S/4 maps onto a business user's Global User ID (research §H).
    """

    __tablename__ = "sa_users"
    __table_args__ = (
        UniqueConstraint("subaccount_id", "login", name="uq_sa_users_login"),
        UniqueConstraint("user_uuid", name="uq_sa_users_user_uuid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subaccount_id: Mapped[str] = mapped_column(ForeignKey("sa_subaccounts.id", ondelete="CASCADE"))
    login: Mapped[str] = mapped_column(String(128))
    email: Mapped[str] = mapped_column(String(254))
    user_uuid: Mapped[str] = mapped_column(String(36))
    first_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    last_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class JwtSigningKey(SubaccountBase):
    """A key of the subaccount's authorization server (XSUAA-like): RS256, published in ``/token_keys``.

    One key is ``active`` (signs new tokens); rotated-out keys keep verifying until ``retired_at`` plus the
    longest token validity has passed (``trustbridge.subaccount.xsuaa.keys``). ``kid`` = RFC 7638 thumbprint.
    """

    __tablename__ = "sa_jwt_keys"
    __table_args__ = (
        UniqueConstraint("kid", name="uq_sa_jwt_keys_kid"),
        # at most one active key per subaccount, also against two concurrent rotations
        Index(
            "uq_sa_jwt_keys_active",
            "subaccount_id",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subaccount_id: Mapped[str] = mapped_column(ForeignKey("sa_subaccounts.id", ondelete="CASCADE"))
    kid: Mapped[str] = mapped_column(String(64))
    private_key_encrypted: Mapped[str] = mapped_column(Text)  # Fernet token over the PKCS#8 PEM
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)  # kty, n, e (no private members)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ServiceBinding(SubaccountBase):
    """A service key of a service instance (BTP's binding credentials), an OAuth client of the authorization server.

    The client secret is kept twice: an argon2id hash that authenticates, and the cleartext encrypted with
    ``SecretBox`` so that ``trustbridge binding`` can print the credentials as BTP's cockpit shows a service key.
    """

    __tablename__ = "sa_service_bindings"
    __table_args__ = (
        UniqueConstraint("subaccount_id", "name", name="uq_sa_service_bindings_name"),
        UniqueConstraint("clientid", name="uq_sa_service_bindings_clientid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subaccount_id: Mapped[str] = mapped_column(ForeignKey("sa_subaccounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    service: Mapped[str] = mapped_column(String(64))  # "destination"
    clientid: Mapped[str] = mapped_column(String(255))
    clientsecret_hash: Mapped[str] = mapped_column(String(255))
    clientsecret_encrypted: Mapped[str] = mapped_column(Text)
    token_validity: Mapped[int] = mapped_column(Integer, default=43200)  # seconds, XSUAA's default
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SubaccountAdmin(AdminAccountColumns, SubaccountBase):
    __tablename__ = "sa_admin_accounts"
