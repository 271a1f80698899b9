"""Who is using the app when sign-in is configured (team mode), and what follows from it.

Sign-in is one of (`sign_in_mode`):

- **none** (default): one user, exactly as without teams. Workspaces are the key's, or in
  Demo mode each browser's (`playground.identity`).
- **oidc**: Streamlit's `st.login()` with the OpenID Connect provider of `[auth]` in
  `.streamlit/secrets.toml`; the person is `st.user`'s email.
- **header**: an SSO proxy in front of the app names the person in a request header
  (`MODELHUNTER_TRUSTED_USER_HEADER`, e.g. X-Forwarded-Email). The app trusts that header
  blindly: it is safe only when every request reaches the app through that proxy and the
  proxy strips any copy a client sent (spoofing is the proxy's job to prevent). A request
  without it is not let in. When both are configured, the header wins (the proxy signs in).

With sign-in, the team shares one workspace (the configured key's, or one Demo workspace)
and each person is an `owner` inside it: their own gallery, history view, batches, presets,
prompts, stars and notes, and their own budget within the team's (`playground.ledger`).
Admins are the emails in `MODELHUNTER_ADMIN_EMAILS`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict

from playground.settings import Settings

__all__ = [
    "TEAM_DEMO_KEY_SEED",
    "Person",
    "SignIn",
    "draft_owner",
    "person_from_header",
    "person_from_user",
    "sign_in_mode",
]

SignIn = Literal["none", "oidc", "header"]
# Demo mode with sign-in: the team's one offline workspace answers to one Demo key, so the
# shared poller can refresh every teammate's demo runs with it.
TEAM_DEMO_KEY_SEED = "team-demo-workspace-0000000000000"
_EMAIL = re.compile(r"[^@\s,;<>\"]{1,128}@[^@\s,;<>\"]{1,253}")


class Person(BaseModel):
    """A signed-in person: the owner of their runs inside the team's workspace."""

    model_config = ConfigDict(frozen=True)

    email: str
    name: str = ""
    admin: bool = False

    @property
    def owner(self) -> str:
        """Their rows' owner in the store: the email, lowercased."""
        return self.email.lower()

    @property
    def label(self) -> str:
        return (
            f"{self.name} ({self.email})" if self.name and self.name != self.email else self.email
        )


def sign_in_mode(settings: Settings, *, auth_configured: bool) -> SignIn:
    """How people sign in here (see the module docstring)."""
    if settings.trusted_user_header:
        return "header"
    return "oidc" if auth_configured else "none"


def _person(email: object, name: object, settings: Settings) -> Person | None:
    if not isinstance(email, str) or not _EMAIL.fullmatch(email.strip()):
        return None
    email = email.strip()
    shown = name.strip()[:120] if isinstance(name, str) else ""
    return Person(email=email, name=shown, admin=email.lower() in settings.admins)


def person_from_header(value: str | None, settings: Settings) -> Person | None:
    """The person the proxy's header names (None: absent or not an email)."""
    return _person(value, "", settings)


def person_from_user(user: Mapping[str, object], settings: Settings) -> Person | None:
    """The person `st.user` describes (None: not signed in, or no email claim)."""
    if not user.get("is_logged_in"):
        return None
    return _person(user.get("email"), user.get("name"), settings)


def draft_owner(browser_hash: str, person: Person | None) -> str:
    """Whose saved draft this is: the browser's, or the person's on this browser."""
    if person is None:
        return browser_hash
    return hashlib.sha256(f"{person.owner}\n{browser_hash}".encode()).hexdigest()[:32]
