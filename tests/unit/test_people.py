"""Who is signed in: how sign-in is chosen, what counts as a person, who is an admin."""

from __future__ import annotations

import pytest

from playground.people import (
    draft_owner,
    person_from_header,
    person_from_user,
    sign_in_mode,
)
from playground.settings import Settings


def _settings(**values: object) -> Settings:
    return Settings(**values)  # type: ignore[arg-type]


def test_without_configuration_there_is_no_sign_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MODELHUNTER_TRUSTED_USER_HEADER", raising=False)
    assert sign_in_mode(_settings(), auth_configured=False) == "none"
    assert sign_in_mode(_settings(), auth_configured=True) == "oidc"
    header = _settings(trusted_user_header="X-Forwarded-Email")
    assert sign_in_mode(header, auth_configured=True) == "header", "the proxy signs in"


@pytest.mark.parametrize(
    "value",
    [None, "", "   ", "alice", "alice@", "@example.com", "a@b@c", "a b@example.com", "a@x,b@y"],
)
def test_a_header_that_names_nobody_lets_nobody_in(value: str | None) -> None:
    assert person_from_header(value, _settings(trusted_user_header="X-Email")) is None


def test_admins_are_recognised_in_any_case() -> None:
    settings = _settings(admin_emails=" Boss@Example.com ,other@example.com,")
    boss = person_from_header("boss@EXAMPLE.com", settings)
    assert boss is not None and boss.admin and boss.owner == "boss@example.com"
    alice = person_from_user({"is_logged_in": True, "email": "alice@example.com"}, settings)
    assert alice is not None and not alice.admin


def test_st_user_without_sign_in_or_email_is_nobody() -> None:
    settings = _settings()
    assert person_from_user({"is_logged_in": False, "email": "a@b.c"}, settings) is None
    assert person_from_user({"is_logged_in": True}, settings) is None
    named = person_from_user({"is_logged_in": True, "email": "a@b.c", "name": "Ann"}, settings)
    assert named is not None and named.label == "Ann (a@b.c)"


def test_two_people_on_one_browser_keep_separate_drafts() -> None:
    settings = _settings()
    alice = person_from_header("alice@example.com", settings)
    bob = person_from_header("bob@example.com", settings)
    browser = "0123456789abcdef"
    assert draft_owner(browser, None) == browser
    assert len({draft_owner(browser, alice), draft_owner(browser, bob), browser}) == 3
