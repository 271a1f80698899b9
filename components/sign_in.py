"""The sign-in gate (team mode) and the signed-in person's line in the sidebar.

Without sign-in configured the gate lets everyone in as the single user, as before. With it
(`playground.people`), nobody sees anything of the app before they are signed in: the page
shows a sign-in screen (OpenID Connect through `st.login()`) or, behind an SSO proxy whose
header is missing, a refusal naming what the administrator must fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from components.safe import md_escape
from playground.people import Person, person_from_header, person_from_user, sign_in_mode
from playground.settings import Settings
from playground.state import Session

__all__ = ["render_person", "sign_in_gate"]


def _auth_configured() -> bool:
    try:
        auth: Any = st.secrets.get("auth")
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return False
    return isinstance(auth, Mapping) and bool(auth)


def sign_in_gate(session: Session, settings: Settings) -> Person | None:
    """The signed-in person (None without sign-in configured); stops the page for anyone
    not signed in."""
    mode = sign_in_mode(settings, auth_configured=_auth_configured())
    person: Person | None = None
    if mode == "header":
        header = settings.trusted_user_header or ""
        person = person_from_header(st.context.headers.get(header), settings)
        if person is None:
            _refused(header)
    elif mode == "oidc":
        user = st.user.to_dict()
        person = person_from_user(user, settings)
        if person is None:
            _sign_in_screen(signed_in_without_email=bool(user.get("is_logged_in")))
    session.person = person
    return person


def _refused(header: str) -> None:
    st.title("Kling Playground")
    st.error(
        "You are not signed in. This app signs people in through the company's single "
        f"sign-on proxy, and this request did not come through it (no `{md_escape(header)}` "
        "header naming you). Open the app at its usual address; if that is what you did, "
        "tell the administrator.",
        icon=":material/lock:",
    )
    st.stop()


def _sign_in_screen(*, signed_in_without_email: bool) -> None:
    st.title("Kling Playground")
    st.write(
        "Make image-to-video clips with your team. Sign in to see your own gallery and "
        "runs; the team's API key and budgets are managed for you."
    )
    if signed_in_without_email:
        st.warning(
            "Your sign-in did not tell us your email address, which names your workspace. "
            "Sign out and use an account with an email, or ask the administrator.",
            icon=":material/alternate_email:",
        )
        st.button("Sign out", on_click=st.logout, key="sign_out_no_email")
    else:
        st.button("Sign in", type="primary", icon=":material/login:", on_click=st.login)
    st.stop()


def render_person(person: Person, *, can_sign_out: bool) -> None:
    """Who is signed in, in the sidebar (and Sign out when the app signed them in)."""
    with st.sidebar:
        role = " · admin" if person.admin else ""
        st.caption(f"Signed in as **{md_escape(person.label)}**{role}")
        if can_sign_out:
            st.button("Sign out", on_click=st.logout, icon=":material/logout:", key="sign_out")
