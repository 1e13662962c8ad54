"""Tables of the S/4 tenant (prefix ``s4_``). State only; the rules live in the domain modules."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from trustbridge.security.admin import AdminAccountColumns
from trustbridge.storage.types import UTCDateTime, utcnow


class S4Base(DeclarativeBase):
    pass


class Tenant(S4Base):
    """The one S/4HANA Cloud tenant a database holds: its public host names and the local URL it is served on."""

    __tablename__ = "s4_tenant"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    name: Mapped[str] = mapped_column(String(63))  # e.g. my300000
    domain: Mapped[str] = mapped_column(String(255))  # e.g. s4hana.ondemand.com
    local_url: Mapped[str] = mapped_column(String(255))  # e.g. http://127.0.0.1:8082
    own_system_id: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CommunicationUser(S4Base):
    __tablename__ = "s4_communication_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_name: Mapped[str] = mapped_column(String(40), unique=True)
    description: Mapped[str] = mapped_column(String(255))
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    failed_logons: Mapped[int] = mapped_column(Integer, default=0)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    modified_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CommunicationSystem(S4Base):
    __tablename__ = "s4_communication_systems"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    system_id: Mapped[str] = mapped_column(String(40), unique=True)
    system_name: Mapped[str] = mapped_column(String(80))
    host_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    oauth2_idp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    saml_issuer: Mapped[str | None] = mapped_column(String(255), nullable=True, unique=True)
    user_id_mapping_mode: Mapped[str] = mapped_column(String(20), default="user_name")
    signing_certificate_der: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    signing_certificate_fingerprint: Mapped[str | None] = mapped_column(String(95), nullable=True)
    allow_sha1: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    modified_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    inbound_users: Mapped[list[InboundUser]] = relationship(
        back_populates="system", cascade="all, delete-orphan", order_by="InboundUser.id"
    )


class InboundUser(S4Base):
    """A communication user allowed inbound on a system, with one authentication method."""

    __tablename__ = "s4_inbound_users"
    __table_args__ = (UniqueConstraint("system_pk", "user_pk", "authentication_method", name="uq_s4_inbound_users"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    system_pk: Mapped[int] = mapped_column(ForeignKey("s4_communication_systems.id", ondelete="CASCADE"))
    user_pk: Mapped[int] = mapped_column(ForeignKey("s4_communication_users.id", ondelete="RESTRICT"))
    authentication_method: Mapped[str] = mapped_column(String(20))

    system: Mapped[CommunicationSystem] = relationship(back_populates="inbound_users")
    user: Mapped[CommunicationUser] = relationship()


class CommunicationArrangement(S4Base):
    __tablename__ = "s4_communication_arrangements"
    __table_args__ = (UniqueConstraint("scenario_id", "system_pk", name="uq_s4_arrangement_scenario_system"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    scenario_id: Mapped[str] = mapped_column(String(20))
    system_pk: Mapped[int | None] = mapped_column(
        ForeignKey("s4_communication_systems.id", ondelete="RESTRICT"), nullable=True
    )
    inbound_user_pk: Mapped[int | None] = mapped_column(
        ForeignKey("s4_communication_users.id", ondelete="RESTRICT"), nullable=True
    )
    authentication_method: Mapped[str | None] = mapped_column(String(20), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    modified_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    system: Mapped[CommunicationSystem | None] = relationship()
    inbound_user: Mapped[CommunicationUser | None] = relationship()


class BusinessRole(S4Base):
    __tablename__ = "s4_business_roles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    role_id: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    catalogs: Mapped[list[BusinessRoleCatalog]] = relationship(
        cascade="all, delete-orphan", order_by="BusinessRoleCatalog.catalog_id"
    )


class BusinessRoleCatalog(S4Base):
    __tablename__ = "s4_business_role_catalogs"

    role_pk: Mapped[int] = mapped_column(ForeignKey("s4_business_roles.id", ondelete="CASCADE"), primary_key=True)
    catalog_id: Mapped[str] = mapped_column(String(40), primary_key=True)


class BusinessUser(S4Base):
    __tablename__ = "s4_business_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_name: Mapped[str] = mapped_column(String(40), unique=True)
    email: Mapped[str | None] = mapped_column(String(241), nullable=True)
    global_user_id: Mapped[str | None] = mapped_column(String(255), nullable=True, unique=True)
    first_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    last_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    roles: Mapped[list[BusinessRole]] = relationship(
        secondary="s4_business_user_roles", order_by="BusinessRole.role_id"
    )


class BusinessUserRole(S4Base):
    __tablename__ = "s4_business_user_roles"

    user_pk: Mapped[int] = mapped_column(ForeignKey("s4_business_users.id", ondelete="CASCADE"), primary_key=True)
    role_pk: Mapped[int] = mapped_column(ForeignKey("s4_business_roles.id", ondelete="RESTRICT"), primary_key=True)


class S4Admin(AdminAccountColumns, S4Base):
    __tablename__ = "s4_admin_accounts"


class AccessToken(S4Base):
    """An opaque OAuth 2.0 access token, stored as its SHA-256 (the token itself is never kept)."""

    __tablename__ = "s4_access_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client: Mapped[str] = mapped_column(String(40))  # the communication user that authenticated
    business_user_pk: Mapped[int] = mapped_column(ForeignKey("s4_business_users.id", ondelete="CASCADE"))
    arrangement_pk: Mapped[int] = mapped_column(ForeignKey("s4_communication_arrangements.id", ondelete="CASCADE"))
    scopes: Mapped[str] = mapped_column(String(1000))  # space-separated scope IDs
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)

    business_user: Mapped[BusinessUser] = relationship()
    arrangement: Mapped[CommunicationArrangement] = relationship()


class UsedAssertion(S4Base):
    """One-time use of SAML assertions (RFC 7522 §3 item 7 lets the server refuse replays): issuer + ID until expiry.

    The primary key makes a replay fail at insert time in every process sharing the database.
    """

    __tablename__ = "s4_used_assertions"

    issuer: Mapped[str] = mapped_column(String(255), primary_key=True)
    assertion_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
