"""bootstrap(): one subaccount, an active trust key pair from the start, an admin — idempotent."""

from __future__ import annotations

import stat
import uuid

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select, text

from trustbridge.config import Settings
from trustbridge.errors import Conflict, ValidationFailed
from trustbridge.pki.encryption import KEY_FILE_NAME, SecretBox
from trustbridge.storage import Database
from trustbridge.subaccount import trust
from trustbridge.subaccount.models import Subaccount, SubaccountAdmin, TrustKeyPair
from trustbridge.subaccount.setup import bootstrap
from trustbridge.subaccount.subaccounts import current_subaccount

from .conftest import TEST_KEY_SIZE, spki


def test_first_bootstrap_creates_subaccount_trust_and_admin(database: Database, settings: Settings) -> None:
    result = bootstrap(database, settings, key_size=TEST_KEY_SIZE)

    assert result.created and result.trust_generated
    assert str(uuid.UUID(result.subaccount_id)) == result.subaccount_id
    assert result.subdomain == f"trustbridge-{result.subaccount_id[:8]}"
    assert result.region == "eu10"
    assert result.admin.username == "admin" and result.admin.password
    password_file = result.admin.password_file
    assert password_file.read_text().strip() == result.admin.password
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    with database.read() as session:
        pem = trust.active_certificate_pem(session)
        assert trust.find_certificate(session, trust.PASSIVE) is None
    certificate = x509.load_pem_x509_certificate(pem.encode())
    assert certificate.subject.rfc4514_string().endswith(f"CN=cfapps.eu10.hana.ondemand.com/{result.subaccount_id}")


def test_bootstrap_is_idempotent(database: Database, settings: Settings) -> None:
    first = bootstrap(database, settings, key_size=TEST_KEY_SIZE)
    with database.read() as session:
        pem = trust.active_certificate_pem(session)

    second = bootstrap(database, settings, key_size=TEST_KEY_SIZE)

    assert second.subaccount_id == first.subaccount_id
    assert not second.created and not second.trust_generated
    assert second.admin.password is None  # the password is not changed on a later start
    with database.read() as session:
        assert trust.active_certificate_pem(session) == pem
        assert session.scalar(select(func.count()).select_from(Subaccount)) == 1
        assert session.scalar(select(func.count()).select_from(TrustKeyPair)) == 1
        assert session.scalar(select(func.count()).select_from(SubaccountAdmin)) == 1


def test_bootstrap_takes_given_identity_and_keeps_it(database: Database, settings: Settings) -> None:
    guid = "7E0D6C1B-3F52-4C1A-9D63-0F4F2C7C8A11"
    result = bootstrap(
        database, settings, region="us10", subaccount_id=guid, subdomain="acme-dev", key_size=TEST_KEY_SIZE
    )

    assert result.subaccount_id == guid.lower()  # the canonical GUID form
    assert (result.region, result.subdomain) == ("us10", "acme-dev")
    with database.read() as session:
        cn = trust.get_certificate(session).info.subject_cn
    assert cn == f"cfapps.us10.hana.ondemand.com/{guid.lower()}"
    # a later start without those options keeps the stored identity (and reports the stored region)
    again = bootstrap(database, settings, key_size=TEST_KEY_SIZE)
    assert (again.subaccount_id, again.region, again.subdomain) == (guid.lower(), "us10", "acme-dev")


def test_bootstrap_refuses_another_subaccount_id(database: Database, settings: Settings) -> None:
    bootstrap(database, settings, key_size=TEST_KEY_SIZE)
    with pytest.raises(Conflict, match="already holds subaccount"):
        bootstrap(database, settings, subaccount_id=str(uuid.uuid4()), key_size=TEST_KEY_SIZE)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"region": "EU10"}, "region"),
        ({"region": "eu1"}, "region"),
        ({"subaccount_id": "not-a-guid"}, "subaccount_id"),
        ({"subdomain": "Bad_Subdomain"}, "subdomain"),
        ({"key_size": 1024}, "key_size"),
    ],
)
def test_bootstrap_validates_inputs_before_writing(
    database: Database, settings: Settings, options: dict[str, object], field: str
) -> None:
    kwargs: dict[str, object] = {"key_size": TEST_KEY_SIZE, **options}
    with pytest.raises(ValidationFailed) as raised:
        bootstrap(database, settings, **kwargs)  # type: ignore[arg-type]
    assert [error.field for error in raised.value.errors] == [field]
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Subaccount)) == 0


def test_default_key_size_is_rsa_4096_as_btp(database: Database, settings: Settings) -> None:
    bootstrap(database, settings)
    with database.read() as session:
        certificate = trust.get_certificate(session).certificate
        assert current_subaccount(session).trust_key_size == 4096
    public_key = certificate.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    assert public_key.key_size == 4096


def test_private_key_is_encrypted_at_rest_with_a_0600_key_file(database: Database, settings: Settings) -> None:
    bootstrap(database, settings, key_size=TEST_KEY_SIZE)

    key_file = settings.data_dir / KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    with database.read() as session:
        stored = session.execute(text("SELECT private_key_encrypted FROM sa_trust_keypairs")).scalar_one()
        signing = trust.active_signing_key(session, SecretBox.from_settings(settings))
    assert "PRIVATE KEY" not in stored and "MII" not in stored
    decrypted = SecretBox.from_settings(settings).decrypt(stored.encode()).decode()
    assert decrypted.startswith("-----BEGIN PRIVATE KEY-----")  # PKCS#8
    assert spki(signing.private_key.public_key()) == spki(signing.certificate.public_key())
    # another at-rest key cannot read it
    with pytest.raises(ValueError, match="cannot be decrypted"):
        SecretBox(b"some other key").decrypt(stored.encode())
