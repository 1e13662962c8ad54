"""The parser's caps: the node cap is only counted above ``NODE_BOUND_BYTES`` — that bound must hold."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from trustbridge.saml.parser import (
    _NODE_COUNT,
    _PARSER,
    MAX_DEPTH,
    MAX_NODES,
    NODE_BOUND_BYTES,
    XMLRejected,
    parse_untrusted,
)

# The cheapest constructs in bytes per node (see the proof next to NODE_BOUND_BYTES).
PIECES = [b"<a/>", b"x", b"<a></a>", b"<a>x</a>", b"<!---->", b"<?a?>", b"<![CDATA[]]>", b"&#65;", b"\n", b"<a b=''/>"]


def _nodes(data: bytes) -> int:
    count = _NODE_COUNT(etree.fromstring(data, parser=_PARSER))
    assert isinstance(count, float)
    return int(count)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(pieces=st.lists(st.sampled_from(PIECES), max_size=400), attributes=st.integers(0, 40))
def test_a_document_has_at_most_two_nodes_per_five_bytes(pieces: list[bytes], attributes: int) -> None:
    names = b"".join(b" a%d=''" % i for i in range(attributes))
    data = b"<r" + names + b">" + b"".join(pieces) + b"</r>"
    assert _nodes(data) * 5 <= len(data) * 2


def test_the_densest_document_under_the_bound_is_within_the_cap() -> None:
    body = b"<a/>x" * ((NODE_BOUND_BYTES - len(b"<r></r>")) // 5)
    data = b"<r>" + body + b"</r>"
    assert len(data) <= NODE_BOUND_BYTES
    assert _nodes(data) <= MAX_NODES
    parse_untrusted(data)


def test_above_the_bound_nodes_are_counted() -> None:
    data = b"<r>" + b"<a/>x" * (MAX_NODES // 2 + 1) + b"</r>"
    assert len(data) > NODE_BOUND_BYTES and _nodes(data) > MAX_NODES
    with pytest.raises(XMLRejected) as raised:
        parse_untrusted(data)
    assert raised.value.code == "too_many_nodes"


@pytest.mark.parametrize("size", ["small", "large"])
def test_depth_is_checked_below_and_above_the_bound(size: str) -> None:
    padding = b"" if size == "small" else b"<p/>" * 1500
    ok = b"<r>" + padding + b"<d>" * (MAX_DEPTH - 1) + b"</d>" * (MAX_DEPTH - 1) + b"</r>"
    too_deep = b"<r>" + padding + b"<d>" * MAX_DEPTH + b"</d>" * MAX_DEPTH + b"</r>"
    assert (len(too_deep) <= NODE_BOUND_BYTES) == (size == "small")
    parse_untrusted(ok)
    with pytest.raises(XMLRejected) as raised:
        parse_untrusted(too_deep)
    assert raised.value.code == "too_deep"


LONG_DECLARATION = b'<?xml version="1.0"' + b" " * 100 + b'encoding="%s"?>'


@pytest.mark.parametrize("encoding", [b"UTF-7", b"ISO-8859-1", b"ascii"])
def test_an_xml_declaration_past_the_first_100_bytes_cannot_switch_the_encoding(encoding: bytes) -> None:
    # the byte check reads 100 bytes; what libxml2 decoded with is checked after parsing (found while
    # proving the verifier's byte-level ID check: UTF-7 would let '+AF8-x' be '_x')
    data = LONG_DECLARATION % encoding + b'<a x="+AF8-abc"/>'
    with pytest.raises(XMLRejected) as raised:
        parse_untrusted(data)
    assert raised.value.code == "encoding"


@pytest.mark.parametrize(
    "data",
    [
        LONG_DECLARATION % b"UTF-8" + b"<a/>",
        LONG_DECLARATION % b"utf8" + b"<a/>",
        b"\xef\xbb\xbf<a/>",
        b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-7"?><a x="+AF8-abc"/>',  # the BOM wins: UTF-8
        b"<a/>",
    ],
)
def test_utf8_documents_are_accepted(data: bytes) -> None:
    root = parse_untrusted(data)
    assert root.get("x") in (None, "+AF8-abc")
