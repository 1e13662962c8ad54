"""SAML assertion verify and sign: ours against raw RSA, python-xmlsec and signxml, measured in one run.

    bench/run [--bits 4096 2048] [--seconds 2] [--rounds 5] [--key-info] [--json]

For each key size, one BTP-shaped signed assertion (trustbridge's builder and signer; RSA-SHA256, SHA-256,
exclusive c14n) and these cases, all on the same key:

verify
  raw-rsa-verify     ``public_key.verify`` of the SignatureValue over the canonical SignedInfo — the floor
  ours               :func:`trustbridge.saml.verifier.verify_assertion` (what the token endpoint calls)
  ours-verifier      :class:`trustbridge.saml.verifier.Verifier` built once per key, ``.verify`` per assertion
  xmlsec             python-xmlsec, key loaded once; per assertion: parse, find the Signature, register the
                     ID attribute, verify (what a server using it does; it returns no claims, checks no profile)
  signxml            ``XMLVerifier().verify`` with the certificate (for information)
sign
  raw-rsa-sign       ``private_key.sign`` over the same SignedInfo bytes
  ours-sign          :func:`trustbridge.saml.signer.sign` on a copy of the unsigned assertion, serialised
  ours-issue         build the assertion, sign it, serialise it (for information: what the subaccount does)

Timing: a warm-up (which also sizes the rounds), then ``--rounds`` rounds in which every case runs in turn for
``--seconds / --rounds`` (interleaved, so a noisy neighbour hits all cases alike); each case gets ``--seconds``
in all. Per case: the best round (µs/op, ops/s) and the spread of the rounds. Ratios: from the best rounds,
and the median and range of the per-round ratios (the two cases of a ratio measured in the same round).
"""

from __future__ import annotations

import argparse
import base64
import copy
import datetime as dt
import importlib.metadata
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import xmlsec
from cryptography import __version__ as cryptography_version
from cryptography.hazmat.backends.openssl.backend import backend as openssl_backend
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree
from signxml.verifier import XMLVerifier

from trustbridge.pki.certificates import create_trust_certificate, generate_private_key
from trustbridge.saml.assertion import AssertionContent, build_assertion
from trustbridge.saml.constants import DS
from trustbridge.saml.signer import exc_c14n, sign, to_bytes
from trustbridge.saml.verifier import Verifier, verify_assertion

ISSUER = "cfapps.eu10.hana.ondemand.com/11111111-2222-3333-4444-555555555555"
USER = "5f3c1a2e-8b7d-4c6e-9a01-23456789abcd"

# (numerator, denominator, label, goal): printed as ratios of ops/s.
RATIOS = (
    ("ours", "xmlsec", "ours / python-xmlsec verify", 2.0),
    ("ours-verifier", "xmlsec", "ours (Verifier) / python-xmlsec verify", 2.0),
    ("ours", "raw-rsa-verify", "ours / raw RSA verify", None),
    ("ours-verifier", "raw-rsa-verify", "ours (Verifier) / raw RSA verify", None),
    ("signxml", "xmlsec", "signxml / python-xmlsec verify", None),
    ("ours-sign", "raw-rsa-sign", "our sign / raw RSA sign", 0.8),
    ("ours-issue", "raw-rsa-sign", "build + sign / raw RSA sign", None),
)


@dataclass
class Case:
    name: str
    run: Callable[[], object]
    iterations: int = 1
    round_us: list[float] = field(default_factory=list)  # µs per operation, one entry per round

    @property
    def best_us(self) -> float:
        return min(self.round_us)

    @property
    def median_us(self) -> float:
        return statistics.median(self.round_us)


@dataclass(frozen=True)
class Fixture:
    bits: int
    key: rsa.RSAPrivateKey
    public_key: rsa.RSAPublicKey
    certificate_pem: bytes
    content: AssertionContent
    xml: bytes
    signed_info: bytes  # canonical SignedInfo, as signed
    signature_value: bytes


def make_fixture(bits: int, *, key_info: bool) -> Fixture:
    key = generate_private_key(bits)
    certificate = create_trust_certificate(key, ISSUER, now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    content = AssertionContent(
        issuer=ISSUER,
        name_id=USER,
        audience="https://my300000.s4hana.ondemand.com",
        recipient="https://my300000-api.s4hana.ondemand.com/sap/bc/sec/oauth2/token",
        attributes={"user_uuid": [USER], "Groups": ["approvers"]},
    )
    der = certificate.public_bytes(serialization.Encoding.DER) if key_info else None
    element = sign(build_assertion(content), key, certificate_der=der)
    signed_info = element.find(f"{{{DS}}}Signature/{{{DS}}}SignedInfo")
    value = element.find(f"{{{DS}}}Signature/{{{DS}}}SignatureValue")
    assert signed_info is not None and value is not None and value.text
    return Fixture(
        bits=bits,
        key=key,
        public_key=key.public_key(),
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM),
        content=content,
        xml=to_bytes(element),
        signed_info=exc_c14n(signed_info),
        signature_value=base64.b64decode(value.text),
    )


def make_cases(fixture: Fixture) -> list[Case]:
    xml, public_key, key = fixture.xml, fixture.public_key, fixture.key
    pkcs1, sha256 = padding.PKCS1v15(), hashes.SHA256()
    verifier = Verifier(public_key)
    xmlsec_key = xmlsec.Key.from_memory(fixture.certificate_pem, xmlsec.constants.KeyDataFormatCertPem)
    pem = fixture.certificate_pem.decode("ascii")

    def raw_rsa_verify() -> None:
        public_key.verify(fixture.signature_value, fixture.signed_info, pkcs1, sha256)

    def ours() -> object:
        return verify_assertion(xml, public_key)

    def ours_verifier() -> object:
        return verifier.verify(xml)

    def python_xmlsec() -> None:
        root = etree.fromstring(xml)
        node = xmlsec.tree.find_node(root, xmlsec.constants.NodeSignature)
        assert node is not None
        context = xmlsec.SignatureContext()
        context.key = xmlsec_key
        context.register_id(root, "ID")
        context.verify(node)

    def signxml() -> object:
        return XMLVerifier().verify(xml, x509_cert=pem, expect_references=1)

    def raw_rsa_sign() -> bytes:
        return key.sign(fixture.signed_info, pkcs1, sha256)

    unsigned = build_assertion(fixture.content)

    def ours_sign() -> bytes:
        return to_bytes(sign(copy.deepcopy(unsigned), key))  # the copy (~5 µs) is counted against us

    def ours_issue() -> bytes:
        return to_bytes(sign(build_assertion(fixture.content), key))

    cases = [
        Case("raw-rsa-verify", raw_rsa_verify),
        Case("ours", ours),
        Case("ours-verifier", ours_verifier),
        Case("xmlsec", python_xmlsec),
        Case("signxml", signxml),
        Case("raw-rsa-sign", raw_rsa_sign),
        Case("ours-sign", ours_sign),
        Case("ours-issue", ours_issue),
    ]
    for case in cases:  # each must accept the assertion before it is timed
        case.run()
    claims = verifier.verify(xml)
    assert claims.name_id == USER and claims.issuer == ISSUER
    return cases


def _time(run: Callable[[], object], iterations: int) -> float:
    """Seconds for ``iterations`` calls."""
    start = time.perf_counter()
    for _ in range(iterations):
        run()
    return time.perf_counter() - start


def measure(cases: list[Case], *, seconds: float, rounds: int, warmup: float) -> None:
    per_round = seconds / rounds
    for case in cases:  # warm up, and size a round to about ``per_round`` seconds
        iterations = 1
        while (elapsed := _time(case.run, iterations)) < 0.05:
            iterations *= 2
        spent = elapsed
        while spent < warmup:
            elapsed = _time(case.run, iterations)
            spent += elapsed
        case.iterations = max(1, round(iterations * per_round / elapsed))
    for _ in range(rounds):
        for case in cases:
            case.round_us.append(_time(case.run, case.iterations) / case.iterations * 1e6)


def ratios(cases: dict[str, Case]) -> list[dict[str, Any]]:
    out = []
    for numerator, denominator, label, goal in RATIOS:
        a, b = cases[numerator], cases[denominator]
        paired = sorted(y / x for x, y in zip(a.round_us, b.round_us, strict=True))  # ops/s ratio per round
        out.append(
            {
                "label": label,
                "numerator": numerator,
                "denominator": denominator,
                "best": b.best_us / a.best_us,
                "median_paired": statistics.median(paired),
                "min_paired": paired[0],
                "max_paired": paired[-1],
                "goal": goal,
            }
        )
    return out


def environment() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "lxml": ".".join(map(str, etree.LXML_VERSION)),
        "libxml2": ".".join(map(str, etree.LIBXML_VERSION)),
        "xmlsec": importlib.metadata.version("xmlsec"),
        "cryptography": cryptography_version,
        "openssl": openssl_backend.openssl_version_text(),
    }


def print_table(bits: int, cases: list[Case], ratio_rows: list[dict[str, Any]], rounds: int) -> None:
    print(f"\nRSA-{bits}  ({rounds} rounds; best round, then the range over rounds)")
    print(f"  {'case':<16}{'µs/op':>10}{'ops/s':>10}   {'µs/op min–max (median)':<28}")
    for case in cases:
        spread = f"{min(case.round_us):.1f}–{max(case.round_us):.1f} ({case.median_us:.1f})"
        print(f"  {case.name:<16}{case.best_us:>10.1f}{1e6 / case.best_us:>10.0f}   {spread:<28}")
    print(f"  {'ratio (ops/s)':<42}{'best':>7}{'paired median [min–max]':>27}{'goal':>8}")
    for row in ratio_rows:
        goal = row["goal"]
        verdict = "" if goal is None else (f"≥{goal:g} " + ("ok" if row["best"] >= goal else "MISSED"))
        paired = f"{row['median_paired']:.2f} [{row['min_paired']:.2f}–{row['max_paired']:.2f}]"
        print(f"  {row['label']:<42}{row['best']:>7.2f}{paired:>27}  {verdict}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bits", type=int, nargs="+", default=[4096, 2048], help="RSA key sizes (4096 is BTP's)")
    parser.add_argument("--seconds", type=float, default=2.0, help="measured time per case and key size")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds the time is split into")
    parser.add_argument("--warmup", type=float, default=0.3, help="warm-up seconds per case")
    parser.add_argument("--key-info", action="store_true", help="put the certificate into KeyInfo (BTP option)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    args = parser.parse_args(argv)

    report: dict[str, Any] = {"environment": environment(), "settings": vars(args), "results": {}}
    if not args.json:
        env = report["environment"]
        print(
            f"Python {env['python']}, lxml {env['lxml']} (libxml2 {env['libxml2']}), xmlsec {env['xmlsec']}, "
            f"cryptography {env['cryptography']} ({env['openssl']}); {env['cpus']} CPUs, "
            f"load average {env['load_average']}"
        )
    for bits in args.bits:
        fixture = make_fixture(bits, key_info=args.key_info)
        cases = make_cases(fixture)
        measure(cases, seconds=args.seconds, rounds=args.rounds, warmup=args.warmup)
        ratio_rows = ratios({case.name: case for case in cases})
        report["results"][str(bits)] = {
            "assertion_bytes": len(fixture.xml),
            "cases": {
                case.name: {
                    "best_us_per_op": case.best_us,
                    "best_ops_per_s": 1e6 / case.best_us,
                    "median_us_per_op": case.median_us,
                    "rounds_us_per_op": case.round_us,
                    "iterations_per_round": case.iterations,
                }
                for case in cases
            },
            "ratios": ratio_rows,
        }
        if not args.json:
            print_table(bits, cases, ratio_rows, args.rounds)
    report["environment"]["load_average_after"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
