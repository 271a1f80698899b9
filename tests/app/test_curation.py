"""Gallery curation (star, rename, note, hide, delete with undo), filters, result links,
presentation and the cost view, as a user drives them."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from playground.state import Keys
from tests.app.test_persistence import _gallery


def _submit(at: AppTest, prompt: str, png: bytes | None = None) -> None:
    """Generate with this prompt (uploading `png` first; else the image already picked)."""
    before = len(at.session_state["kp_session"].runs)
    if png is not None:
        uploader = at.file_uploader(key="img|image|0|upload")
        uploader.set_value(("harbour.png", png, "image/png")).run()
    at.text_area(key="form|kling-v3|input.prompt|0").input(prompt).run()
    at.button(key="submit").click().run()
    assert not at.exception, at.exception
    assert len(at.session_state["kp_session"].runs) == before + 1, "submitted"


def _two_results(demo, png) -> AppTest:
    at = demo.app()
    _submit(at, "gulls over the harbour", png)
    _submit(at, "fog rolling in")
    demo.clock.advance(10)
    at = _gallery(at)
    for _ in range(5):  # each run is one poll tick: until both videos are in
        if len(at.session_state["kp_session"].runs) == 2 and not at.progress:
            break
        at.run()
    assert not at.progress, "both runs finished"
    return at


def _ids(at: AppTest) -> dict[str, str]:
    runs = at.session_state["kp_session"].runs.values()
    return {r.prompt: r.run_id for r in runs}


def _tiles(at: AppTest) -> list[str]:
    return sorted(b.key.split("|", 1)[1] for b in at.button if b.key.startswith("open|"))


def _ok(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def test_star_rename_note_hide_and_delete_with_undo(quick_demo, png) -> None:
    at = _two_results(quick_demo, png)
    ids = _ids(at)
    gulls, fog = ids["gulls over the harbour"], ids["fog rolling in"]
    store = at.session_state["kp_jobs"][1].store

    labels = [at.button(key=f"tile|{b}|{gulls}").label for b in ("star", "hide", "del")]
    assert labels == ["Star", "Hide", "Delete"], "words, not icon codes"
    at.button(key=f"tile|star|{gulls}").click()
    _ok(at)
    assert store.get(gulls).starred, "the star is saved"
    assert at.button(key=f"tile|star|{gulls}").label == "Starred"
    at.toggle(key="gf_starred").set_value(True)
    _ok(at)
    assert _tiles(at) == [gulls], "Starred only"
    at.toggle(key="gf_starred").set_value(False)
    _ok(at)

    at.button(key=f"open|{fog}").click()
    _ok(at)
    at.text_input(key=f"card|title|{fog}").input("Opening shot")
    _ok(at)
    at.text_area(key=f"card|note|{fog}").input("the client liked it")
    _ok(at)
    assert (store.get(fog).title, store.get(fog).note) == ("Opening shot", "the client liked it")
    assert any("Opening shot" in m.value for m in at.markdown), "the new title is shown"

    runs_line = next(c.value for c in at.caption if "kept on this machine" in c.value)
    assert runs_line.startswith("2 runs · 2 videos")
    at.button(key=f"tile|hide|{gulls}").click()
    _ok(at)
    assert _tiles(at) == [fog], "hidden from the gallery"
    assert any("Hidden “gulls over the harbour”" in t.value for t in at.toast), "feedback"
    assert at.button(key=f"tile|undo|{gulls}").label == "Undo", "Undo in the tile's place"
    at.button(key=f"tile|undo|{gulls}").click()
    _ok(at)
    assert _tiles(at) == sorted([gulls, fog]) and not store.get(gulls).hidden, "hide undone"
    at.button(key=f"tile|hide|{gulls}").click()
    _ok(at)
    at.toggle(key="gf_hidden").set_value(True)
    _ok(at)
    assert _tiles(at) == sorted([gulls, fog]), "Show hidden brings it back"

    at.button(key=f"tile|del|{gulls}").click()
    _ok(at)
    assert any("Delete this result?" in w.value for w in at.warning), "delete asks first"
    assert gulls in _tiles(at), "nothing deleted yet"
    at.button(key=f"tile|del_yes|{gulls}").click()
    _ok(at)
    assert _tiles(at) == [fog]
    assert any("Deleted “gulls over the harbour”" in t.value for t in at.toast)
    line = next(c.value for c in at.caption if "kept on this machine" in c.value)
    assert line.startswith("1 run · 1 video · "), line
    at.button(key=f"tile|undo|{gulls}").click()  # right where the tile was
    _ok(at)
    assert gulls in _tiles(at), "undo brings it back"

    video = store.video_path(store.get(gulls))
    at.button(key=f"tile|del|{gulls}").click()
    _ok(at)
    at.button(key=f"tile|del_yes|{gulls}").click()
    _ok(at)
    quick_demo.clock.advance(11 * 60)  # past the undo window
    _ok(at)
    assert store.get(gulls) is None and not video.exists(), "its files are removed"
    assert not any(b.key.endswith(f"|undo|{gulls}") for b in at.button)


def test_filters_by_text_model_and_status(quick_demo, png) -> None:
    at = _two_results(quick_demo, png)
    ids = _ids(at)
    at.text_input(key="gf_text").input("FOG")
    _ok(at)
    assert _tiles(at) == [ids["fog rolling in"]]
    at.text_input(key="gf_text").input("nothing like this")
    _ok(at)
    assert _tiles(at) == [] and any("No result matches" in i.value for i in at.info)
    at.text_input(key="gf_text").input("")
    at.multiselect(key="gf_model").set_value(["kling-v3"])
    at.multiselect(key="gf_status").set_value(["failed"])
    _ok(at)
    assert _tiles(at) == []
    at.multiselect(key="gf_status").set_value(["done"])
    _ok(at)
    assert _tiles(at) == sorted(ids.values())


def test_a_result_link_opens_that_run_alone_in_a_fresh_session(quick_demo, png) -> None:
    at = _two_results(quick_demo, png)
    gulls = _ids(at)["gulls over the harbour"]
    link = next(c.value for c in at.code if f"run={gulls}" in c.value)
    assert "river_" not in link and "key-" not in link
    query = dict(part.split("=", 1) for part in link.split("?", 1)[1].split("&"))

    fresh = AppTest.from_file(str(quick_demo.app.__globals__["APP"]), default_timeout=60)
    fresh.query_params.update(query)
    fresh.run()
    fresh.switch_page("app_pages/gallery.py")
    fresh.query_params.update(query)
    _ok(fresh)
    assert [h.value for h in fresh.subheader] == ["gulls over the harbour"]
    assert len(fresh.get("video")) == 1 and len(fresh.image) == 1, "its clip and start image"
    assert fresh.json[0].value and "gulls over the harbour" in fresh.json[0].value
    assert fresh.download_button(key="linked_download").label == "Download"
    assert "fog rolling in" not in " ".join(m.value for m in fresh.markdown), "that run alone"


def test_presentation_steps_through_the_starred_results(quick_demo, png) -> None:
    at = _two_results(quick_demo, png)
    for run_id in _ids(at).values():
        at.button(key=f"tile|star|{run_id}").click()
        _ok(at)
    at.switch_page("app_pages/present.py")
    _ok(at)
    assert len(at.get("video")) == 1
    assert at.button(key="present_next").proto.shortcut == "right"
    assert at.button(key="present_prev").proto.shortcut == "left"
    assert at.button(key="present_space").proto.shortcut == "space"

    def caption() -> str:
        return next(m.value for m in at.markdown if " / 2 " in m.value)

    assert caption().startswith("**gulls over the harbour**") and "1 / 2" in caption()
    at.button(key="present_next").click()
    _ok(at)
    assert caption().startswith("**fog rolling in**") and "2 / 2" in caption()
    at.button(key="present_space").click()
    _ok(at)
    assert "1 / 2" in caption(), "wraps around"
    assert not at.image, "the start image only on request"
    at.button(key="present_image_btn").click()
    _ok(at)
    assert len(at.image) == 1 and at.button(key="present_image_btn").label == "Hide start image"
    at.segmented_control(key="present_grid").set_value(2)
    _ok(at)
    assert len(at.get("video")) == 2 and at.query_params["grid"] == "2", "shareable by URL"
    at.segmented_control(key="present_grid").set_value(1)
    _ok(at)
    assert len(at.get("video")) == 1 and "grid" not in at.query_params


def test_the_cost_view_totals_what_was_submitted(quick_demo, png) -> None:
    at = _two_results(quick_demo, png)
    at.switch_page("app_pages/costs.py")
    _ok(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Runs"] == "2"
    assert metrics["Estimated"] == "$0.84", "two 5 s Standard kling-v3 runs at $0.42"
    table = at.dataframe[0].value
    assert list(table.iloc[-1][["", "Runs", "Estimated"]]) == ["Total", 2, "$0.84"]
    assert any("charge nothing" in c.value for c in at.caption)
    assert at.download_button(key="costs_csv").label == "Download CSV"
    at.segmented_control(key="costs_group").set_value("Model")
    _ok(at)
    assert list(at.dataframe[0].value[""]) == ["kling-v3", "Total"]


def _batch_of_three(demo, png) -> AppTest:
    """A batch of three prompts, all finished, and the Gallery open."""
    at = demo.app()
    at.file_uploader(key="img|image|0|upload").set_value(("cat.png", png, "image/png")).run()
    at.text_area(key=Keys.BATCH_PROMPTS).input("a red kite\na blue kite\na green kite").run()
    at.button(key=Keys.BATCH_SEND).click().run()
    assert not at.exception, at.exception
    demo.clock.advance(10)
    at = _gallery(at)
    for _ in range(6):
        if not at.progress or all("3 of 3" in p.proto.text for p in at.get("progress")):
            break
        at.run()
    return at


def _batch_tiles(at: AppTest) -> list[str]:
    return [m.value for m in at.caption if m.value.startswith("**a ")]


def test_the_batch_block_follows_the_filters_and_stays_collapsed(quick_demo, png) -> None:
    at = _batch_of_three(quick_demo, png)
    groups = [e for e in at.expander if e.label.startswith("Batch of 3")]
    assert len(groups) == 1 and "3 of 3 finished · 3 videos" in groups[0].label
    assert not groups[0].proto.expanded, "collapsed to its summary line"
    assert len(_batch_tiles(at)) == 3

    at.text_input(key="gf_text").input("blue")
    _ok(at)
    assert [t.split("**")[1] for t in _batch_tiles(at)] == ["a blue kite"], "only what matches"
    at.text_input(key="gf_text").input("Q3 review")
    _ok(at)
    assert not [s for s in at.subheader if s.value == "Batches"], "no batch matches"
    at.text_input(key="gf_text").input("")
    at.toggle(key="gf_starred").set_value(True)
    _ok(at)
    assert not [e for e in at.expander if e.label.startswith("Batch of 3")]


def test_a_renamed_or_deleted_batch_run_shows_in_its_group(quick_demo, png) -> None:
    at = _batch_of_three(quick_demo, png)
    ids = {r.prompt: r.run_id for r in at.session_state["kp_session"].runs.values()}
    if not at.button(key=f"open|{ids['a red kite']}").disabled:  # (the newest opens first)
        at.button(key=f"open|{ids['a red kite']}").click()
        _ok(at)
    at.text_input(key=f"card|title|{ids['a red kite']}").input("Hero kite")
    _ok(at)
    assert any(c.value.startswith("**Hero kite**") for c in at.caption), "the custom title"
    at.button(key=f"tile|del|{ids['a blue kite']}").click()
    _ok(at)
    at.button(key=f"tile|del_yes|{ids['a blue kite']}").click()
    _ok(at)
    group = next(e for e in at.expander if e.label.startswith("Batch of 3"))
    assert "2 of 2 finished · 2 videos" in group.label, "a deleted run leaves the progress"
    assert "not found" not in " ".join(c.value for c in at.caption)


def test_an_export_never_shows_the_servers_file_path(quick_demo, png) -> None:
    at = _two_results(quick_demo, png)
    at.button(key=Keys.EXPORT_BUILD).click()
    _ok(at)
    assert at.get("download_button"), "the ZIP is ready to download"
    store = at.session_state["kp_jobs"][1].store
    shown = " ".join(c.value for c in at.caption)
    assert "exports folder of this workspace" in shown
    assert str(store.dir) not in shown and "/exports/" not in shown
