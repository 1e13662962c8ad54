"""Where the verifier's time goes: each stage's cost, measured by taking it out of an otherwise full run.

    bench/run verify_stages [--bits 4096] [--rounds 25] [--json]

A profiler cannot say this well: most of the time is spent inside lxml, libxml2 and OpenSSL, and in
cache misses that a stage causes for the next ones. So the full ``Verifier.verify`` is timed against variants
in which one stage is replaced by its precomputed result (RSA by a key that accepts, the claims by nothing,
…); the difference is that stage's cost in the full run. Variants are interleaved, best round kept, CPU time
of this thread (``time.thread_time``), so other processes on the machine disturb it less. Diagnostic only:
the variants verify nothing (they patch the verifier's module while they run and restore it after).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from lxml import etree

from bench.saml_bench import make_fixture
from trustbridge.saml import parser as parser_module
from trustbridge.saml import verifier as verifier_module
from trustbridge.saml.verifier import Verifier


class _AcceptingKey:
    def verify(self, *args: object) -> None:
        return None


def _variants(xml: bytes) -> dict[str, dict[tuple[Any, str], Any]]:
    """Stage → the module attributes to replace while it is left out."""
    root = etree.fromstring(xml)
    signature = root.find(verifier_module._SIGNATURE)
    assert signature is not None
    signed_info, value = signature[0], signature[1]
    canonical_signed_info = verifier_module._exc_c14n(signed_info, None)
    signature_value = verifier_module._base64(value.text, "SignatureValue")
    digest_text = verifier_module._canonical_profile_digest(
        canonical_signed_info, signed_info.prefix, root.get("ID") or ""
    )
    verifier_module._detach_keeping_tail(signature)
    canonical_root = verifier_module._exc_c14n(root, None)
    c14n, base64_decode = verifier_module._exc_c14n, verifier_module._base64
    return {
        "depth check (XPath)": {(parser_module, "_TOO_DEEP"): lambda root: False},
        "document rules 1-2": {(verifier_module, "_the_signature"): lambda xml, root, assertion_id: root[1]},
        "  of which ID uniqueness": {(verifier_module, "_id_literal_unique"): lambda xml, assertion_id: True},
        "SignedInfo c14n": {
            (verifier_module, "_exc_c14n"): lambda e, p: (
                canonical_signed_info if e.tag == verifier_module._SIGNED_INFO else c14n(e, p)
            )
        },
        "SignedInfo template check": {(verifier_module, "_canonical_profile_digest"): lambda c, p, i: digest_text},
        "SignatureValue base64": {
            (verifier_module, "_base64"): lambda text, what: (
                signature_value if what == "SignatureValue" else base64_decode(text, what)
            )
        },
        "assertion c14n": {
            (verifier_module, "_exc_c14n"): lambda e, p: (
                canonical_root if e.tag == verifier_module._ASSERTION else c14n(e, p)
            )
        },
        "reading the claims": {(verifier_module, "_read_claims"): lambda *args, **kwargs: None},
    }


@contextmanager
def _patched(replacements: dict[tuple[Any, str], Any]) -> Iterator[None]:
    saved = {(module, name): getattr(module, name) for module, name in replacements}
    try:
        for (module, name), value in replacements.items():
            setattr(module, name, value)
        yield
    finally:
        for (module, name), value in saved.items():
            setattr(module, name, value)


def _cpu_us(run: Callable[[], object], iterations: int) -> float:
    start = time.thread_time()
    for _ in range(iterations):
        run()
    return (time.thread_time() - start) / iterations * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bits", type=int, default=4096)
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--iterations", type=int, default=300, help="verifications per variant and round")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    fixture = make_fixture(args.bits, key_info=False)
    verifier = Verifier(fixture.public_key)
    accepting = Verifier.__new__(Verifier)
    for slot in Verifier.__slots__:
        setattr(accepting, slot, getattr(verifier, slot))
    accepting._public_key = _AcceptingKey()  # type: ignore[assignment]
    variants = _variants(fixture.xml)
    xml = fixture.xml

    def full() -> object:
        return verifier.verify(xml)

    runs: dict[str, tuple[Callable[[], object], dict[tuple[Any, str], Any]]] = {"full verify": (full, {})}
    for stage, replacements in variants.items():
        runs[stage] = (full, replacements)
    runs["RSA verify (cryptography)"] = (lambda: accepting.verify(xml), {})
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(args.rounds):
        for name, (run, replacements) in runs.items():
            with _patched(replacements):
                best[name] = min(best[name], _cpu_us(run, args.iterations))
    total = best["full verify"]
    stages = {name: total - us for name, us in best.items() if name != "full verify"}
    accounted = sum(us for name, us in stages.items() if not name.startswith("  "))
    if args.json:
        json.dump({"bits": args.bits, "full_us": total, "stage_us": stages}, sys.stdout, indent=2)
        print()
        return 0
    print(f"RSA-{args.bits}: full verify {total:.1f} µs (CPU time, best of {args.rounds} rounds)")
    for name, us in stages.items():
        print(f"  {name:<28}{us:7.1f} µs  {us / total:6.1%}")
    rest = total - accounted
    print(f"  {'rest: parse, detach, digest,':<28}{rest:7.1f} µs  {rest / total:6.1%}")
    print("  (call glue, freeing the tree)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
