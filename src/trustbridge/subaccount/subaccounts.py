"""The one subaccount a landscape database holds: lookup and its public description.

BTP identifies a subaccount by a GUID and gives it a subdomain and a region (research §C, §D); trustbridge keeps
exactly one per database (``docs/decisions.md``), so domain functions find it without an id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from trustbridge.errors import NotFound
from trustbridge.subaccount.models import Subaccount

# BTP region identifiers as they appear in hosts such as ``cfapps.eu10.hana.ondemand.com`` (research §D; the
# spec's server list: eu10, us21, ap10, …).
REGION_PATTERN = re.compile(r"[a-z]{2}\d{2}")
# A subdomain is a DNS label (RFC 1123): it becomes ``<subdomain>.authentication.<region>…`` in BTP hosts.
SUBDOMAIN_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


@dataclass(frozen=True)
class SubaccountInfo:
    """What callers may know about the subaccount (no secrets)."""

    id: str
    subdomain: str
    region: str
    trust_key_size: int


def find_subaccount(session: Session) -> Subaccount | None:
    """The subaccount row, or ``None`` before ``bootstrap`` ran."""
    return session.scalars(select(Subaccount).order_by(Subaccount.created_at).limit(1)).first()


def current_subaccount(session: Session) -> Subaccount:
    """The subaccount row; :class:`NotFound` when the landscape has not been bootstrapped."""
    subaccount = find_subaccount(session)
    if subaccount is None:
        raise NotFound("The subaccount does not exist yet; run 'trustbridge up' to create it")
    return subaccount


def subaccount_info(session: Session) -> SubaccountInfo:
    row = current_subaccount(session)
    return SubaccountInfo(row.id, row.subdomain, row.region, row.trust_key_size)
