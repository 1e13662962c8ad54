"""Property: no input to the token endpoint yields a 5xx, and a rejected request never stores anything."""

from __future__ import annotations

import base64

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .support import PASSWORD
from .test_token_endpoint import GRANT, TOKEN_PATH, Chain, chain  # noqa: F401 - the fixture

FIELDS = ["grant_type", "assertion", "client_id", "scope", "username", "password", "x"]


def _mutations(valid: bytes) -> st.SearchStrategy[bytes]:
    position = st.integers(min_value=0, max_value=len(valid) - 1)
    flip = st.tuples(position, st.integers(0, 255)).map(lambda p: valid[: p[0]] + bytes([p[1]]) + valid[p[0] + 1 :])
    cut = position.map(lambda p: valid[:p])
    insert = st.tuples(position, st.sampled_from([b"<!---->", b"&x;", b"<a>", b"]]>", b"\x00", b"<!DOCTYPE x>"])).map(
        lambda p: valid[: p[0]] + p[1] + valid[p[0] :]
    )
    return st.one_of(flip, cut, insert)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_input_yields_a_server_error(chain: Chain, data: st.DataObject) -> None:  # noqa: F811
    valid = chain.assertion()
    form = data.draw(st.dictionaries(st.sampled_from(FIELDS), st.text(max_size=80), max_size=5), label="form")
    if data.draw(st.booleans(), label="saml2 grant"):
        form["grant_type"] = GRANT
    kind = data.draw(st.sampled_from(["mutated", "random", "none"]), label="assertion kind")
    if kind == "mutated":
        raw = data.draw(_mutations(valid), label="assertion bytes")
        encode = data.draw(st.sampled_from([base64.urlsafe_b64encode, base64.b64encode]))
        form["assertion"] = encode(raw).decode()
    elif kind == "random":
        form["assertion"] = data.draw(st.text(max_size=200), label="assertion text")
    auth = data.draw(
        st.sampled_from([("TASKCENTERCOM", PASSWORD), None, ("NOBODY", "x"), ("", ""), ("a:b", "c")]), label="auth"
    )
    before = chain.counts()
    response = chain.http.post(TOKEN_PATH, data=form, auth=auth)
    assert response.status_code < 500, response.text
    body = response.json()
    if response.status_code != 200:
        assert set(body) <= {"error", "error_description", "error_uri"}
        assert chain.counts() == before
    else:
        assert chain.counts() == (before[0] + 1, before[1] + 1)
