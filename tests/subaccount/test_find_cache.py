"""``find_destination`` reuses what it decrypted only while the destination's state is unchanged.

One indexed query per find reads identity, revision, subaccount and the active certificate's fingerprint; a
changed, deleted-and-recreated or re-certified destination is seen by the very next find.
"""

from __future__ import annotations

import pytest

from trustbridge.config import Settings
from trustbridge.errors import NotFound
from trustbridge.pki.encryption import SecretBox
from trustbridge.storage import Database
from trustbridge.subaccount import destinations, trust
from trustbridge.subaccount.find.lookup import FoundDestination, find_destination
from trustbridge.subaccount.setup import SubaccountBootstrap

from .conftest import basic_destination

NAME = "Backend"


@pytest.fixture
def box(settings: Settings) -> SecretBox:
    return SecretBox.from_settings(settings)


@pytest.fixture
def created(database: Database, box: SecretBox, boot: SubaccountBootstrap) -> None:
    with database.transaction() as session:
        destinations.create_destination(session, box, basic_destination(NAME))


def _find(database: Database, box: SecretBox, name: str = NAME) -> FoundDestination:
    with database.read() as session:
        return find_destination(session, box, name)


@pytest.mark.usefixtures("created")
def test_an_unchanged_destination_is_reused(database: Database, box: SecretBox) -> None:
    first = _find(database, box)
    assert _find(database, box) is first
    assert first.properties["Password"] == f"basic-pw-of-{NAME}"


@pytest.mark.usefixtures("created")
def test_a_changed_destination_is_seen_at_once(database: Database, box: SecretBox) -> None:
    first = _find(database, box)
    with database.transaction() as session:
        destinations.update_destination(session, box, basic_destination(NAME, Password="new-secret"))
    changed = _find(database, box)
    assert changed.revision == first.revision + 1 and changed.etag != first.etag
    assert changed.properties["Password"] == "new-secret"


@pytest.mark.usefixtures("created")
def test_a_recreated_destination_with_the_same_revision_is_seen_at_once(database: Database, box: SecretBox) -> None:
    first = _find(database, box)
    with database.transaction() as session:
        destinations.delete_destination(session, NAME)
        destinations.create_destination(session, box, basic_destination(NAME, User="BOB"))
    recreated = _find(database, box)
    assert recreated.revision == first.revision == 1
    assert recreated.properties["User"] == "BOB" and recreated.etag != first.etag


@pytest.mark.usefixtures("created")
def test_a_deleted_destination_is_gone_at_once(database: Database, box: SecretBox) -> None:
    _find(database, box)
    with database.transaction() as session:
        destinations.delete_destination(session, NAME)
    with pytest.raises(NotFound, match="does not exist"):
        _find(database, box)


@pytest.mark.usefixtures("created")
def test_a_rotated_trust_certificate_is_seen_at_once(database: Database, box: SecretBox) -> None:
    first = _find(database, box)
    with database.transaction() as session:
        trust.generate_key_pair(session, box, trust.PASSIVE)
        trust.rotate(session)
    rotated = _find(database, box)
    assert rotated.certificate_fingerprint != first.certificate_fingerprint
    assert rotated.properties == first.properties


@pytest.mark.usefixtures("created")
def test_secrets_decrypted_with_one_key_box_are_not_handed_to_another(
    database: Database, box: SecretBox, settings: Settings
) -> None:
    first = _find(database, box)
    again = _find(database, SecretBox.from_settings(settings))
    assert again is not first and again.properties == first.properties
