"""Two app replicas on one PostgreSQL database (issue 16), driven in a real browser.

Two `streamlit run` processes on two ports share one PostgreSQL database
(`MODELHUNTER_DATABASE_URL`) and one data dir, with one Live key and sign-in by a trusted
header (`X-Forwarded-Email`): everyone works in the key's workspace, each person with their
own budget of `MODELHUNTER_BUDGET_USD=1.00` a day, so each test signs in its own people.
Both replicas talk over HTTP to one offline ModelHunter process (`python -m
fake_modelhunter --no-video`: the documented task timing, a 3 s clip is ready 25 s after its
submit, and one tiny static MP4 as every result) that appends every request it answers to a
JSON-lines log (`--log-requests`). Replica 1
reaches it as `127.0.0.1`, replica 2 as `localhost`: the same server, and the logged Host
says which replica sent a request.

- Polling: with six runs in progress, three sessions on each replica, the workspace
  costs at most one poll request per cycle in total, all sent by the replica holding the
  workspace's polling lease (`poll_leases`); the other replica sends none, yet its pages
  show its runs progress and finish.
- A run submitted on replica 1 shows in replica 2's Gallery, and later with its video.
- Paid submits fired on both replicas at one instant (Chromium), and by two worker
  processes (`Jobs` + `Store(database_url=...)` + a real HTTP client), never take a person
  past the budget: the API creates at most floor(budget / price) tasks for them and their
  ledger in PostgreSQL sums to at most the budget.

Every wait is on a condition (page state, the request log, the store) with a deadline;
screenshots go to test-artifacts/replicas-*.png.
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from playground.database import sql
from playground.runs import Run
from playground.settings import scope_for
from playground.store import Store
from playground.tracker import LIVE_TICK_S
from tests.e2e.conftest import (
    ARTIFACTS,
    ROOT,
    free_port,
    start,
    stop,
    streamlit_env,
    wait_healthy,
)

pytestmark = pytest.mark.e2e

KEY = "river_live_" + "REPLICAS" + "x4" * 12  # assembled: no key literal in the repo
SCOPE = scope_for(KEY)
HEADER = "X-Forwarded-Email"
BUDGET = Decimal("1.00")
PRICE = Decimal("0.252")  # kling-v3, 3 s, Standard, no sound: $0.084/s × 3 s
PRICE_LABEL = "$0.252"
# floor(1.00 / 0.252) = 3, an odd number: when two pages fire together with two runs' room
# used, exactly one more fits, so a budget check that two replicas could both pass is caught
# (with an even number, pairs of simultaneous submits never compete for the last run).
FITS = int(BUDGET // PRICE)
TASK_S = 25.0  # the offline API's real timing for a 3 s clip: 2 s + 5 s + 6 s/clip-second
LIST = "/api/v1/tasks"
SUBMIT = "/api/v1/kling/image-to-video"
ONE_TASK = re.compile(r"^/api/v1/tasks/[^/]+$")


# --- the replicas -------------------------------------------------------------------------


@dataclass
class Replica:
    name: str
    url: str
    api_host: str  # the Host header of the API requests it sends
    pid: int
    log: Path


@dataclass
class Cluster:
    replicas: tuple[Replica, Replica]
    database_url: str
    data_dir: Path
    requests_log: Path
    _stores: dict[str, Store] = field(default_factory=dict)

    def store(self, person: str = "") -> Store:
        """The workspace's store as `person` sees it, in PostgreSQL (read by the test)."""
        if person not in self._stores:
            self._stores[person] = Store(
                self.data_dir, SCOPE, owner=person, database_url=self.database_url
            )
        return self._stores[person]

    def requests(self, since: float = 0.0, until: float = float("inf")) -> list[dict[str, Any]]:
        """Requests the API answered that arrived in [since, until], oldest first."""
        entries = []
        for line in self.requests_log.read_text().splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:  # a line being written right now
                continue
            if since <= entry["t"] <= until:
                entries.append(entry)
        return sorted(entries, key=lambda e: e["t"])

    def lease_holder(self) -> Replica | None:
        """The replica whose polling lease of the workspace is current, if any."""
        with self.store().db.connect() as db:
            row = sql(
                db, "SELECT holder, until FROM poll_leases WHERE scope=:scope", scope=SCOPE
            ).first()
        if row is None or datetime.fromisoformat(row[1]).timestamp() < time.time():
            return None
        pid = int(row[0].split(":")[1])  # "host:pid:token" (playground.shared_poller.HOLDER)
        for replica in self.replicas:
            if replica.pid == pid:
                return replica
        raise AssertionError(f"the polling lease is held by a stranger: {row[0]}")

    def replica_of(self, host: str) -> Replica:
        return next(r for r in self.replicas if r.api_host == host)

    def close(self) -> None:
        for store in self._stores.values():
            store.close()


def _start_replicas(
    specs: list[tuple[str, dict[str, str], str]], procs: list[subprocess.Popen[bytes]]
) -> list[Replica]:
    """`streamlit run` for every (name, env, api host) at once (each process added to
    `procs`, for the caller to stop), then wait until each answers."""
    replicas = []
    for name, env, api_host in specs:
        port = free_port()
        log = ARTIFACTS / f"{name}.log"  # kept for reading after a failure
        args = ["-m", "streamlit", "run", "app.py", "--server.headless", "true"]
        args += ["--server.port", str(port), "--server.address", "127.0.0.1"]
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, *args], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        procs.append(proc)
        replicas.append(Replica(name, f"http://127.0.0.1:{port}", api_host, proc.pid, log))
    for proc, replica in zip(procs[-len(replicas) :], replicas, strict=True):
        wait_healthy(f"{replica.url}/_stcore/health", proc, replica.log)
    return replicas


@pytest.fixture(scope="module")
def cluster(postgres_server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """The offline API, then both replicas on one fresh PostgreSQL database and data dir."""
    database_url = postgres_server.create_database()
    data_dir = tmp_path_factory.mktemp("replicas") / "data"  # shared by both replicas
    ARTIFACTS.mkdir(exist_ok=True)
    requests_log = ARTIFACTS / "replicas-api-requests.jsonl"
    requests_log.write_text("")
    port = free_port()
    args = ["-m", "fake_modelhunter", "--port", str(port), "--no-video"]
    args += ["--log-requests", str(requests_log)]
    procs: list[subprocess.Popen[bytes]] = []
    made: Cluster | None = None
    try:
        health = f"http://127.0.0.1:{port}/api/v1/balance"  # 401 = up
        fake, _ = start("replicas-api", streamlit_env(data_dir), args, health)
        procs.append(fake)
        specs = []
        for n, host in ((1, f"127.0.0.1:{port}"), (2, f"localhost:{port}")):
            env = streamlit_env(
                data_dir,
                MODELHUNTER_KEY=KEY,
                MODELHUNTER_BASE_URL=f"http://{host}/api/v1",
                MODELHUNTER_DATABASE_URL=database_url,
                MODELHUNTER_TRUSTED_USER_HEADER=HEADER,
                MODELHUNTER_BUDGET_USD=str(BUDGET),
            )
            specs.append((f"replicas-app-{n}", env, host))
        first, second = _start_replicas(specs, procs)
        made = Cluster((first, second), database_url, data_dir, requests_log)
        yield made
    finally:
        for proc in reversed(procs):  # the replicas, then the API
            stop(proc)
        if made is not None:
            made.close()
        postgres_server.drop_database(database_url)


# --- helpers ------------------------------------------------------------------------------


def until(condition: Callable[[], Any], timeout_s: float, what: str) -> Any:
    """Poll `condition` until it returns something truthy (returned); fail after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(0.2)  # the interval between checks of a condition, not a wait by itself


def open_pages(
    browser: Browser, wanted: list[tuple[Replica, str, str]], path: str = ""
) -> list[Page]:
    """A new browser session per (replica, person, settings) signed in as the person by the
    proxy's header, their pages loading together. `settings`: a settings link's query
    (`duration=3&prompt=…`) that fills the form, as a shared link would."""
    pages = []
    for replica, person, settings in wanted:
        context = browser.new_context(
            viewport={"width": 1400, "height": 1000}, extra_http_headers={HEADER: person}
        )
        page = context.new_page()
        page.goto(
            f"{replica.url}/{path}" + (f"?{settings}" if settings else ""), wait_until="commit"
        )
        pages.append(page)
    heading = "Gallery" if path == "gallery" else "Generate a video"
    for page in pages:
        page.get_by_role("heading", name=heading).wait_for(timeout=30_000)
    return pages


def open_page(
    browser: Browser, replica: Replica, person: str, path: str = "", settings: str = ""
) -> Page:
    (page,) = open_pages(browser, [(replica, person, settings)], path)
    return page


SHORT = urlencode({"model": "kling-v3", "duration": 3})  # a 3 s clip: $0.252


def start_upload(page: Page, photo: Path) -> None:
    # The start image's uploader, keyed `img|image|<form generation>` (a settings link
    # fills the form anew: generation 1); not the end frame's (`img|image_tail|…`)
    start_image = page.locator("[class*='st-key-img-image-'][class*='-upload']")
    start_image.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(photo))


def upload_taken(page: Page) -> None:
    """The uploaded start image is taken, and the form costs one 3 s clip."""
    expect(page.locator("[class*='st-key-img-image-'][class*='-remove']")).to_be_visible(
        timeout=30_000
    )
    expect(generate_button(page)).to_contain_text(PRICE_LABEL)


def generate_button(page: Page) -> Locator:
    return page.get_by_test_id("stButton").get_by_role("button", name=re.compile("Generate"))


def write_prompt(page: Page, prompt: str) -> None:
    box = page.get_by_test_id("stTextArea").locator("textarea").first
    box.fill(prompt)
    box.blur()  # commits the value (a full rerun)


def in_progress(page: Page, prompt: str) -> Locator:
    """The Generate page's card of a run in progress (containers keyed `active_<run id>`)."""
    return page.locator("[class*='st-key-active_']").filter(has_text=prompt)


def result_card(page: Page, prompt: str) -> Locator:
    """A finished run's card (keyed `card_<run id>`), on the Generate page or the Gallery."""
    return page.locator("[class*='st-key-card_']").filter(has_text=prompt).first


def submit(page: Page, prompt: str) -> None:
    """Write the prompt and press Generate; returns once the run shows in progress."""
    write_prompt(page, prompt)
    button = generate_button(page)
    expect(button).to_contain_text(PRICE_LABEL)  # below $1.00: no confirmation dialog
    expect(button).to_be_enabled()
    button.click()
    expect(in_progress(page, prompt)).to_be_visible(timeout=30_000)


def is_poll(entry: dict[str, Any]) -> bool:
    """A request that asks about tasks: the list, or one task by id."""
    path = entry["path"]
    return entry["method"] == "GET" and (path == LIST or bool(ONE_TASK.match(path)))


def is_list(entry: dict[str, Any]) -> bool:
    return entry["method"] == "GET" and entry["path"] == LIST


def created_tasks(entries: list[dict[str, Any]]) -> int:
    """Tasks the API accepted (a submit, `POST /kling/image-to-video`, answered 2xx)."""
    return sum(
        1
        for e in entries
        if e["method"] == "POST" and e["path"] == SUBMIT and 200 <= (e["status"] or 0) < 300
    )


def spent(cluster: Cluster, person: str) -> Decimal:
    """What the person's ledger in PostgreSQL counts against their budget."""
    return sum((e.amount for e in cluster.store(person).ledger.entries()), Decimal(0))


def with_task(cluster: Cluster, person: str) -> list[Run]:
    return [run for run in cluster.store(person).runs() if run.task is not None]


# --- polling: one request per cycle for the workspace, sent by the lease holder ----------


def test_one_poll_request_per_cycle_across_replicas_and_sessions(
    browser: Browser, cluster: Cluster, photo_file: Path
) -> None:
    one, two = cluster.replicas
    # Three sessions on each replica, one run each, all in progress together. (One run per
    # page: two finished runs on one page show two byte-identical clips of the API's
    # --no-video, and the page's `st.video` without a key (components/gallery.py) then fails
    # with StreamlitDuplicateElementId.)
    names = ["carol", "erin", "dave", "frank", "gina", "hank"]
    replicas = [one, two] * 3
    prompts = [f"polled {name}" for name in names]
    wanted = [
        (replica, f"{name}@example.com", f"{SHORT}&{urlencode({'prompt': prompt})}")
        for replica, name, prompt in zip(replicas, names, prompts, strict=True)
    ]
    pages = open_pages(browser, wanted)
    for page in pages:
        start_upload(page, photo_file)
    for page in pages:
        upload_taken(page)
    for page in pages:  # every Generate pressed together: six runs in progress at once
        generate_button(page).click()
    for page, prompt in zip(pages, prompts, strict=True):
        expect(in_progress(page, prompt)).to_be_visible(timeout=30_000)
    begin = time.time()  # nothing is clicked from here on: every request is a timer's
    people = [f"{name}@example.com" for name in names]
    watched = [run.run_id for p in people for run in cluster.store(p).runs() if run.active]
    assert len(watched) == 6, watched

    holders: list[tuple[float, str | None]] = []  # (when, replica) from `poll_leases`
    shown: dict[str, float] = {}  # when a page of the other replica first showed progress

    def every_run_finished() -> bool:
        holder = cluster.lease_holder()
        holders.append((time.time(), holder.name if holder else None))
        for replica, name, prompt, page in zip(replicas, names, prompts, pages, strict=True):
            if holder is None or replica is holder or name in shown:
                continue
            card = in_progress(page, prompt)
            if card.get_by_text(re.compile(r"Generating · [1-9]\d?%")).count():
                shown[name] = time.time()
                if len(shown) == 1:
                    card.scroll_into_view_if_needed()
                    page.screenshot(path=str(ARTIFACTS / "replicas-progress-on-the-other.png"))
        runs = [cluster.store().get(run_id) for run_id in watched]
        return all(run is not None and not run.active and run.video_file for run in runs)

    until(every_run_finished, TASK_S + 60, "every run to finish with its video")

    done = [run for run_id in watched if (run := cluster.store().get(run_id)) and run.task]
    first_done = min(run.task.completed_at.timestamp() for run in done if run.task)
    window = first_done - begin  # every watched run in progress and no page touched
    cycles = window / LIVE_TICK_S
    polls = [e for e in cluster.requests(begin, first_done) if is_poll(e)]
    lists = [e for e in polls if is_list(e)]
    held = [name for t, name in holders if begin <= t <= first_done]
    claimed = held[next((i for i, name in enumerate(held) if name), len(held)) :]
    lease = set(claimed)  # from the first claim on (none before the first timer tick)
    senders = {cluster.replica_of(e["host"]).name for e in polls}
    gaps = [b["t"] - a["t"] for a, b in itertools.pairwise(polls)]
    report = (
        f"{len(watched)} runs in progress on 2 replicas x 3 sessions for {window:.1f} s = "
        f"{cycles:.1f} cycles of {LIVE_TICK_S:g} s: {len(lists)} list requests + "
        f"{len(polls) - len(lists)} single-task GETs = {len(polls)} poll requests "
        f"({len(polls) / cycles:.2f} per cycle), sent by {sorted(senders)}; lease held by "
        f"{sorted(map(str, lease))}; shortest gap between polls {min(gaps, default=0):.2f} s"
    )
    print(report)
    (ARTIFACTS / "replicas-polling.txt").write_text(report + "\n")

    assert cycles >= 3, report  # long enough to mean something
    assert len(lease) == 1 and None not in lease, report  # one holder from its first claim
    assert senders <= lease, report  # the other replica asked about nothing
    assert 1 <= len(lists) <= cycles + 1, report
    assert len(polls) <= cycles + 1, report
    others = {n for r, n in zip(replicas, names, strict=True) if r.name not in lease}
    # The other replica's pages showed its runs progress (fetched by the holder) meanwhile
    assert set(shown) == others, (shown, others, report)
    assert all(t <= first_done for t in shown.values()), (shown, first_done)

    for page, prompt in zip(pages, prompts, strict=True):  # and every page ends with its video
        expect(result_card(page, prompt).locator("video")).to_be_attached(timeout=30_000)
    other = next(p for r, p in zip(replicas, pages, strict=True) if r.name not in lease)
    other.screenshot(path=str(ARTIFACTS / "replicas-finished-on-the-other.png"))
    for page in pages:
        page.context.close()


# --- a run submitted on one replica, in the other's Gallery ------------------------------

ALICE = "alice@example.com"
ALICE_PROMPT = "harbour at dusk, sent from replica one"


@pytest.fixture(scope="module")
def alice_run(browser: Browser, cluster: Cluster, photo_file: Path) -> str:
    """A run alice submitted on replica 1 (whose page she then closed); its prompt."""
    page = open_page(browser, cluster.replicas[0], ALICE, settings=SHORT)
    start_upload(page, photo_file)
    upload_taken(page)
    submit(page, ALICE_PROMPT)  # the prompt typed, Generate pressed
    page.screenshot(path=str(ARTIFACTS / "replicas-submitted-on-1.png"))
    page.context.close()
    return ALICE_PROMPT


def test_a_run_submitted_on_replica_1_shows_in_replica_2s_gallery(
    browser: Browser, cluster: Cluster, alice_run: str
) -> None:
    page = open_page(browser, cluster.replicas[1], ALICE, "gallery")
    card = result_card(page, alice_run)
    expect(card).to_be_visible()
    # in progress, as replica 1's submit and the polling (whichever replica) left it
    expect(card).to_contain_text(re.compile(r"Accepted, waiting|Queued at Kling|Generating"))
    page.screenshot(path=str(ARTIFACTS / "replicas-gallery-in-progress.png"), full_page=True)
    (run,) = cluster.store(ALICE).runs()
    assert run.prompt == alice_run and run.task is not None
    assert cluster.store(ALICE).owner_of(run.run_id) == ALICE
    page.context.close()


# --- the budget: paid submits fired together on both replicas -----------------------------

REFUSED = "Nothing was sent"  # the budget's refusal of a click (BudgetExceededError)
BLOCKED = "would take today's spend"  # the price panel's reason why Generate is off
# What a click did, latched in the page as soon as it shows (`window.__outcome`): "sent" when
# a card of the run appears; "refused" when the budget's refusal does (said once: the next
# full rerun, e.g. an earlier run finishing, takes it away again); "blocked" when the page
# redraws Generate switched off for the budget (the click's rerun already counted the other
# replica's run, so nothing was submitted).
LATCH = """([prompt, refused, blocked]) => {
  window.__outcome = null;
  const look = () => {
    if (window.__outcome) return;
    for (const card of document.querySelectorAll(
      "[class*='st-key-active_'], [class*='st-key-card_']"
    )) {
      if (card.textContent.includes(prompt)) { window.__outcome = "sent"; return; }
    }
    const text = document.body.textContent;
    if (text.includes(refused)) window.__outcome = "refused";
    else if (text.includes(blocked)) window.__outcome = "blocked";
  };
  if (window.__latch) window.__latch.disconnect();
  window.__latch = new MutationObserver(look);
  window.__latch.observe(document.body, {childList: true, subtree: true, characterData: true});
  look();
}"""
# Press Generate at the instant `at` (ms of the browser's clock), the button found afresh then.
FIRE_AT = """(at) => {
  window.__fired = null;
  setTimeout(() => {
    const button = [...document.querySelectorAll("[data-testid='stButton'] button")]
      .find((b) => b.textContent.includes("Generate"));
    window.__fired = button ? (button.disabled ? "disabled" : "clicked") : "missing";
    if (button) button.click();
  }, at - Date.now());
}"""


def test_paid_submits_fired_together_on_both_replicas_stay_within_the_budget(
    browser: Browser, cluster: Cluster, photo_file: Path
) -> None:
    person = "bea@example.com"
    begin = time.time()
    pages = open_pages(browser, [(replica, person, SHORT) for replica in cluster.replicas])
    for page in pages:
        start_upload(page, photo_file)
    for page in pages:
        upload_taken(page)
    rounds: list[dict[str, str]] = []
    instants: list[float] = []  # when each round's clicks fired (browser clock, s)
    while len(rounds) < FITS + 2:
        prompt = f"budget race {len(rounds) + 1}"
        fits = spent(cluster, person) + PRICE <= BUDGET
        for page in pages:
            write_prompt(page, prompt)
        for page in pages:  # the rerun drew today's spend: Generate is on while a run fits
            expect(page.get_by_text(REFUSED)).to_have_count(0)
            if fits:
                expect(generate_button(page)).to_be_enabled()
                expect(page.get_by_text(BLOCKED)).to_have_count(0)
            else:
                expect(generate_button(page)).to_be_disabled()
        if not fits:
            break
        for page in pages:
            page.evaluate(LATCH, [prompt, REFUSED, BLOCKED])
        # Both clicks at one instant of the browser's clock (one Chromium, one clock)
        at = pages[0].evaluate("Date.now()") + 500
        instants.append(at / 1000)
        for page in pages:
            page.evaluate(FIRE_AT, at)
        outcome = {}
        for replica, page in zip(cluster.replicas, pages, strict=True):
            try:
                said = page.wait_for_function("() => window.__outcome", timeout=60_000)
            except PlaywrightTimeout as exc:
                page.screenshot(path=str(ARTIFACTS / "replicas-budget-no-outcome.png"))
                side = page.locator(".st-key-side_panel").first  # the price panel
                raise AssertionError(
                    f"round {len(rounds) + 1} on {replica.name}: no run, refusal or block "
                    f"after the click (fired: {page.evaluate('window.__fired')}); rounds so "
                    f"far {rounds}; side panel: {side.inner_text() if side.count() else '?'}"
                ) from exc
            outcome[replica.name] = said.json_value()
        rounds.append(outcome)
    for n, page in enumerate(pages, 1):
        page.screenshot(path=str(ARTIFACTS / f"replicas-budget-{n}.png"))
    for page in pages:
        page.context.close()

    created = created_tasks(cluster.requests(begin))
    runs = with_task(cluster, person)
    sends = [sum(v == "sent" for v in r.values()) for r in rounds]
    # How close together the two replicas' uploads of the first round reached the API
    firsts = {}
    for e in cluster.requests(instants[0]):
        if e["path"] == "/api/v1/files/upload-url":
            firsts.setdefault(e["host"], e["t"])
    apart = max(firsts.values()) - min(firsts.values()) if len(firsts) == 2 else None
    report = (
        f"budget ${BUDGET} a day, runs ${PRICE}: rounds of both replicas clicking at once "
        f"{rounds}; the first round's uploads reached the API "
        f"{'?' if apart is None else f'{apart * 1000:.0f} ms'} apart; tasks created {created}, "
        f"ledger {spent(cluster, person)}"
    )
    print(report)
    (ARTIFACTS / "replicas-budget.txt").write_text(report + "\n")
    assert created == len(runs) <= FITS, (created, rounds)
    assert created == FITS, rounds  # and the whole budget could be used
    assert spent(cluster, person) <= BUDGET
    assert sends[0] == 2, rounds  # two at once both fit: neither blocked the other
    assert 1 in sends, rounds  # a round where both raced for the last run's room: one won


# --- the budget: two worker processes submitting together ---------------------------------

ATTEMPTS = 3  # per worker and person: 6 submits for room for 3
_WORKER = textwrap.dedent(
    f"""
    import json
    import sys

    from modelhunter.client import Client
    from modelhunter.requests import KlingV3Request
    from playground.budget import Budget, BudgetExceededError
    from playground.jobs import Jobs
    from playground.settings import Settings, scope_for
    from playground.store import Store

    settings = Settings.load()  # MODELHUNTER_* as a replica has them
    key = settings.key.get_secret_value()
    database_url = settings.database_url.get_secret_value()
    budget = Budget.from_settings(settings)
    client = Client(key, base_url=sys.argv[1])
    Store(settings.data_dir, scope_for(key), database_url=database_url)  # connected, migrated
    client.get_balance()  # and connected to the API: both workers start a round together
    print("ready", flush=True)
    for line in sys.stdin:  # one person per line, given to both workers at once
        person = line.strip()
        store = Store(settings.data_dir, scope_for(key), owner=person, database_url=database_url)
        jobs = Jobs(client, store)
        sent = refused = other = 0
        for n in range({ATTEMPTS}):
            request = KlingV3Request.model_validate({{
                "model": "kling-v3",
                "input": {{"image": "https://example.com/harbour.png", "duration": 3,
                          "prompt": f"process race {{n}}"}},
            }})
            try:
                run = jobs.submit(request, budget=budget)
            except BudgetExceededError:
                refused += 1
                continue
            if run.task is not None:
                sent += 1
            else:
                other += 1
        print(json.dumps({{"person": person, "sent": sent, "refused": refused,
                          "other": other}}), flush=True)
    """
)


def test_two_worker_processes_submitting_together_stay_within_each_budget(
    cluster: Cluster,
) -> None:
    begin = time.time()
    env = streamlit_env(
        cluster.data_dir,
        MODELHUNTER_KEY=KEY,
        MODELHUNTER_DATABASE_URL=cluster.database_url,
        MODELHUNTER_BUDGET_USD=str(BUDGET),
    )
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, f"http://{replica.api_host}/api/v1"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for replica in cluster.replicas
    ]
    people = [f"race{n}@example.com" for n in range(1, 5)]
    results: list[dict[str, Any]] = []
    try:
        for worker in workers:
            assert worker.stdout is not None and worker.stdin is not None
            assert worker.stdout.readline() == "ready\n", worker.communicate(timeout=30)[1]
        for person in people:  # a round: both workers get the person together
            for worker in workers:
                worker.stdin.write(person + "\n")  # type: ignore[union-attr]
                worker.stdin.flush()  # type: ignore[union-attr]
            for worker in workers:
                line = worker.stdout.readline()  # type: ignore[union-attr]
                assert line, worker.communicate(timeout=30)[1]
                results.append(json.loads(line))
        for worker in workers:
            _, err = worker.communicate(timeout=30)  # stdin closed: the loop ends
            assert worker.returncode == 0, err
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

    report = f"worker rounds (2 processes, {ATTEMPTS} submits each per person): {results}"
    print(report)
    (ARTIFACTS / "replicas-budget-processes.txt").write_text(report + "\n")
    for person in people:
        mine = [r for r in results if r["person"] == person]
        assert sum(r["sent"] for r in mine) == FITS, mine
        assert sum(r["refused"] for r in mine) == 2 * ATTEMPTS - FITS, mine
        assert len(with_task(cluster, person)) == FITS
        assert spent(cluster, person) <= BUDGET
    assert created_tasks(cluster.requests(begin)) == FITS * len(people)


# --- last, so that waiting for the clip overlaps the tests above ---------------------------


def test_its_video_reaches_replica_2s_gallery_once_finished(
    browser: Browser, cluster: Cluster, alice_run: str
) -> None:
    page = open_page(browser, cluster.replicas[1], ALICE, "gallery")
    video = result_card(page, alice_run).locator("video")
    expect(video).to_be_attached(timeout=int((TASK_S + 30) * 1000))
    source = video.get_attribute("src") or ""
    served = page.request.get(
        source if source.startswith("http") else cluster.replicas[1].url + source
    )
    assert served.ok and served.body()[4:8] == b"ftyp", served.status  # replica 2 serves the MP4
    page.screenshot(path=str(ARTIFACTS / "replicas-gallery-video.png"), full_page=True)
    (run,) = cluster.store(ALICE).runs()
    assert run.video_file and (cluster.data_dir / SCOPE / "videos" / run.video_file).is_file()
    page.context.close()
