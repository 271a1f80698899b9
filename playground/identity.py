"""Who a browser is, without sign-in: a random id kept in a first-party cookie.

The id is made on the server (`new_browser_id`) and written into the `pg_vid` cookie by a
line of JavaScript the page runs once (`cookie_script`); from the next page load on, the
server reads it back from the request's cookies. Under AppTest (no cookies) every session
makes its own id. Nothing of it ever goes into a URL.

Workspaces — the contract for everything that looks a run up:

- A run belongs to exactly one workspace, named by its store scope (`Store(data_dir, scope)`).
- With a key, the workspace is the key's (`settings.scope_for(key)`, a hash of the key).
- In Demo mode each browser has its own: `workspace_scope("demo", browser_id)` =
  `demo-<hash of the browser id>`. The hash is safe to show (it does not let anyone act as
  that browser: the cookie does), so a result link may carry it.
- A run is found by its `run_id` plus its workspace scope: a result link carries both, e.g.
  `?run=<run_id>&ws=<scope>`, and is opened with `Store(data_dir, scope).get(run_id)` after
  `is_workspace_scope(scope)` said the scope is well formed (never a path of the user's
  choosing). Without `ws`, the visitor's own workspace is meant.
"""

from __future__ import annotations

import hashlib
import re
import secrets

__all__ = [
    "COOKIE",
    "COOKIE_MAX_AGE_S",
    "browser_hash",
    "cookie_script",
    "demo_key",
    "is_browser_id",
    "is_workspace_scope",
    "new_browser_id",
    "workspace_scope",
]

COOKIE = "pg_vid"
COOKIE_MAX_AGE_S = 400 * 24 * 3600  # the longest a browser keeps a cookie (Chrome: 400 days)
_ID = re.compile(r"[0-9a-f]{32}")
_SCOPE = re.compile(r"(demo(-[0-9a-f]{16})?|key-[0-9a-f]{20})")


def new_browser_id() -> str:
    """A fresh random browser id (32 hex digits)."""
    return secrets.token_hex(16)


def is_browser_id(value: object) -> bool:
    """True for a value shaped like our ids (a cookie can hold anything)."""
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def browser_hash(browser_id: str) -> str:
    """A short stable name for a browser that reveals nothing of its id."""
    return hashlib.sha256(f"workspace:{browser_id}".encode()).hexdigest()[:16]


def workspace_scope(key_scope: str, browser_id: str) -> str:
    """The store scope runs of this browser live in.

    Demo (`key_scope == "demo"`): one workspace per browser, `demo-<browser hash>`; with a
    key the key's own scope (everyone using the key shares its runs and budget).
    """
    if key_scope != "demo":
        return key_scope
    return f"demo-{browser_hash(browser_id)}"


def is_workspace_scope(scope: object) -> bool:
    """True for a well-formed workspace scope (check one taken from a link before use)."""
    return isinstance(scope, str) and _SCOPE.fullmatch(scope) is not None


def demo_key(browser_id: str) -> str:
    """The key this browser uses on the offline Demo service, so History lists only its tasks."""
    digest = hashlib.sha256(f"demo-key:{browser_id}".encode()).hexdigest()
    return "river_test_" + digest[:32]


def cookie_script(browser_id: str) -> str:
    """The `<script>` that stores the id in this browser's cookie (first-party, Lax)."""
    if not is_browser_id(browser_id):
        raise ValueError("not a browser id")
    return (
        f"<script>document.cookie='{COOKIE}={browser_id}; path=/; "
        f"max-age={COOKIE_MAX_AGE_S}; SameSite=Lax';</script>"
    )
