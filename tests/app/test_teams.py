"""Team mode (issue 16) in AppTest: sign-in gate, personal workspaces on one team key, admin
budgets that block a paid submit, the Team page's spend and CSV.

Sign-in is `st.login()` with an `[auth]` section (seeded into `at.secrets`); who is signed in
is `at.user` (AppTest cannot run the OIDC redirect: Chromium does, in tests/e2e/test_teams.py).
The team's Live key talks to the offline ModelHunter served on loopback.
"""

from __future__ import annotations

import csv
import io
import os
from datetime import UTC
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fake_modelhunter import FakeModelHunter
from playground.costs import CostLine, cost_lines, lines_csv
from playground.settings import scope_for
from playground.store import Store

APP = Path(__file__).resolve().parents[2] / "app.py"
LIVE = "river_live_" + "t3amk" * 6 + "ey"
AUTH = {
    "redirect_uri": "http://127.0.0.1:1/oauth2callback",
    "cookie_secret": "team-test-cookie-secret-0123456789abcdef",
    "client_id": "playground",
    "client_secret": "unused",
    "server_metadata_url": "http://127.0.0.1:1/.well-known/openid-configuration",
}
ALICE, BOB, ADMIN = "alice@example.com", "bob@example.com", "boss@example.com"
PROMPT = "form|kling-v3|input.prompt|0"


@pytest.fixture
def api(served_api: FakeModelHunter, monkeypatch: pytest.MonkeyPatch) -> FakeModelHunter:
    """The offline API on loopback, the team's Live key, admins and budgets configured."""
    monkeypatch.setenv("MODELHUNTER_KEY", LIVE)
    monkeypatch.setenv("MODELHUNTER_ADMIN_EMAILS", f"Other@example.com, {ADMIN.upper()}")
    monkeypatch.setenv("MODELHUNTER_BUDGET_USD", "5.00")
    return served_api


def _app(email: str | None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.secrets["auth"] = AUTH
    at.user = (
        {"is_logged_in": False}
        if email is None
        else {
            "is_logged_in": True,
            "email": email,
            "name": email.split("@")[0].title(),
        }
    )
    at.run()
    assert not at.exception, at.exception
    if page is not None:
        at.switch_page(page).run()
        assert not at.exception, at.exception
    return at


def _submit(at: AppTest, png: bytes, prompt: str) -> None:
    at.file_uploader(key="img|image|0|upload").set_value(("a.png", png, "image/png")).run()
    at.text_area(key=PROMPT).input(prompt).run()
    at.button(key="submit").click().run()
    assert not at.exception, at.exception


def _team_lines() -> list[CostLine]:
    """What the Team page's CSV holds: every person's ledger lines of the team workspace."""
    store = Store(Path(os.environ["MODELHUNTER_DATA_DIR"]), scope_for(LIVE), owner=ADMIN)
    runs = {r.run_id: r for r in store.runs(everyone=True)}
    return cost_lines(store.ledger.entries(everyone=True), runs, live=True, tz=UTC)


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [c.value for c in at.sidebar.caption] + [e.value for e in at.error]
    parts += [w.value for w in at.warning] + [t.value for t in at.title]
    parts += [h.value for h in at.subheader]
    return " ".join(str(p) for p in parts).replace("\\", "").replace("\u2060", "")


def test_nobody_gets_past_the_sign_in_screen(api) -> None:
    at = _app(None)
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.text_area, "no form before sign-in"
    assert not at.sidebar.text_input, "no key field"
    assert api.requests == [], "nothing reaches the API before sign-in"


def test_a_teammate_has_no_key_field_and_sees_who_is_signed_in(api) -> None:
    at = _app(ALICE)
    assert not [t for t in at.sidebar.text_input if "key" in t.label.lower()]
    assert LIVE[-8:] not in _texts(at), "the team's key is never shown, not even masked"
    assert "Signed in as" in _texts(at) and ALICE in _texts(at)
    assert any(b.label == "Sign out" for b in at.sidebar.button)


def test_each_person_sees_only_their_own_runs_but_a_shared_link_opens(api, png) -> None:
    alice = _app(ALICE)
    _submit(alice, png, "alice's lighthouse")
    bob = _app(BOB)
    _submit(bob, png, "bob's harbour")
    assert api.task_count(LIVE) == 2, "one team key"

    alice_gallery = _app(ALICE, "app_pages/gallery.py")
    bob_gallery = _app(BOB, "app_pages/gallery.py")
    assert "alice's lighthouse" in _texts(alice_gallery) + str(alice_gallery.session_state)
    mine = alice_gallery.session_state["kp_session"].runs
    theirs = bob_gallery.session_state["kp_session"].runs
    assert len(mine) == 1 and len(theirs) == 1 and set(mine).isdisjoint(theirs)
    alice_run = next(iter(mine))

    link = AppTest.from_file(str(APP), default_timeout=60)
    link.secrets["auth"] = AUTH
    link.user = {"is_logged_in": True, "email": BOB}
    link.run()
    link.switch_page("app_pages/gallery.py")
    link.query_params["run"] = alice_run
    link.run()
    assert not link.exception, link.exception
    assert "Result not found" not in _texts(link)
    assert "alice's lighthouse" in _texts(link)


def test_an_admin_budget_blocks_a_persons_submit_and_the_team_page_shows_spend(api, png) -> None:
    alice = _app(ALICE)
    _submit(alice, png, "first take")
    assert api.task_count(LIVE) == 1
    assert not [p for p in alice.get("page_link") if "team" in str(p.proto.page)], "not admin"

    admin = _app(ADMIN, "app_pages/team.py")
    assert "Team budget" in _texts(admin)
    admin.selectbox(key="team_person").set_value(ALICE).run()
    daily = next(n for n in admin.number_input if n.label == "Daily budget (USD)")
    daily.set_value(0.50)  # in a form: sent with the submit
    next(b for b in admin.button if b.label == "Save budget").click().run()
    assert not admin.exception, admin.exception
    assert any(ALICE in str(df.value.to_dict()) for df in admin.dataframe)

    again = _app(ALICE)
    again.file_uploader(key="img|image|0|upload").set_value(("a.png", png, "image/png")).run()
    again.text_area(key=PROMPT).input("second take").run()
    assert again.button(key="submit").disabled
    assert "over your daily budget ($0.50)" in _texts(again)
    assert "Ask an admin" in _texts(again)
    assert api.task_count(LIVE) == 1, "nothing sent"

    bob = _app(BOB)
    _submit(bob, png, "bob is not limited by alice's budget")
    assert api.task_count(LIVE) == 2

    team = _app(ADMIN, "app_pages/team.py")
    people = " ".join(str(df.value.to_dict()) for df in team.dataframe)
    assert ALICE in people and BOB in people
    assert team.download_button(key="costs_csv").label == "Download CSV"
    rows = list(csv.reader(io.StringIO(lines_csv(_team_lines(), people=True))))
    assert rows[0][0] == "person"
    assert sorted({r[0] for r in rows[1:-1]}) == [ALICE, BOB]


def test_the_team_page_is_for_admins_only(api) -> None:
    admin = _app(ADMIN, "app_pages/team.py")  # admins have it in the navigation
    assert "Team budget" in _texts(admin)
    teammate = _app(ALICE)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        teammate.switch_page("app_pages/team.py")  # not registered for a teammate at all


def test_an_admin_puts_a_person_back_on_the_default_budget(api) -> None:
    _app(ALICE)  # alice has signed in once: the admin can pick her
    admin = _app(ADMIN, "app_pages/team.py")
    admin.selectbox(key="team_person").set_value(ALICE).run()
    next(n for n in admin.number_input if n.label == "Daily budget (USD)").set_value(0.0)
    next(b for b in admin.button if b.label == "Save budget").click().run()
    assert _daily_budget_of(admin, ALICE) == "$0.00"

    next(b for b in admin.button if b.label == "Use the defaults").click().run()
    assert not admin.exception, admin.exception
    assert _daily_budget_of(admin, ALICE) == "$5.00 (default)"
    daily = next(n for n in admin.number_input if n.label == "Daily budget (USD)")
    assert daily.value is None, "the field is empty again: the default applies"


def _daily_budget_of(at: AppTest, email: str) -> str:
    """The People table's "Daily budget" cell of `email`."""
    table = at.dataframe[0].value
    return str(table.loc[table["Person"] == email, "Daily budget"].iloc[0])


def test_a_teammates_presentation_and_compare_links_open(api, png) -> None:
    alice = _app(ALICE)
    _submit(alice, png, "alice's lighthouse")
    alice.text_area(key=PROMPT).input("alice's harbour").run()
    alice.button(key="submit").click().run()
    assert not alice.exception, alice.exception
    api.clock.advance(60)
    gallery = _app(ALICE, "app_pages/gallery.py")  # her gallery brings both videos in
    runs = gallery.session_state["kp_session"].runs
    assert all(r.video_file for r in runs.values()), [r.status for r in runs.values()]
    ids = list(runs)

    present = _app(BOB)
    present.switch_page("app_pages/present.py")
    present.query_params["runs"] = ",".join(ids)
    present.run()
    assert not present.exception, present.exception
    assert "Nothing to present" not in _texts(present)
    assert len(present.get("video")) >= 1

    compare = _app(BOB)
    compare.switch_page("app_pages/compare.py")
    compare.query_params["runs"] = ",".join(ids)
    compare.run()
    assert not compare.exception, compare.exception
    assert len(compare.get("video")) + len(compare.get("bidi_component")) >= 2
