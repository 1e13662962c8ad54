"""``Verifier``: the verifier bound to one key and policy (one per communication system)."""

from __future__ import annotations

import dataclasses

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree

from trustbridge.saml.constants import DS, q
from trustbridge.saml.verifier import AssertionRejected, VerificationPolicy, Verifier, verify_assertion

from .conftest import USER_UUID, Signer
from .test_attacks import _resign_sha1


def test_a_verifier_answers_as_verify_assertion(signer: Signer) -> None:
    key = signer.certificate.public_key()
    verifier = Verifier(key)
    assert verifier.public_key is key
    assert verifier.policy == VerificationPolicy()
    for xml in (signer.signed(), signer.signed(key_info=True)):
        assert dataclasses.asdict(verifier.verify(xml)) == dataclasses.asdict(verify_assertion(xml, key))


def test_a_verifier_is_reused_across_assertions_and_rejections(signer: Signer, attacker: Signer) -> None:
    verifier = Verifier(signer.certificate.public_key())
    for _ in range(3):
        assert verifier.verify(signer.signed()).name_id == USER_UUID
        with pytest.raises(AssertionRejected) as raised:
            verifier.verify(attacker.signed())
        assert raised.value.code == "signature_invalid"
        with pytest.raises(AssertionRejected) as raised:
            verifier.verify(signer.signed().replace(USER_UUID.encode(), b"someone-else", 1))
        assert raised.value.code == "digest_mismatch"


def test_a_verifier_keeps_its_policy(signer: Signer) -> None:
    xml = _resign_sha1(signer, signer.signed())
    with pytest.raises(AssertionRejected) as raised:
        Verifier(signer.certificate.public_key()).verify(xml)
    assert raised.value.code == "sha1_not_allowed"
    lenient = Verifier(signer.certificate.public_key(), VerificationPolicy(allow_sha1=True))
    assert lenient.policy.allow_sha1
    verified = lenient.verify(xml)
    assert verified.name_id == USER_UUID
    assert verified.signature_algorithm == "http://www.w3.org/2000/09/xmldsig#rsa-sha1"


def test_a_verifier_needs_an_rsa_key_and_a_policy(signer: Signer) -> None:
    with pytest.raises(TypeError):
        Verifier(ec.generate_private_key(ec.SECP256R1()).public_key())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Verifier(signer.certificate.public_key(), {"allow_sha1": True})  # type: ignore[arg-type]


def test_a_verifier_reads_claims_from_a_signature_in_another_prefix(signer: Signer) -> None:
    # not the byte template's "ds" prefix: the element-by-element checks take over, with the same result
    from .test_differential import resign

    root = etree.fromstring(signer.signed().replace(b"ds:", b"dsig:").replace(b"xmlns:ds=", b"xmlns:dsig="))
    resign(root, signer.key)
    assert root.find(q(DS, "Signature")) is not None and b"dsig:" in etree.tostring(root)
    assert Verifier(signer.certificate.public_key()).verify(etree.tostring(root)).name_id == USER_UUID


def test_the_claims_are_ordinary_frozen_dataclasses(signer: Signer) -> None:
    # the verifier fills the instances' dicts directly (cheaper than the frozen __init__): same objects
    from trustbridge.saml.verifier import SubjectConfirmation, VerifiedAssertion

    verified = Verifier(signer.certificate.public_key()).verify(signer.signed())
    assert set(vars(verified)) == {f.name for f in dataclasses.fields(VerifiedAssertion)}
    assert VerifiedAssertion(**vars(verified)) == verified
    (confirmation,) = verified.subject_confirmations
    assert set(vars(confirmation)) == {f.name for f in dataclasses.fields(SubjectConfirmation)}
    assert SubjectConfirmation(**vars(confirmation)) == confirmation
    with pytest.raises(dataclasses.FrozenInstanceError):
        verified.issuer = "someone else"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        confirmation.recipient = "elsewhere"  # type: ignore[misc]
    assert repr(verified).startswith("VerifiedAssertion(assertion_id=")
