"""One rejection per rule: 400, an ErrorMessage naming the property and the rule, and nothing stored."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from .conftest import DESTINATIONS, basic_destination, error_message, saml_bearer_destination

SAML = saml_bearer_destination


def _without(destination: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in destination.items() if key not in keys}


def _client_credentials(**overrides: Any) -> dict[str, Any]:
    destination: dict[str, Any] = {
        "Name": "CC",
        "Type": "HTTP",
        "URL": "https://api.example.com",
        "Authentication": "OAuth2ClientCredentials",
        "clientId": "sb-client",
        "clientSecret": "cc-secret",
        "tokenServiceURL": "https://sub.authentication.eu10.hana.ondemand.com/oauth/token",
    }
    destination.update(overrides)
    return destination


CNF_UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
CNF_EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
CNF_PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"

REJECTED: list[tuple[str, dict[str, Any], str]] = [
    ("name-missing", _without(basic_destination("X"), "Name"), "Property 'Name' is required"),
    ("name-empty", basic_destination(""), "Property 'Name' is required"),
    ("name-too-long", basic_destination("N" * 65), "'Name' must not be longer than 64 characters (got 65)"),
    ("name-space", basic_destination("S4 HANA"), "'Name' may contain only letters, digits, '_' and '-'"),
    ("name-quote", basic_destination("our-team's-app"), "'Name' may contain only letters, digits, '_' and '-'"),
    ("name-umlaut", basic_destination("Zäune"), "'Name' may contain only letters, digits, '_' and '-'"),
    ("type-missing", _without(basic_destination("X"), "Type"), "Property 'Type' is required"),
    ("type-unknown", basic_destination("X", Type="TCP"), "'Type' must be one of HTTP, RFC, MAIL, LDAP (got 'TCP')"),
    ("type-lowercase", basic_destination("X", Type="http"), "'Type' must be one of HTTP, RFC, MAIL, LDAP"),
    (
        "value-number",
        {**basic_destination("X"), "tc.inbox.pull.days": 90},
        "'tc.inbox.pull.days' must be a string, got number",
    ),
    ("value-boolean", {**basic_destination("X"), "tc.enabled": True}, "'tc.enabled' must be a string, got boolean"),
    ("value-null", {**basic_destination("X"), "Description": None}, "'Description' must be a string, got null"),
    (
        "value-object",
        {**basic_destination("X"), "URL.headers": {"a": "b"}},
        "'URL.headers' must be a string, got object",
    ),
    (
        "url-missing",
        _without(basic_destination("X"), "URL"),
        "Property 'URL' is required for destinations of Type 'HTTP'",
    ),
    (
        "url-ftp",
        basic_destination("X", URL="ftp://files.example.com"),
        "'URL' must be an absolute http(s) URL (got 'ftp://files.example.com')",
    ),
    ("url-relative", basic_destination("X", URL="/sap/opu/odata4"), "'URL' must be an absolute http(s) URL"),
    ("url-no-host", basic_destination("X", URL="https://"), "'URL' must be an absolute http(s) URL"),
    ("url-space", basic_destination("X", URL="https://a b.example.com"), "'URL' must be an absolute http(s) URL"),
    ("url-broken-ipv6", basic_destination("X", URL="http://[::1/path"), "'URL' must be an absolute http(s) URL"),
    (
        "authentication-unknown",
        basic_destination("X", Authentication="OAuth2SAML"),
        "'Authentication' must be one of NoAuthentication, BasicAuthentication",
    ),
    (
        "proxy-type-unknown",
        basic_destination("X", ProxyType="Intranet"),
        "'ProxyType' must be one of Internet, OnPremise, PrivateLink (got 'Intranet')",
    ),
    (
        "basic-user-missing",
        _without(basic_destination("X"), "User"),
        "Property 'User' is required for Authentication 'BasicAuthentication'",
    ),
    (
        "basic-password-missing",
        _without(basic_destination("X"), "Password"),
        "Property 'Password' is required for Authentication 'BasicAuthentication'",
    ),
    (
        "basic-user-blank",
        basic_destination("X", User="  "),
        "Property 'User' is required for Authentication 'BasicAuthentication'",
    ),
    (
        "cc-client-id-missing",
        _without(_client_credentials(), "clientId"),
        "Property 'clientId' is required for Authentication 'OAuth2ClientCredentials'",
    ),
    (
        "cc-secret-missing",
        _without(_client_credentials(), "clientSecret"),
        "Property 'clientSecret' is required for Authentication 'OAuth2ClientCredentials'",
    ),
    (
        "cc-token-url-missing",
        _without(_client_credentials(), "tokenServiceURL"),
        "Property 'tokenServiceURL' is required for Authentication 'OAuth2ClientCredentials'",
    ),
    (
        "saml-audience-missing",
        _without(SAML(), "audience"),
        "Property 'audience' is required for Authentication 'OAuth2SAMLBearerAssertion'",
    ),
    (
        "saml-client-key-missing",
        _without(SAML(), "clientKey"),
        "Property 'clientKey' is required for Authentication 'OAuth2SAMLBearerAssertion'",
    ),
    (
        "saml-token-url-missing",
        _without(SAML(), "tokenServiceURL"),
        "Property 'tokenServiceURL' is required for Authentication 'OAuth2SAMLBearerAssertion'",
    ),
    (
        "saml-authn-context-missing",
        _without(SAML(), "authnContextClassRef"),
        "Property 'authnContextClassRef' is required for Authentication 'OAuth2SAMLBearerAssertion'",
    ),
    (
        "saml-audience-case",
        _without(SAML(**{"Audience": "https://my300000.s4hana.ondemand.com"}), "audience"),
        "Property 'audience' is required",
    ),
    (
        "token-url-invalid",
        SAML(tokenServiceURL="my300000-api.s4hana.ondemand.com/sap/bc/sec/oauth2/token"),
        "'tokenServiceURL' must be an absolute http(s) URL",
    ),
    (
        "token-url-type",
        SAML(tokenServiceURLType="Shared"),
        "'tokenServiceURLType' must be one of Dedicated, Common (got 'Shared')",
    ),
    (
        "token-url-proxy-type",
        SAML(**{"tokenServiceURL.ProxyType": "Direct"}),
        "'tokenServiceURL.ProxyType' must be one of Internet, OnPremise, PrivateLink",
    ),
    (
        "assertion-provider",
        SAML(SAMLAssertionProvider="Client"),
        "'SAMLAssertionProvider' must be one of DestinationServiceGenerated, ClientProvided (got 'Client')",
    ),
    (
        "assertion-encoding",
        SAML(samlAssertionEncoding="base32"),
        "'samlAssertionEncoding' must be one of base64, base64url (got 'base32')",
    ),
    (
        "name-id-format-without-source",
        _without(SAML(nameIdFormat=CNF_PERSISTENT), "userIdSource"),
        f"'nameIdFormat' '{CNF_PERSISTENT}' needs property 'userIdSource'",
    ),
    (
        "connection-timeout-high",
        SAML(**{"tokenServiceURL.ConnectionTimeoutInSeconds": "61"}),
        "'tokenServiceURL.ConnectionTimeoutInSeconds' must be a whole number of seconds from 0 to 60 (got '61')",
    ),
    (
        "connection-timeout-negative",
        SAML(**{"tokenServiceURL.ConnectionTimeoutInSeconds": "-1"}),
        "'tokenServiceURL.ConnectionTimeoutInSeconds' must be a whole number of seconds from 0 to 60",
    ),
    (
        "connection-timeout-text",
        SAML(**{"tokenServiceURL.ConnectionTimeoutInSeconds": "ten"}),
        "'tokenServiceURL.ConnectionTimeoutInSeconds' must be a whole number of seconds",
    ),
    (
        "connection-timeout-superscript",
        SAML(**{"tokenServiceURL.ConnectionTimeoutInSeconds": "²"}),
        "'tokenServiceURL.ConnectionTimeoutInSeconds' must be a whole number of seconds",
    ),
    (
        "read-timeout-high",
        SAML(**{"tokenServiceURL.SocketReadTimeoutInSeconds": "601"}),
        "'tokenServiceURL.SocketReadTimeoutInSeconds' must be a whole number of seconds from 0 to 600 (got '601')",
    ),
]


@pytest.mark.parametrize(("destination", "expected"), [(d, e) for _, d, e in REJECTED], ids=[i for i, _, _ in REJECTED])
def test_post_rejects(client: TestClient, destination: dict[str, Any], expected: str) -> None:
    client.post(DESTINATIONS, json=basic_destination("Keep"))
    before = client.get(DESTINATIONS).json()

    response = client.post(DESTINATIONS, json=destination)

    assert response.status_code == 400, response.text
    assert expected in error_message(response)
    assert client.get(DESTINATIONS).json() == before


SAML_BASED = ("saml", "token", "assertion", "name-id", "connection", "read")


@pytest.mark.parametrize(
    ("destination", "expected"),
    [(d, e) for i, d, e in REJECTED if i.startswith(SAML_BASED)],
    ids=[i for i, _, _ in REJECTED if i.startswith(SAML_BASED)],
)
def test_put_rejects_and_keeps_the_stored_destination(
    client: TestClient, destination: dict[str, Any], expected: str
) -> None:
    assert client.post(DESTINATIONS, json=SAML()).status_code == 201
    before = client.get(f"{DESTINATIONS}/S4HANACloud")

    response = client.put(DESTINATIONS, json=destination)

    assert response.status_code == 400, response.text
    assert expected in error_message(response)
    after = client.get(f"{DESTINATIONS}/S4HANACloud")
    assert after.json() == before.json()
    assert after.headers["etag"] == before.headers["etag"]


def test_every_broken_rule_is_reported_at_once(client: TestClient) -> None:
    destination = {
        "Name": "bad name",
        "Type": "HTTP",
        "URL": "ftp://x",
        "ProxyType": "Cloud",
        "Authentication": "OAuth2SAMLBearerAssertion",
        "clientKey": "C",
        "tokenServiceURL": "https://t.example.com/token",
        "samlAssertionEncoding": "hex",
    }

    response = client.post(DESTINATIONS, json=destination)

    assert response.status_code == 400
    message = error_message(response)
    assert message.startswith("Destination 'bad name' is invalid: ")
    for fragment in (
        "'Name' may contain only",
        "'URL' must be an absolute http(s) URL",
        "'ProxyType' must be one of",
        "'audience' is required",
        "'authnContextClassRef' is required",
        "'samlAssertionEncoding' must be one of",
    ):
        assert fragment in message
    assert client.get(DESTINATIONS).json() == []


ACCEPTED: list[tuple[str, dict[str, Any]]] = [
    ("name-64", basic_destination("N" * 64)),
    ("name-charset", basic_destination("S4HANA_Cloud-100")),
    ("on-premise", basic_destination("X", ProxyType="OnPremise", URL="http://virtualhost:44300")),
    (
        "no-authentication",
        {"Name": "X", "Type": "HTTP", "URL": "https://x.example", "Authentication": "NoAuthentication"},
    ),
    ("email-name-id", _without(SAML(nameIdFormat=CNF_EMAIL), "userIdSource")),
    ("unspecified-name-id", _without(SAML(nameIdFormat=CNF_UNSPECIFIED), "userIdSource")),
    ("persistent-with-source", SAML(nameIdFormat=CNF_PERSISTENT, userIdSource="user_uuid")),
    ("client-provided", _without(SAML(SAMLAssertionProvider="ClientProvided"), "audience", "authnContextClassRef")),
    (
        "timeouts-at-bounds",
        SAML(**{"tokenServiceURL.ConnectionTimeoutInSeconds": "60", "tokenServiceURL.SocketReadTimeoutInSeconds": "0"}),
    ),
    (
        "common-token-url",
        SAML(
            tokenServiceURLType="Common",
            tokenServiceURL="https://{tenant}.authentication.eu10.hana.ondemand.com/oauth/token",
        ),
    ),
    ("cc-mtls", _without(_client_credentials(**{"tokenService.KeyStoreLocation": "outbound.p12"}), "clientSecret")),
    (
        "other-auth",
        {
            "Name": "X",
            "Type": "HTTP",
            "URL": "https://x.example",
            "Authentication": "PrincipalPropagation",
            "ProxyType": "OnPremise",
        },
    ),
    ("mail", {"Name": "Mail", "Type": "MAIL", "mail.smtp.host": "smtp.example.com"}),
]


@pytest.mark.parametrize("destination", [d for _, d in ACCEPTED], ids=[i for i, _ in ACCEPTED])
def test_accepts(client: TestClient, destination: dict[str, Any]) -> None:
    response = client.post(DESTINATIONS, json=destination)
    assert response.status_code == 201, response.text
