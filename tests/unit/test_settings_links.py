"""Settings links and files: what a page address gives (every parameter a list) fills the
form, the model included; what is not valid is listed with the reason, never raised."""

from __future__ import annotations

import json

from playground.draft import Draft
from playground.links import link_params, read_file, read_settings, settings_file

V26 = Draft(
    model="kling-v2-6",
    values={"input.prompt": "waves at night", "input.duration": 10, "input.mode": "pro"},
)


def _address(params: dict[str, str]) -> dict[str, list[str]]:
    """As `st.query_params.get_all` gives them."""
    return {name: [value] for name, value in params.items()}


def test_a_link_opens_on_the_model_it_names() -> None:
    read = read_settings(_address(link_params(V26)), Draft())  # the form is on v3
    assert read.draft is not None and read.ignored == []
    assert read.draft.model == "kling-v2-6"
    assert read.draft.values == V26.values
    assert read.used[0] == "model"


def test_a_parameter_given_twice_counts_by_its_first_value() -> None:
    read = read_settings({"model": ["kling-v2-6", "kling-v3"], "duration": ["10", "5"]}, Draft())
    assert read.draft is not None and read.draft.model == "kling-v2-6"
    assert read.draft.values == {"input.duration": 10}


def test_a_hostile_link_fills_what_is_valid_and_says_why_the_rest_was_ignored() -> None:
    read = read_settings(
        _address(
            {
                "model": "kling-v9",
                "duration": "99",
                "aspect_ratio": "21:9",
                "mode": "ultra",
                "prompt": "hi",
                "webhook_url": "https://evil.example/x",
                "image": "javascript:alert(1)",
            }
        ),
        Draft(),
    )
    assert read.draft is not None and read.draft.values == {"input.prompt": "hi"}
    assert read.draft.model == "kling-v3" and read.draft.images == {}
    assert read.ignored == [
        "Model “kling-v9”: not one of kling-v3, kling-v2-6",
        "Duration (s) “99”: outside 3–15",
        "Aspect ratio “21:9”: not one of 16:9, 9:16, 1:1",
        "Mode “ultra”: not one of std, pro",
        "webhook_url: a webhook address is never taken from a link (your results would go there)",
        "Start image “javascript:alert(1)”: only an http(s) image address is taken",
    ]


def test_a_settings_file_round_trips_and_keeps_its_lists_whole() -> None:
    shots = [{"index": 1, "prompt": "pan left", "duration": 2}]
    form = Draft(
        model="kling-v3",
        values={"input.prompt": "p", "input.multi_shot": "customize", "input.multi_prompt": shots},
    )
    text = settings_file(form)
    read = read_file(text.encode(), Draft())
    assert read.draft is not None and read.ignored == []
    assert read.draft.values["input.multi_prompt"] == shots

    by_hand = json.loads(text)
    by_hand["multi_prompt"] = shots  # a real list, not the link's JSON text
    read = read_file(json.dumps(by_hand).encode(), Draft())
    assert read.draft is not None and read.draft.values["input.multi_prompt"] == shots
