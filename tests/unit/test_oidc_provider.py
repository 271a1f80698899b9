"""The test OpenID Connect provider (tests/oidc) is a real one: its discovery document names the
127.0.0.1 issuer, and a full authorization-code flow over HTTP yields an id_token, signed with a
key from its JWKS, for whoever `sign_in_as` named — a different person each time it is told.
"""

from __future__ import annotations

import tomllib
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

REDIRECT_URI = "http://127.0.0.1:8501/oauth2callback"


@pytest.fixture
def client():  # -> Iterator[httpx.Client]
    with httpx.Client(timeout=10.0) as client:
        yield client


def discovery(provider, client: httpx.Client) -> dict:
    response = client.get(provider.metadata_url)
    response.raise_for_status()
    return response.json()


def authorize(provider, client: httpx.Client, *, nonce: str = "n-0S6") -> str:
    """GET /authorize as a browser would; the provider approves at once: the code."""
    response = client.get(
        discovery(provider, client)["authorization_endpoint"],
        params={
            "response_type": "code",
            "client_id": "playground",
            "redirect_uri": REDIRECT_URI,
            "scope": "openid email profile",
            "state": "x",
            "nonce": nonce,
        },
        follow_redirects=False,
    )
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    query = parse_qs(location.query)
    assert query["state"] == ["x"]
    return query["code"][0]


def exchange(provider, client: httpx.Client, code: str) -> dict:
    """POST /token as the app's Authlib would (client_secret_basic): the token response."""
    response = client.post(
        discovery(provider, client)["token_endpoint"],
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        auth=("playground", "unused-by-mock"),
    )
    assert response.status_code == 200, response.text
    return response.json()


def verified_claims(provider, client: httpx.Client, id_token: str) -> dict:
    """The id_token's claims, its signature checked with the provider's JWKS."""
    jwks = client.get(discovery(provider, client)["jwks_uri"]).json()
    token = jwt.decode(id_token, KeySet.import_key_set(jwks), algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": provider.issuer},
        aud={"essential": True, "value": "playground"},
        sub={"essential": True},
        exp={"essential": True},
    ).validate(token.claims)
    return token.claims


def sign_in(provider, client: httpx.Client) -> dict:
    tokens = exchange(provider, client, authorize(provider, client))
    return verified_claims(provider, client, tokens["id_token"])


def test_discovery_names_the_loopback_issuer(oidc_provider, client: httpx.Client) -> None:
    assert oidc_provider.issuer == f"http://127.0.0.1:{oidc_provider.port}"
    assert oidc_provider.metadata_url == (
        f"{oidc_provider.issuer}/.well-known/openid-configuration"
    )
    document = discovery(oidc_provider, client)
    assert document["issuer"] == oidc_provider.issuer
    for endpoint in ("authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint"):
        assert document[endpoint].startswith(f"{oidc_provider.issuer}/")
    assert "code" in document["response_types_supported"]


def test_authorization_code_flow_signs_in_the_named_person(
    oidc_provider, client: httpx.Client
) -> None:
    oidc_provider.sign_in_as("ada@example.com", "Ada Lovelace")
    code = authorize(oidc_provider, client, nonce="nonce-1")
    tokens = exchange(oidc_provider, client, code)
    claims = verified_claims(oidc_provider, client, tokens["id_token"])
    assert claims["email"] == "ada@example.com"
    assert claims["name"] == "Ada Lovelace"
    assert claims["sub"] == "ada@example.com"
    assert claims["email_verified"] is True
    assert claims["nonce"] == "nonce-1"  # echoed, as Authlib checks

    userinfo = client.get(
        discovery(oidc_provider, client)["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert userinfo.status_code == 200
    assert userinfo.json()["email"] == "ada@example.com"


def test_sign_in_as_another_person(oidc_provider, client: httpx.Client) -> None:
    oidc_provider.sign_in_as("ada@example.com", "Ada Lovelace")
    first = sign_in(oidc_provider, client)
    oidc_provider.sign_in_as("grace@example.com", "Grace Hopper")
    second = sign_in(oidc_provider, client)
    assert (first["email"], first["name"]) == ("ada@example.com", "Ada Lovelace")
    assert (second["email"], second["name"]) == ("grace@example.com", "Grace Hopper")
    assert first["sub"] != second["sub"]
    oidc_provider.sign_in_as("ada@example.com", "Ada Lovelace")
    assert sign_in(oidc_provider, client)["sub"] == first["sub"]  # stable for a person


def test_a_code_keeps_the_person_named_when_it_was_given(
    oidc_provider, client: httpx.Client
) -> None:
    oidc_provider.sign_in_as("ada@example.com", "Ada Lovelace")
    code = authorize(oidc_provider, client)
    oidc_provider.sign_in_as("grace@example.com", "Grace Hopper")  # while Ada's code is out
    tokens = exchange(oidc_provider, client, code)
    assert verified_claims(oidc_provider, client, tokens["id_token"])["email"] == "ada@example.com"
    assert sign_in(oidc_provider, client)["email"] == "grace@example.com"


def test_auth_secrets_toml_is_streamlit_auth_section(oidc_provider) -> None:
    text = oidc_provider.auth_secrets_toml(REDIRECT_URI)
    auth = tomllib.loads(text)["auth"]
    assert auth == {
        "redirect_uri": REDIRECT_URI,
        "cookie_secret": auth["cookie_secret"],
        "client_id": "playground",
        "client_secret": "unused-by-mock",
        "server_metadata_url": oidc_provider.metadata_url,
    }
    assert len(auth["cookie_secret"]) >= 32
    assert oidc_provider.auth_secrets_toml(REDIRECT_URI) == text  # one secret per provider
