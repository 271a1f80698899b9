"""The fake's request rules for `POST /kling/image-to-video`, over the JSON body as sent.

Written from the contract (§2 fields and cross-field rules, §12 decisions and the README's
"Decisions" section), independently of the client package: plain Python over dicts. What the
rules decide where the docs are silent:

- Text and URLs are trimmed of surrounding Unicode white space (`WHITESPACE`) before they are
  checked; choices (`mode`, `sound`, …) must match exactly.
- Whole numbers are JSON numbers without a fraction (`5` and `5.0`); numeric strings ("5")
  and booleans are refused.
- `null` is accepted where "nothing" is a value of its own (no end frame, no negative prompt,
  no multi-shot, no shot length, no webhook, no metadata); a field that has a default
  (prompt "", duration 5, `16:9`, `std`, `off`, empty lists) must be left out to get it.
- kling-v3-only fields (`multi_shot`, `multi_prompt`, `element_list`) are refused on
  kling-v2-6 even when null or empty; unknown fields are refused everywhere.

Every broken rule is reported (field path + plain-words reason); cross-field rules are checked
once every field on its own is fine.
"""

from __future__ import annotations

import re
from typing import Any

from fake_modelhunter.reading import (
    ABSENT,
    IMAGE_URL,
    WEBHOOK_URL,
    Problem,
    Reader,
    Refused,
    whole,
)
from fake_modelhunter.replies import ServiceError
from fake_modelhunter.video_request import Shot, VideoRequest, Voice

__all__ = ["MODELS", "Problem", "Refused", "read_request"]

MODELS: tuple[str, ...] = ("kling-v3", "kling-v2-6")
ASPECT_RATIOS = ("16:9", "9:16", "1:1")
MODES = ("std", "pro")
SOUNDS = ("off", "on")
MULTI_SHOT = ("true", "intelligence")
V3_SECONDS = (3, 15)  # from, to
V26_SECONDS = (5, 10)
MAX_SHOTS, MAX_SHOT_SECONDS, MAX_ELEMENTS, MAX_VOICES = 6, 15, 4, 4
MAX_PROMPT, MAX_NEGATIVE = 10_000, 2_500
MAX_VOICE_ID, MAX_VOICE_TEXT = 128, 500
MAX_METADATA_KEYS, MAX_METADATA_VALUE = 16, 512
METADATA_KEY = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
TOP_FIELDS = ("model", "input", "webhookUrl", "metadata")
COMMON_FIELDS = (
    "image", "image_tail", "prompt", "negative_prompt", "duration", "aspect_ratio", "mode",
    "sound", "voice_list",
)  # fmt: skip
V3_ONLY_FIELDS = ("multi_shot", "multi_prompt", "element_list")
TITLES = {
    "image": "Start image", "image_tail": "End frame", "prompt": "Prompt",
    "negative_prompt": "Negative prompt", "duration": "Duration", "aspect_ratio": "Aspect ratio",
    "mode": "Mode", "sound": "Sound", "multi_shot": "Multi-shot", "multi_prompt": "Shots",
    "element_list": "Elements", "voice_list": "Voices",
}  # fmt: skip

FIELD_ORDER = (
    "model", "input", *(f"input.{key}" for key in COMMON_FIELDS if key != "voice_list"),
    *(f"input.{key}" for key in V3_ONLY_FIELDS), "input.voice_list", "webhookUrl", "metadata",
)  # fmt: skip


def _model(body: Any) -> str:
    if not isinstance(body, dict):
        raise ServiceError(400, "INVALID_PARAMETER", "The request body must be a JSON object")
    model = body.get("model")
    if model is None or model == "":
        raise Refused([("model", "Model is required: kling-v3 or kling-v2-6.")])
    if not isinstance(model, str):
        raise Refused([("model", "Model must be the text kling-v3 or kling-v2-6.")])
    if model not in MODELS:
        raise ServiceError(
            404,
            "MODEL_NOT_FOUND",
            f"Model '{model[:60]}' does not exist: use {' or '.join(MODELS)}",
            details={"field": "model"},
        )
    return model


def read_request(body: Any) -> VideoRequest:
    """The request a submit body asks for.

    Raises:
        Refused: the body breaks one or more rules (answer 400 `VALIDATION_ERROR`).
        ServiceError: not a JSON object (400 `INVALID_PARAMETER`), unknown model (404).
    """
    model = _model(body)
    problems: list[Problem] = []
    reader = Reader(problems)
    values: dict[str, Any] = {"model": model}
    raw_input = body.get("input", ABSENT)
    if raw_input is ABSENT or raw_input is None:
        reader.refuse("input", "Input is required: an object with at least the start image.")
    else:
        allowed = COMMON_FIELDS + (V3_ONLY_FIELDS if model == "kling-v3" else ())
        misplaced = {
            key: f"{TITLES[key]} is only available on kling-v3, not on {model}: remove it."
            for key in V3_ONLY_FIELDS
        }
        data = reader.fields(raw_input, "input", model, allowed, misplaced)
        if data is not None:
            before = len(problems)
            values.update(_read_input(reader, model, data))
            if len(problems) == before:
                _cross_rules(reader, model, values)
    values.update(_read_top(reader, body))
    if problems:
        raise Refused(sorted(problems, key=_field_order))
    return VideoRequest(**values)


def _field_order(problem: Problem) -> int:
    """Position of a problem's field in `FIELD_ORDER` (longest matching prefix)."""
    where = problem[0]
    for position, name in reversed(list(enumerate(FIELD_ORDER))):
        if where == name or where.startswith(name + "."):
            return position
    return len(FIELD_ORDER)


def _read_input(reader: Reader, model: str, data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}

    def field(key: str) -> Any:
        return data.get(key, ABSENT)

    image = field("image")
    if image is ABSENT or image is None:
        reader.refuse("input.image", "Start image is required: an http(s) URL of the image.")
    else:
        out["image"] = reader.url(image, "input.image", "Start image", IMAGE_URL)
    if field("image_tail") not in (ABSENT, None):
        out["image_tail"] = reader.url(
            data["image_tail"], "input.image_tail", "End frame", IMAGE_URL
        )
    if field("prompt") is not ABSENT:
        out["prompt"] = reader.text(data["prompt"], "input.prompt", "Prompt", max_len=MAX_PROMPT)
    if field("negative_prompt") not in (ABSENT, None):
        out["negative_prompt"] = reader.text(
            data["negative_prompt"], "input.negative_prompt", "Negative prompt",
            max_len=MAX_NEGATIVE,
        ) or None  # fmt: skip
    if field("duration") is not ABSENT:
        if model == "kling-v3":
            out["duration"] = reader.whole(
                data["duration"], "input.duration", "Duration", *V3_SECONDS
            )
        else:
            number = whole(data["duration"])
            if number not in V26_SECONDS:
                reader.refuse("input.duration", "Duration must be 5 or 10 seconds on kling-v2-6.")
            out["duration"] = number
    for key, options in (("aspect_ratio", ASPECT_RATIOS), ("mode", MODES), ("sound", SOUNDS)):
        if field(key) is not ABSENT:
            out[key] = reader.choice(data[key], f"input.{key}", TITLES[key], options)
    if field("multi_shot") not in (ABSENT, None):
        out["multi_shot"] = reader.choice(
            data["multi_shot"], "input.multi_shot", "Multi-shot", MULTI_SHOT
        )
    if field("multi_prompt") is not ABSENT:
        out["shots"] = tuple(_read_shots(reader, data["multi_prompt"]))
    if field("element_list") is not ABSENT:
        out["element_ids"] = tuple(_read_elements(reader, data["element_list"]))
    if field("voice_list") is not ABSENT:
        out["voices"] = tuple(_read_voices(reader, data["voice_list"]))
    return out


def _read_shots(reader: Reader, value: Any) -> list[Shot]:
    shots = []
    for i, item in enumerate(reader.items(value, "input.multi_prompt", "Shots", MAX_SHOTS)):
        where = f"input.multi_prompt.{i}"
        title = f"Shot {i + 1}"
        data = reader.fields(item, where, title, ("index", "prompt", "duration"))
        if data is None:
            continue
        index = reader.whole(
            data.get("index", ABSENT), f"{where}.index", f"{title} number", 1, None
        )
        prompt = reader.text(
            data.get("prompt", ABSENT), f"{where}.prompt", f"{title} prompt", min_len=1
        )
        seconds = data.get("duration")
        if seconds is not None:
            seconds = reader.whole(
                seconds, f"{where}.duration", f"{title} length", 1, MAX_SHOT_SECONDS
            )
        if index is not None and prompt is not None:
            shots.append(Shot(index, prompt, seconds))
    return shots


def _read_elements(reader: Reader, value: Any) -> list[int]:
    ids = []
    for i, item in enumerate(reader.items(value, "input.element_list", "Elements", MAX_ELEMENTS)):
        where = f"input.element_list.{i}"
        data = reader.fields(item, where, f"Element {i + 1}", ("element_id",))
        if data is not None:
            number = reader.whole(
                data.get("element_id", ABSENT),
                f"{where}.element_id",
                f"Element {i + 1} ID",
                1,
                None,
            )
            if number is not None:
                ids.append(number)
    return ids


def _read_voices(reader: Reader, value: Any) -> list[Voice]:
    voices = []
    for i, item in enumerate(reader.items(value, "input.voice_list", "Voices", MAX_VOICES)):
        where = f"input.voice_list.{i}"
        data = reader.fields(item, where, f"Voice {i + 1}", ("voice_id", "text"))
        if data is None:
            continue
        voice_id = reader.text(
            data.get("voice_id", ABSENT), f"{where}.voice_id", f"Voice {i + 1} ID", min_len=1,
            max_len=MAX_VOICE_ID,
        )  # fmt: skip
        text = reader.text(
            data.get("text", ABSENT), f"{where}.text", f"Voice {i + 1} line", min_len=1,
            max_len=MAX_VOICE_TEXT,
        )  # fmt: skip
        if voice_id is not None and text is not None:
            voices.append(Voice(voice_id, text))
    return voices


def _cross_rules(reader: Reader, model: str, values: dict[str, Any]) -> None:
    """Rules between fields (contract §2 and §12), on fields that are each fine."""
    mode, sound = values.get("mode", "std"), values.get("sound", "off")
    shots: tuple[Shot, ...] = values.get("shots", ())
    if values.get("voices") and sound != "on":
        reader.refuse("input.voice_list", "Voices need sound on: set sound to on or remove them.")
    if model == "kling-v2-6":
        if values.get("image_tail") and mode != "pro":
            reader.refuse("input.image_tail", "An end frame needs mode pro on kling-v2-6.")
        if sound == "on" and mode != "pro":
            reader.refuse("input.sound", "Sound on needs mode pro on kling-v2-6.")
        return
    manual = values.get("multi_shot") == "true"
    if shots and not manual:
        reader.refuse("input.multi_prompt", 'Shots need multi_shot "true" (manual shots).')
    if manual and not shots:
        reader.refuse("input.multi_prompt", 'multi_shot "true" needs at least one shot.')
    for position, shot in enumerate(shots, start=1):
        if shot.index != position:
            reader.refuse(
                f"input.multi_prompt.{position - 1}.index",
                f"Shots are numbered 1, 2, 3… in order: shot {position} has number {shot.index}.",
            )
    timed = [shot.duration for shot in shots if shot.duration is not None]
    if timed and len(timed) < len(shots):
        reader.refuse("input.multi_prompt", "Give every shot a length, or none of them.")
    elif timed and sum(timed) != values.get("duration", 5):
        reader.refuse(
            "input.multi_prompt",
            f"Shot lengths add up to {sum(timed)} s, not the video's "
            f"{values.get('duration', 5)} s.",
        )
    if values.get("image_tail") and manual:
        reader.refuse("input.image_tail", "An end frame can't be combined with manual shots.")


def _read_top(reader: Reader, body: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in body:
        if key not in TOP_FIELDS:
            reader.refuse(key, f"'{key}' is not a field of the request: remove it.")
    if body.get("webhookUrl") is not None:
        out["webhook_url"] = reader.url(
            body["webhookUrl"], "webhookUrl", "Webhook URL", WEBHOOK_URL
        )
    metadata = body.get("metadata")
    if metadata is None:
        return out
    if not isinstance(metadata, dict):
        reader.refuse("metadata", "Metadata must be an object of text labels.")
        return out
    if len(metadata) > MAX_METADATA_KEYS:
        reader.refuse("metadata", f"Metadata: at most {MAX_METADATA_KEYS} entries.")
        return out
    labels: dict[str, str] = {}
    for key, value in metadata.items():
        if not METADATA_KEY.fullmatch(key):
            reader.refuse(
                "metadata",
                f"Metadata keys are 1–64 letters, digits, '_', '-' or '.'; '{key[:70]}' is not.",
            )
            continue
        text = reader.text(
            value, f"metadata.{key}", f"Metadata '{key}'", max_len=MAX_METADATA_VALUE
        )
        if text is not None:
            labels[key] = text
    out["metadata"] = labels
    return out
