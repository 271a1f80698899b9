"""Each browser has its own Demo workspace; a workspace name is safe to put in a link."""

from __future__ import annotations

import pytest

from playground.identity import (
    browser_hash,
    cookie_script,
    demo_key,
    is_browser_id,
    is_workspace_scope,
    new_browser_id,
    workspace_scope,
)
from playground.settings import KEY_PATTERN, scope_for


def test_two_browsers_get_two_demo_workspaces_and_keep_theirs() -> None:
    one, two = new_browser_id(), new_browser_id()
    assert one != two and is_browser_id(one) and is_browser_id(two)
    assert workspace_scope("demo", one) != workspace_scope("demo", two)
    assert workspace_scope("demo", one) == workspace_scope("demo", one)
    assert one not in workspace_scope("demo", one), "the link-safe name never shows the id"
    assert demo_key(one) != demo_key(two) and KEY_PATTERN.match(demo_key(one))


def test_a_key_is_one_workspace_whatever_the_browser() -> None:
    key = scope_for("river_test_" + "a" * 32)
    assert workspace_scope(key, new_browser_id()) == workspace_scope(key, new_browser_id()) == key


@pytest.mark.parametrize("scope", ["demo", workspace_scope("demo", "ab" * 16), scope_for("k")])
def test_workspace_names_from_links_are_recognised(scope: str) -> None:
    assert is_workspace_scope(scope)


@pytest.mark.parametrize("scope", ["../demo", "demo/../../etc", "key-xyz", "", None, "demo-"])
def test_anything_else_from_a_link_is_refused(scope: object) -> None:
    assert not is_workspace_scope(scope)


def test_the_cookie_script_writes_only_an_id_of_ours() -> None:
    browser = new_browser_id()
    script = cookie_script(browser)
    assert f"pg_vid={browser}" in script and "SameSite=Lax" in script
    with pytest.raises(ValueError):
        cookie_script("x';alert(1);'")
    assert not is_browser_id("x';alert(1);'") and len(browser_hash(browser)) == 16
