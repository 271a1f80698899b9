"""Team mode (issue 16) in a real browser: OIDC sign-in through a real local provider, each
person's own gallery on the team's Live key, a teammate's link opening view only, an admin's
per-person budget blocking Generate, and the trusted SSO header mode.

The OpenID Connect provider is the suite's `oidc_provider` (node, oauth2-mock-server): it
approves every /authorize at once for whoever `sign_in_as` named last, so each sign-in names
its person just before the browser clicks "Sign in". The app talks to the offline ModelHunter
in its own process, as in `test_live_key.py`. Streamlit reads the `[auth]` section from a temp
secrets file (`--secrets.files`), never the repo's `.streamlit/`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from playground.settings import scope_for
from playground.store import Store
from tests.e2e.conftest import (
    ARTIFACTS,
    CANARY_KEY,
    Server,
    free_port,
    start,
    stop,
    streamlit_env,
)

pytestmark = pytest.mark.e2e

ALICE = ("alice@example.com", "Alice Liddell")
BOB = ("bob@example.com", "Bob Marley")
BOSS = ("boss@example.com", "The Boss")
PROMPTS = {ALICE[0]: "alice's lighthouse at dawn", BOB[0]: "bob's harbour in the fog"}
VIEW = {"width": 1400, "height": 1000}
SLOW_MS = 30_000  # a page of a fresh app process (imports) or a sign-in round trip


@dataclass
class TeamApp:
    server: Server
    api: str  # the offline ModelHunter's base URL
    key: str


def _run_streamlit_on(name: str, env: dict[str, str], port: int, *extra: str) -> Iterator[Server]:
    """`run_streamlit` on a port chosen beforehand (the OIDC redirect_uri names it)."""
    url = f"http://127.0.0.1:{port}"
    args = ["-m", "streamlit", "run", "app.py", "--server.headless", "true"]
    args += ["--server.port", str(port), "--server.address", "127.0.0.1", *extra]
    proc, log = start(name, env, args, f"{url}/_stcore/health")
    try:
        yield Server(url, Path(env["MODELHUNTER_DATA_DIR"]), log)
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def team_app(tmp_path_factory: pytest.TempPathFactory, oidc_provider) -> Iterator[TeamApp]:
    """The app with the team's Live key, sign-in by OIDC, boss@example.com its admin."""
    tmp = tmp_path_factory.mktemp("team-app")
    api_port, app_port = free_port(), free_port()
    api = f"http://127.0.0.1:{api_port}/api/v1"
    secrets = tmp / "secrets.toml"  # a temp file: never the repo's .streamlit/
    secrets.write_text(
        oidc_provider.auth_secrets_toml(f"http://127.0.0.1:{app_port}/oauth2callback"),
        encoding="utf-8",
    )
    env = streamlit_env(tmp / "data")
    # --no-video: a tiny real MP4 per task instead of rendering one (two renders would
    # compete for the CPU with two browsers and the app; the clip's pixels don't matter here)
    args = ["-m", "fake_modelhunter", "--port", str(api_port), "--demo", "--no-video"]
    fake, _ = start("team-api", env, args, f"{api}/balance")  # 401 = up
    try:
        app_env = streamlit_env(
            tmp / "data",
            MODELHUNTER_KEY=CANARY_KEY,
            MODELHUNTER_BASE_URL=api,
            MODELHUNTER_ADMIN_EMAILS=BOSS[0],
            MODELHUNTER_BUDGET_USD="5",
        )
        for server in _run_streamlit_on(
            "team-app", app_env, app_port, "--secrets.files", str(secrets)
        ):
            yield TeamApp(server, api, CANARY_KEY)
    finally:
        stop(fake)


@pytest.fixture(scope="module")
def header_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app in Demo mode behind an SSO proxy that names the person in X-Forwarded-Email."""
    tmp = tmp_path_factory.mktemp("header-app")
    env = streamlit_env(tmp / "data", MODELHUNTER_TRUSTED_USER_HEADER="X-Forwarded-Email")
    empty = tmp / "secrets.toml"  # no [auth], no key: whatever the machine has configured
    empty.write_text("", encoding="utf-8")
    yield from _run_streamlit_on("header-app", env, free_port(), "--secrets.files", str(empty))


def _tasks(app: TeamApp) -> list[dict]:
    """Every task the offline ModelHunter holds for the team's key (GET /tasks)."""
    reply = httpx.get(
        f"{app.api}/tasks",
        params={"limit": 100},
        headers={"Authorization": f"Bearer {app.key}"},
        timeout=10,
    )
    reply.raise_for_status()
    return reply.json()["data"]


def _sign_in_screen(browser: Browser, app: TeamApp) -> Page:
    """A fresh browser (isolated context) on the app, not signed in (not waited for yet)."""
    page = browser.new_context(viewport=VIEW).new_page()
    page.goto(app.server.url)
    return page


def _sign_in_on(page: Page, oidc_provider, who: tuple[str, str], shot: str = "") -> Page:
    """Sign in as `who` from the sign-in screen, through the provider and back."""
    button = page.get_by_role("button", name="Sign in")
    expect(button).to_be_visible(timeout=SLOW_MS)
    expect(page.get_by_test_id("stTextArea")).to_have_count(0)  # nothing of the app yet
    expect(page.get_by_test_id("stSidebar")).to_have_count(0)
    if shot:
        page.screenshot(path=str(ARTIFACTS / shot))
    oidc_provider.sign_in_as(*who)  # the provider approves the next /authorize as `who`
    button.click()
    _signed_in_as(page, who)
    return page


def _shown(text: str) -> re.Pattern[str]:
    """`text` as the page shows it: md_escape puts an invisible word joiner after each `@`
    (so an address is not turned into a mailto link)."""
    return re.compile(re.escape(text).replace("@", "@\u2060?"))


def _signed_in_as(
    page: Page, who: tuple[str, str], heading: str | None = "Generate a video"
) -> None:
    email, name = who
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text(_shown(f"Signed in as {name} ({email})"), timeout=SLOW_MS)
    if heading:
        page.get_by_role("heading", name=heading).wait_for(timeout=SLOW_MS)


def _fill_form(page: Page, photo: Path, prompt: str) -> None:
    """The start image (unless the form kept the last one) and the prompt."""
    upload = page.locator("[class*='st-key-img-image-'][class*='-upload']")
    remove = page.locator("[class*='st-key-img-image-'][class*='-remove']")
    expect(upload.or_(remove).first).to_be_visible(timeout=SLOW_MS)
    if not remove.count():
        upload.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(photo))
    expect(remove).to_be_visible(timeout=20_000)
    prompt_box = page.get_by_role("textbox", name="Prompt", exact=True)  # not Variations'
    prompt_box.fill(prompt)
    prompt_box.blur()  # commits the value


def _generate_button(page: Page):
    return page.get_by_test_id("stButton").get_by_role("button", name=re.compile("Generate"))


def _open(page: Page, link: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=link).click()
    page.get_by_role("heading", name=link, exact=True).wait_for(timeout=SLOW_MS)


@dataclass
class Made:
    alice: Page
    bob: Page
    alice_run: str
    bob_run: str


@pytest.fixture(scope="module")
def made(browser: Browser, team_app: TeamApp, oidc_provider, photo_file: Path) -> Iterator[Made]:
    """Alice and Bob, each in their own browser, signed in, each with one finished run."""
    pages = {who[0]: _sign_in_screen(browser, team_app) for who in (ALICE, BOB)}
    for who in (ALICE, BOB):  # one at a time: the provider signs in whoever it was told last
        shot = "teams-sign-in-screen.png" if who == ALICE else ""
        page = _sign_in_on(pages[who[0]], oidc_provider, who, shot)
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar).to_contain_text("Live")
        expect(sidebar.get_by_text("river_live_", exact=False)).to_have_count(0)  # no key shown
        expect(sidebar.get_by_test_id("stTextInput")).to_have_count(0)  # no key field
    for email, page in pages.items():
        _fill_form(page, photo_file, PROMPTS[email])
        button = _generate_button(page)
        expect(button).to_contain_text("$0.42")
        expect(button).to_be_enabled()
        button.click()  # $0.42 is under the $1.00 confirmation threshold: sent at once
    for email, page in pages.items():
        card = page.locator("[class*='st-key-card_']").filter(has_text=PROMPTS[email]).first
        try:
            expect(card.locator("video")).to_be_attached(timeout=60_000)
        except AssertionError:
            page.screenshot(path=str(ARTIFACTS / "teams-no-card.png"), full_page=True)
            (ARTIFACTS / "teams-no-card.txt").write_text(page.locator("body").inner_text())
            raise
        expect(card).to_contain_text("charged $0.42")
        expect(page.get_by_test_id("stDialog")).to_have_count(0)  # no confirmation was asked
        expect(page.get_by_test_id("stSidebar")).to_contain_text("You spent $0.42 of $5.00")
    assert len(_tasks(team_app)) == 2, "one team key for both"
    runs = {}
    for email in pages:
        store = Store(team_app.server.data_dir, scope_for(team_app.key), owner=email)
        mine = store.runs()
        store.close()
        assert [r.prompt for r in mine] == [PROMPTS[email]], email
        runs[email] = mine[0].run_id
    yield Made(pages[ALICE[0]], pages[BOB[0]], runs[ALICE[0]], runs[BOB[0]])
    for page in pages.values():
        page.context.close()


def test_each_person_sees_only_their_own_runs_and_opens_a_teammates_link_view_only(
    made: Made, team_app: TeamApp
) -> None:
    for page, mine, theirs in (
        (made.alice, PROMPTS[ALICE[0]], PROMPTS[BOB[0]]),
        (made.bob, PROMPTS[BOB[0]], PROMPTS[ALICE[0]]),
    ):
        _open(page, "Gallery")
        expect(page.get_by_text(mine).first).to_be_visible(timeout=15_000)
        expect(page.get_by_text(theirs)).to_have_count(0)

    # Alice's share tools give the link; it carries the run id alone (no key, no workspace)
    share = made.alice.get_by_test_id("stCode").filter(has_text="gallery?run=").first
    expect(share).to_contain_text(f"/gallery?run={made.alice_run}")
    made.alice.screenshot(path=str(ARTIFACTS / "teams-signin.png"))
    link = share.inner_text().strip()
    assert link == f"{team_app.server.url}/gallery?run={made.alice_run}", link

    made.bob.goto(link)
    expect(made.bob.get_by_role("heading", name=PROMPTS[ALICE[0]])).to_be_visible(timeout=SLOW_MS)
    expect(made.bob.get_by_text("Shared with you: view only")).to_be_visible()
    expect(made.bob.get_by_test_id("stJson")).to_contain_text(PROMPTS[ALICE[0]])  # settings
    clip = made.bob.locator(".st-key-linked_clip video")
    expect(clip).to_be_attached()
    clip.evaluate(  # it plays (muted autoplay), not just a poster
        "(v) => new Promise((ok, fail) => { const t = () => v.currentTime > 0.2 && !v.paused;"
        " if (t()) return ok(); v.addEventListener('timeupdate', () => t() && ok());"
        " setTimeout(() => fail(new Error('the shared clip did not play')), 20000); })"
    )
    expect(made.bob.get_by_role("button", name="Re-run")).to_have_count(0)  # view only
    expect(made.bob.get_by_role("button", name="Delete")).to_have_count(0)
    expect(made.bob.get_by_test_id("stSidebar")).to_contain_text(_shown(BOB[0]))  # still Bob
    made.bob.screenshot(path=str(ARTIFACTS / "teams-shared-link.png"))

    for page, who in ((made.alice, ALICE), (made.bob, BOB)):  # a reload keeps them signed in
        page.reload()
        _signed_in_as(page, who, heading=None)
    expect(made.bob.get_by_text("Shared with you: view only")).to_be_visible()


def test_an_admins_budget_blocks_a_persons_generate(
    browser: Browser, made: Made, team_app: TeamApp, oidc_provider, photo_file: Path
) -> None:
    alice = made.alice
    nav = alice.get_by_test_id("stSidebarNav")
    expect(nav.get_by_role("link", name="Gallery")).to_be_visible()
    expect(nav.get_by_role("link", name="Team")).to_have_count(0)  # not an admin

    boss = _sign_in_on(_sign_in_screen(browser, team_app), oidc_provider, BOSS)
    expect(boss.get_by_test_id("stSidebar")).to_contain_text("admin")
    _open(boss, "Team")
    expect(boss).to_have_url(re.compile(r"/team$"))
    expect(boss.get_by_role("heading", name="Team budget")).to_be_visible()
    team_line = "Spent today $0.84 (no cap); this month $0.84 (no cap)."  # both runs
    expect(boss.get_by_text(team_line)).to_be_visible()
    expect(boss.get_by_role("heading", name="People")).to_be_visible()
    pick = boss.get_by_test_id("stSelectbox").filter(has_text="Set the budget of")
    pick.click()
    boss.get_by_role("option", name=ALICE[0]).click()
    expect(pick.get_by_role("combobox")).to_have_value(ALICE[0])
    form = boss.get_by_test_id("stForm").filter(has_text="Save budget")
    form.get_by_role("spinbutton", name="Daily budget (USD)", exact=True).fill("0.50")
    form.get_by_role("button", name="Save budget").click()
    expect(boss.get_by_test_id("stToast")).to_contain_text(_shown(f"Budget of {ALICE[0]} saved"))
    people_table = boss.get_by_test_id("stDataFrame").first  # everyone's spend and limits
    expect(people_table).to_contain_text("$0.50")
    store = Store(team_app.server.data_dir, scope_for(team_app.key), owner=BOSS[0])
    limits = store.ledger.limits(ALICE[0])
    store.close()
    assert limits.daily == Decimal("0.50") and limits.monthly is None, limits
    boss.screenshot(path=str(ARTIFACTS / "teams-admin.png"))
    boss.context.close()

    before = len(_tasks(team_app))
    alice.goto(team_app.server.url)  # Generate, in the browser she was signed in with
    _signed_in_as(alice, ALICE)
    expect(alice.get_by_test_id("stSidebar")).to_contain_text("You spent $0.42 of $0.50 today")
    _fill_form(alice, photo_file, "alice's second take")
    reason = "over your daily budget ($0.50)"
    expect(alice.get_by_text(reason, exact=False).first).to_be_visible(timeout=15_000)
    expect(alice.get_by_text("Ask an admin", exact=False).first).to_be_visible()
    expect(_generate_button(alice)).to_be_disabled()
    alice.keyboard.press("Control+Enter")  # the shortcut can't send it either
    expect(_generate_button(alice)).to_be_disabled()
    alice.screenshot(path=str(ARTIFACTS / "teams-blocked.png"))
    assert len(_tasks(team_app)) == before, "a blocked Generate sent nothing"

    made.bob.goto(team_app.server.url)  # Bob keeps the default budget
    _signed_in_as(made.bob, BOB)
    _fill_form(made.bob, photo_file, "bob is not limited by alice's budget")
    expect(_generate_button(made.bob)).to_contain_text("$0.42")
    expect(_generate_button(made.bob)).to_be_enabled()
    expect(made.bob.get_by_text(reason, exact=False)).to_have_count(0)


def test_signing_out_shows_the_sign_in_screen_again(made: Made, team_app: TeamApp) -> None:
    """Runs after the others that use Alice's browser (pytest keeps the file's order)."""
    alice = made.alice
    alice.goto(team_app.server.url)
    _signed_in_as(alice, ALICE)
    alice.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    expect(alice.get_by_role("button", name="Sign in")).to_be_visible(timeout=SLOW_MS)
    expect(alice.get_by_test_id("stTextArea")).to_have_count(0)
    expect(alice.get_by_text("Signed in as")).to_have_count(0)
    alice.reload()  # signed out for good, not just on this page view
    expect(alice.get_by_role("button", name="Sign in")).to_be_visible(timeout=SLOW_MS)
    alice.screenshot(path=str(ARTIFACTS / "teams-signed-out.png"))
    made.bob.reload()
    _signed_in_as(made.bob, BOB)  # Bob's browser is not affected


def test_a_trusted_header_signs_people_in_and_its_absence_is_refused(
    browser: Browser, header_app: Server
) -> None:
    stranger = browser.new_context(viewport=VIEW)
    page = stranger.new_page()
    page.goto(header_app.url)
    expect(page.get_by_text("You are not signed in")).to_be_visible(timeout=SLOW_MS)
    expect(page.get_by_text("X-Forwarded-Email")).to_be_visible()
    expect(page.get_by_test_id("stTextArea")).to_have_count(0)  # no form
    expect(page.get_by_test_id("stFileUploader")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "teams-header-refused.png"))
    stranger.close()

    carol = browser.new_context(
        viewport=VIEW, extra_http_headers={"X-Forwarded-Email": "carol@example.com"}
    )
    page = carol.new_page()
    page.goto(header_app.url)
    page.get_by_role("heading", name="Generate a video").wait_for(timeout=SLOW_MS)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text(_shown("Signed in as carol@example.com"))
    expect(sidebar.get_by_role("button", name="Sign out")).to_have_count(0)  # the proxy's job
    expect(page.get_by_text("You are not signed in")).to_have_count(0)
    expect(_generate_button(page)).to_be_visible()
    expect(sidebar).to_contain_text("Nothing is charged")  # the page ran to its end
    page.screenshot(path=str(ARTIFACTS / "teams-header-signed-in.png"))
    carol.close()

    # Streamlit reads st.context.headers from the websocket's handshake, not the page's
    # request: a proxy naming the person on plain HTTP requests only does not sign anyone in.
    # (`extra_http_headers` above is sent on the handshake too; `route` sees HTTP only.)
    half = browser.new_context(viewport=VIEW)
    page = half.new_page()
    page.route(
        "**/*",
        lambda route: route.continue_(
            headers={**route.request.headers, "x-forwarded-email": "mallory@example.com"}
        ),
    )
    page.goto(header_app.url)
    expect(page.get_by_text("You are not signed in")).to_be_visible(timeout=SLOW_MS)
    half.close()
