"""Typed access to `st.session_state`: the one place that knows its keys.

A session holds the form draft, the gallery (runs by id, loaded from the store when the
session starts, so a browser refresh or an app restart loses nothing), the bytes of images
picked in this session, and a key typed into the sidebar (memory only, never written).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import streamlit as st

from playground.backend import Backend, connect
from playground.budget import Budget, Standing
from playground.connection import ConnectionCheck, check_connection
from playground.curation import display_title
from playground.draft import Draft, load_draft, save_draft
from playground.history import HistoryPager
from playground.identity import (
    COOKIE,
    browser_hash,
    demo_key,
    is_browser_id,
    new_browser_id,
    workspace_scope,
)
from playground.image_pick import Picked
from playground.jobs import Jobs
from playground.people import TEAM_DEMO_KEY_SEED, Person, draft_owner
from playground.runs import Run
from playground.settings import Settings, scope_for
from playground.shared_poller import shared_poller
from playground.store import Store, StoreUnavailable
from playground.store_health import Recovery
from playground.tracker import LIVE_TICK_S, Eta, RunTracker

__all__ = [
    "Session",
    "active_key",
    "budget_standing",
    "daily_budget",
    "cancel_run",
    "check_run",
    "connection_status",
    "dismiss_recovery",
    "fill_form_from",
    "forget_jobs",
    "keep_draft",
    "get_browser_id",
    "get_jobs",
    "get_session",
    "get_settings",
    "get_store_problem",
    "poll",
    "poll_interval",
    "Keys",
    "run_eta",
    "recovery_notice",
    "retry_download",
    "set_daily_budget",
]

_SESSION = "kp_session"
DOUBLE_CLICK_S = 3.0
_JOBS = "kp_jobs"
_RECOVERY_SEEN = "kp_recovery_seen"
_CONNECTION = "kp_connection"
MAX_SESSION_IMAGES = 8
# Bytes of picked images a session keeps, at most (the images in the form always stay).
MAX_SESSION_IMAGE_BYTES = 120_000_000


class Keys:
    """Every fixed widget / session-state key of the app, named once.

    Keys built per item (a run's buttons, a form field's widgets) are made by the component
    that draws them from its own `key` prefix.
    """

    MODEL = "model_choice"
    FORM = "form"
    SUBMIT = "submit"
    CONFIRMING = "confirming_paid_run"
    CONFIRM_PAY = "confirm_pay"
    CONFIRM_CANCEL = "confirm_cancel"
    SIDEBAR_KEY = "sidebar_key_input"
    SIDEBAR_BUDGET = "sidebar_budget"
    HISTORY_STATUS = "h_status"
    HISTORY_MODEL = "h_model"
    HISTORY_DATES = "h_dates"
    HISTORY_SEARCH = "h_search"
    STORE_RECOVERY_SEEN = "store_recovery_seen"
    STORE_VIDEO = "store_ro_video"
    STORE_DOWNLOAD = "store_ro_download"
    # issue 14: batches, compare, prompt history and presets, copy as code, settings links
    BATCH_PROMPTS = "batch_prompts"
    BATCH_NEGATIVES = "batch_negatives"
    BATCH_MODELS = "batch_models"
    BATCH_MODES = "batch_modes"
    BATCH_DURATIONS = "batch_durations"
    BATCH_SOUNDS = "batch_sounds"
    BATCH_ASPECTS = "batch_aspects"
    BATCH_TAKES = "batch_takes"
    BATCH_SEND = "batch_send"
    BATCH_SENT = "batch_sent"  # {"key": what the last sent batch was made of, "label": …}
    BATCH_AGAIN = "batch_again"
    BATCH_REFUSAL = "batch_refusal"  # why the budget refused the batch just sent (shown once)
    COMPARE = "compare_runs"  # run ids picked for Compare (a list, not a widget)
    COMPARE_PICK = "compare_pick"
    PROMPT_SEARCH = "prompt_search"
    PROMPT_KIND = "prompt_kind"
    PRESET_CHOICE = "preset_choice"
    PRESET_NAME = "preset_name"
    PRESET_RENAME = "preset_rename"
    PRESET_PROBLEM = "preset_problem"  # why the last save / rename was refused (shown once)
    LINK_APPLIED = "link_applied"  # the settings link already applied (its parameters)
    LINK_SHOWN = "link_shown"  # what the last link or file left out, until dismissed
    LINK_TEXT = "link_text"
    LINK_NOTES_OK = "link_notes_ok"
    COPY_LINK = "copy_link"
    EXPORT_SETTINGS = "export_settings"
    SETTINGS_IMPORTED = "settings_imported"
    CODE_FOR = "code_for"
    SHOW_CODE = "show_code"  # the "Copy as code" button
    CODE_OPEN = "code_open"  # the Copy as code dialog is open (until closed)
    SETTINGS_IMPORT = "settings_import"
    NEXT_RUN_ID = "next_run_id"  # the client_ref the next Generate sends (shown in the code)
    RESULTS_PAGE = "results_page"
    HISTORY_PROMPT = "h_prompt"
    # issue 15: curation, filters, presentation, export, costs
    PICKED = "gallery_picked"  # run ids picked for Present / Export (a set, not a widget)
    CONFIRM_DELETE = "gallery_confirm_delete"
    UNDO_SLOTS = "gallery_undo_slots"  # run id -> "deleted" | "hidden": an Undo in its tile
    GALLERY_SCROLL = "gallery_scroll"  # Open was clicked: bring the player into view once
    FILTER_STARRED = "gf_starred"
    FILTER_HIDDEN = "gf_hidden"
    FILTER_BATCH = "gf_batch"
    FILTER_MODEL = "gf_model"
    FILTER_STATUS = "gf_status"
    FILTER_DATES = "gf_dates"
    FILTER_TEXT = "gf_text"
    EXPORT_BUILD = "export_build"
    EXPORT_READY = "export_ready"  # (selection fingerprint, zip path) of the last export
    EXPORT_DOWNLOAD = "export_download"
    PRESENT_INDEX = "present_index"
    PRESENT_PLAYING = "present_playing"
    PRESENT_IMAGE = "present_image"
    PRESENT_GRID = "present_grid"
    PRESENT_PREV = "present_prev"
    PRESENT_NEXT = "present_next"
    PRESENT_SPACE = "present_space"
    PRESENT_PLAY = "present_play"
    COSTS_GROUP = "costs_group"
    COSTS_CSV = "costs_csv"
    DEVELOPERS = "developers_section"  # the form's "For developers" expander
    TEAM_DAILY = "team_daily"  # issue 16: the Team page's budget forms
    TEAM_MONTHLY = "team_monthly"
    PERSON_PICK = "team_person"
    PERSON_DAILY = "person_daily"
    PERSON_MONTHLY = "person_monthly"
    BROWSER = "kp_browser_id"  # this browser's id (from its cookie, else made by the session)


@dataclass
class Session:
    """Per-browser-session state."""

    draft: Draft = field(default_factory=Draft)
    runs: dict[str, Run] = field(default_factory=dict)
    image_bytes: dict[str, bytes] = field(default_factory=dict)
    image_errors: dict[str, list[str]] = field(default_factory=dict)
    image_notes: dict[str, str] = field(default_factory=dict)  # by field, e.g. "not checked"
    sidebar_key: str | None = None
    scope: str | None = None
    notice: str | None = None
    form_generation: int = 0
    refusal: str | None = None  # a refused submit's reason, shown by the page's next run
    form_refilled: bool = False
    tracker: RunTracker = field(default_factory=RunTracker)  # when each run is due, ETAs
    gallery_selected: str | None = None  # the run the Gallery plays
    history: HistoryPager = field(default_factory=HistoryPager)  # History page position
    last_submit: tuple[str, float] | None = None  # (request fingerprint, monotonic time)
    draft_restored: bool = False  # the draft this browser left was looked for
    draft_saved: str | None = None  # the draft as last saved (unchanged: not saved again)
    submitted: tuple[str, str] | None = None  # (text, icon) said once next to Generate
    key_problem: str | None = None  # what is wrong with the text in the sidebar's key field
    person: Person | None = None  # signed in (team mode), set by the page's sign-in gate

    def is_double_click(self, fingerprint: str, now: float) -> bool:
        """True when the same request was submitted moments ago (a double click)."""
        last = self.last_submit
        self.last_submit = (fingerprint, now)
        return last is not None and last[0] == fingerprint and now - last[1] < DOUBLE_CLICK_S

    def gallery(self) -> list[Run]:
        """Runs newest first (deleted ones, kept only for Undo, left out)."""
        kept = [r for r in self.runs.values() if r.deleted_at is None]
        return sorted(kept, key=lambda r: r.created_at, reverse=True)

    def selected_run(self, runs: list[Run]) -> Run | None:
        """The Gallery's chosen run, else the newest with a video, else the newest."""
        by_id = {r.run_id: r for r in runs}
        if self.gallery_selected in by_id:
            return by_id[self.gallery_selected]
        return next((r for r in runs if r.video_file), runs[0] if runs else None)

    def active(self) -> list[Run]:
        return [r for r in self.gallery() if r.active]

    def take_image(self, field: str, picked: Picked) -> None:
        """Apply what checking a picked image decided to the draft of this session."""
        self.image_notes.pop(field, None)
        self.image_errors[field] = list(picked.errors)
        if picked.choice is None:
            return
        if picked.data is not None and picked.choice.sha256:
            self.remember_image(picked.choice.sha256, picked.data)
        if picked.note:
            self.image_notes[field] = picked.note
        self.draft.images[field] = picked.choice

    def drop_image(self, field: str) -> None:
        """The user removed the image of `field`."""
        self.draft.images.pop(field, None)
        self.image_errors.pop(field, None)
        self.image_notes.pop(field, None)

    def remember_image(self, sha256: str, data: bytes) -> None:
        """Keep picked image bytes (bounded in count and bytes: the oldest not in the form
        are dropped first)."""
        self.image_bytes[sha256] = data
        in_use = {c.sha256 for c in self.draft.images.values()} | {sha256}
        while (
            len(self.image_bytes) > MAX_SESSION_IMAGES
            or sum(map(len, self.image_bytes.values())) > MAX_SESSION_IMAGE_BYTES
        ):
            oldest = next((k for k in self.image_bytes if k not in in_use), None)
            if oldest is None:
                break
            del self.image_bytes[oldest]


def _secrets() -> dict[str, Any]:
    try:
        return {k: v for k, v in st.secrets.to_dict().items() if isinstance(v, str | int | float)}
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return {}


def get_settings() -> Settings:
    """Settings from env vars and `.streamlit/secrets.toml`, rebuilt only when they change."""
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("MODELHUNTER_")))
    return _settings(env, tuple(sorted(_secrets().items())))


@functools.lru_cache(maxsize=8)
def _settings(env: tuple[tuple[str, str], ...], secrets: tuple[tuple[str, Any], ...]) -> Settings:
    del env  # part of the cache key only: Settings reads the environment itself
    return Settings.load(dict(secrets))


def get_session() -> Session:
    if _SESSION not in st.session_state:
        st.session_state[_SESSION] = Session()
    session: Session = st.session_state[_SESSION]
    return session


def active_key(settings: Settings, session: Session) -> str | None:
    """The key in use: the sidebar's (this session only), else the configured one (with
    sign-in, always the team's configured key)."""
    if session.sidebar_key and session.person is None:
        return session.sidebar_key
    return settings.key.get_secret_value() if settings.key else None


def get_jobs() -> tuple[Jobs, Backend]:
    """The session's jobs service for the key in use; the gallery is (re)loaded on a key change."""
    settings = get_settings()
    session = get_session()
    key = active_key(settings, session)
    browser, _ = get_browser_id()
    person = session.person
    # Demo: this browser's own workspace; with sign-in the team's one, the person inside it
    scope = scope_for(key) if person else workspace_scope(scope_for(key), browser)
    owner = person.owner if person else ""
    where = (scope, owner, settings.base_url, str(settings.data_dir))
    cached = st.session_state.get(_JOBS)
    if cached is None or cached[0] != where:
        if cached is not None:
            cached[2].client.close()  # its connections go with it (the demo service stays)
        backend = connect(
            settings, key, demo_key=demo_key(TEAM_DEMO_KEY_SEED if person else browser)
        )
        url = settings.database_url
        store = Store(
            settings.data_dir,
            scope,
            owner=owner,
            database_url=url.get_secret_value() if url else None,
        )
        if person:
            store.people.seen(person.owner, person.name, datetime.now(UTC))
        now = backend.fake.clock.now if backend.fake else None
        jobs = Jobs(backend.client, store, now=now) if now else Jobs(backend.client, store)
        cached = (where, jobs, backend)
        st.session_state[_JOBS] = cached
        session.runs = {r.run_id: r for r in store.runs()}
        session.tracker.render_queue = backend.fake.render_position if backend.fake else None
        session.scope = scope
        _restore_draft(session, store, browser)
    return cached[1], cached[2]


def get_browser_id() -> tuple[str, bool]:
    """This browser's id, and whether its cookie still has to be written.

    The id comes from the browser's cookie; a browser without one (first visit, AppTest)
    gets a new id for this session, which the page then writes into the cookie.
    """
    cookie = st.context.cookies.to_dict().get(COOKIE)
    current = st.session_state.get(Keys.BROWSER)
    if not is_browser_id(current):
        current = cookie if is_browser_id(cookie) else new_browser_id()
        st.session_state[Keys.BROWSER] = current
    return str(current), cookie != current


def _restore_draft(session: Session, store: Store, browser: str) -> None:
    """Once per session: the form this browser left unsubmitted (a refresh loses nothing)."""
    if session.draft_restored:
        return
    session.draft_restored = True
    if session.draft != Draft():  # the user already did something in this session
        return
    found = load_draft(store, draft_owner(browser_hash(browser), session.person))
    if found is None:
        return
    session.draft, data = found
    for sha256, image in data.items():
        session.remember_image(sha256, image)
    session.draft_saved = session.draft.model_dump_json()
    st.session_state[Keys.MODEL] = session.draft.model


def keep_draft(jobs: Jobs, session: Session) -> None:
    """Save the form's draft for this browser when it changed (at the end of the page)."""
    body = session.draft.model_dump_json()
    if body == session.draft_saved:
        return
    browser, _ = get_browser_id()
    try:
        session.draft_saved = save_draft(
            jobs.store,
            draft_owner(browser_hash(browser), session.person),
            session.draft,
            session.image_bytes,
        )
    except StoreUnavailable as problem:  # not worth a banner: the form itself still works
        jobs.last_error = str(problem)


def get_store_problem() -> StoreUnavailable | None:
    """Why the store of the key in use can't be opened right now (None when it can)."""
    try:
        get_jobs()
    except StoreUnavailable as problem:
        return problem
    return None


def forget_jobs() -> None:
    """Drop the session's jobs service: the next `get_jobs` opens the store afresh (and
    closes the old client; this run may still be using it)."""
    cached = st.session_state.get(_JOBS)
    if cached is not None:
        st.session_state[_JOBS] = (None, cached[1], cached[2])


def recovery_notice() -> Recovery | None:
    """What was done to a damaged database of the key in use, until this session has seen it."""
    if st.session_state.get(_RECOVERY_SEEN):
        return None
    jobs, _ = get_jobs()
    return jobs.store.recovery


def dismiss_recovery() -> None:
    st.session_state[_RECOVERY_SEEN] = True


def budget_standing(jobs: Jobs, settings: Settings) -> Standing:
    """Today's and this month's spend and limits for the key in use, from its ledger."""
    return jobs.store.ledger.standing(Budget.from_settings(settings), jobs.now())


def daily_budget(jobs: Jobs, settings: Settings) -> Decimal:
    """Today's budget of the key in use, without summing the spend (sidebar, cost view)."""
    return jobs.store.ledger.daily_limit(Budget.from_settings(settings), jobs.now())


def set_daily_budget(jobs: Jobs, settings: Settings, amount: Decimal) -> None:
    """Today's budget for the key in use, for every tab and process (from the sidebar)."""
    jobs.store.ledger.set_daily_budget(Budget.from_settings(settings), jobs.now(), amount)


def poll(jobs: Jobs, session: Session, *, everything: bool = False) -> bool:
    """One poll tick for the session's active runs; True when one of them finished.

    Timer ticks go through the process's shared poller: the sessions of one store send one
    list request per cycle for the runs due among all of theirs (`playground.shared_poller`);
    `everything` (a full rerun: the user did something) brings this session's active runs up
    to date at once.
    """
    active, now = session.active(), jobs.now()
    try:
        if everything or not active:
            refreshed = session.tracker.tick(jobs, active, now, everything=everything)
        else:  # a timer tick: the sessions of this store share one poller (one request/cycle)
            demo = session.tracker.render_queue is not None  # set for the Demo service only
            cycle = RunTracker.tick_interval(active, demo=demo)
            refreshed = shared_poller().tick(jobs, active, now, cycle_s=cycle or LIVE_TICK_S)
    except StoreUnavailable as problem:  # e.g. the disk is full: said on the page, polling goes on
        jobs.last_error = str(problem)
        forget_jobs()  # the next full run opens the store afresh (and shows the banner if needed)
        return False
    for run in refreshed:
        session.runs[run.run_id] = run
    return any(not run.active for run in refreshed)


def poll_interval(session: Session, demo: bool) -> float | None:
    """Seconds between poll ticks for the page's fragment; None when nothing is active."""
    return RunTracker.tick_interval(session.active(), demo=demo)


def run_eta(jobs: Jobs, session: Session, run: Run) -> Eta:
    """What a run's card shows about its progress: the tracker's own estimate."""
    return session.tracker.eta(run, jobs.now())


def cancel_run(jobs: Jobs, session: Session, run: Run) -> None:
    """Cancel a run in progress and keep the gallery's copy current."""
    session.runs[run.run_id] = jobs.cancel(run)


def retry_download(jobs: Jobs, session: Session, run: Run) -> None:
    """Fetch a finished run's video again now, whatever failed before."""
    try:
        session.runs[run.run_id] = jobs.retry_download(run)
    except StoreUnavailable as problem:
        jobs.last_error = str(problem)


def connection_status(
    backend: Backend, *, recheck: bool = False, spent: Decimal | None = None
) -> ConnectionCheck | None:
    """The key check for the key in use (None in Demo): made when the key comes into use,
    and again when `spent` (what the ledger says was committed) changed, so the balance it
    shows follows the runs just charged."""
    if backend.mode == "demo":
        return None
    cached = st.session_state.get(_CONNECTION)
    if recheck or cached is None or cached[0] is not backend.client or cached[1] != spent:
        cached = (backend.client, spent, check_connection(backend.client))
        st.session_state[_CONNECTION] = cached
    return cached[2]


def check_run(jobs: Jobs, session: Session, run: Run, task_id: str | None = None) -> None:
    """An unknown submit: look for it again, or adopt the candidate task the user picked."""
    run = jobs.adopt_candidate(run, task_id) if task_id else jobs.check_again(run)
    session.runs[run.run_id] = run


def fill_form_from(session: Session, run: Run, store: Store) -> None:
    """Re-run: put a run's settings and images back into the form."""
    draft = Draft.from_run(run)
    if draft is None:
        session.notice = "This task was recovered from the API; its settings are not known."
        return
    session.draft = draft
    for image in run.images.values():
        path = store.image_path(image.sha256) if image.sha256 else None
        if image.sha256 and path is not None:
            session.remember_image(image.sha256, path.read_bytes())
    session.form_generation += 1
    session.form_refilled = True  # the page must redraw the form (a fragment may have clicked)
    title = display_title(run)
    title = title if len(title) <= 80 else title[:79] + "…"
    # said next to Generate, once: what Re-run just loaded (the page escapes it)
    session.submitted = (
        f"The form now has the settings of “{title}”. Change what you like, then Generate.",
        ":material/replay:",
    )
    st.session_state["model_choice"] = run.model
