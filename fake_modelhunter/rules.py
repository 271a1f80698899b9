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

from fake_modelhunter.replies import ServiceError
from fake_modelhunter.video_request import Shot, VideoRequest, Voice

__all__ = ["MODELS", "Problem", "Refused", "read_request"]

MODELS: tuple[str, ...] = ("kling-v3", "kling-v2-6")
ASPECT_RATIOS = ("16:9", "9:16", "1:1")
MODES = ("std", "pro")
SOUNDS = ("off", "on")
MULTI_SHOT = ("true", "intelligence")
V3_SECONDS = range(3, 16)
V26_SECONDS = (5, 10)
MAX_SHOTS, MAX_SHOT_SECONDS, MAX_ELEMENTS, MAX_VOICES = 6, 15, 4, 4
MAX_URL, MAX_PROMPT, MAX_NEGATIVE = 2048, 10_000, 2_500
MAX_VOICE_ID, MAX_VOICE_TEXT = 128, 500
MAX_METADATA_KEYS, MAX_METADATA_VALUE = 16, 512
METADATA_KEY = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
IMAGE_URL = re.compile(r"https?://[^\s/]+\S*")
WEBHOOK_URL = re.compile(r"https://[^\s/]+\S*")
# Unicode's White_Space property: what "trimmed" means here.
WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + ("\u2028\u2029\u202f\u205f\u3000")
)
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

Problem = tuple[str, str]  # (field path, e.g. "input.multi_prompt.0.prompt"; reason)
_ABSENT = object()


class Refused(Exception):
    """The body breaks rules: `problems` lists each one, in field order."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems[0][1])
        self.problems = problems


def _whole(value: Any) -> int | None:
    """A JSON whole number (`5`, `5.0`), else None (strings and booleans are not numbers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


class _Reader:
    """Reads fields of one JSON object, collecting a problem for each broken rule."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems

    def refuse(self, where: str, reason: str) -> None:
        self.problems.append((where, reason))

    def text(
        self, value: Any, where: str, title: str, *, min_len: int = 0, max_len: int | None = None
    ) -> str | None:
        if value is _ABSENT:
            self.refuse(where, f"{title} is required.")
            return None
        if not isinstance(value, str):
            self.refuse(where, f"{title} must be text.")
            return None
        value = value.strip(WHITESPACE)
        if len(value) < min_len:
            self.refuse(where, f"{title} can't be empty.")
            return None
        if max_len is not None and len(value) > max_len:
            self.refuse(where, f"{title} is too long: at most {max_len:,} characters.")
            return None
        return value

    def url(self, value: Any, where: str, title: str, pattern: re.Pattern[str]) -> str | None:
        text = self.text(value, where, title, max_len=MAX_URL)
        if text is None:
            return None
        if not pattern.fullmatch(text):
            scheme = "https://" if pattern is WEBHOOK_URL else "http(s)://"
            self.refuse(where, f"{title} must be a full {scheme} address.")
            return None
        return text

    def whole(self, value: Any, where: str, title: str, low: int, high: int | None) -> int | None:
        number = _whole(value)
        if number is None:
            missing = value is _ABSENT
            self.refuse(
                where, f"{title} is required." if missing else f"{title} must be a whole number."
            )
            return None
        if number < low or (high is not None and number > high):
            bounds = f"from {low} to {high}" if high is not None else f"{low} or more"
            self.refuse(where, f"{title} must be {bounds}; {number} is not.")
            return None
        return number

    def choice(self, value: Any, where: str, title: str, options: tuple[str, ...]) -> str | None:
        if isinstance(value, str) and value in options:
            return value
        self.refuse(where, f"{title} must be {' or '.join(options)}.")
        return None

    def items(self, value: Any, where: str, title: str, most: int) -> list[Any]:
        if not isinstance(value, list):
            self.refuse(where, f"{title} must be a list.")
            return []
        if len(value) > most:
            self.refuse(where, f"{title}: at most {most} items.")
            return []
        return value

    def fields(
        self, value: Any, where: str, title: str, allowed: tuple[str, ...]
    ) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.refuse(where, f"{title} must be an object of named fields.")
            return None
        for key in value:
            if key in allowed:
                continue
            if key in V3_ONLY_FIELDS and where == "input":
                reason = f"{TITLES[key]} is only available on kling-v3, not on {title}: remove it."
            else:
                reason = f"'{key}' is not a field of {title}: remove it."
            self.refuse(f"{where}.{key}", reason)
        return value


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
    reader = _Reader(problems)
    values: dict[str, Any] = {"model": model}
    raw_input = body.get("input", _ABSENT)
    if raw_input is _ABSENT or raw_input is None:
        reader.refuse("input", "Input is required: an object with at least the start image.")
    else:
        allowed = COMMON_FIELDS + (V3_ONLY_FIELDS if model == "kling-v3" else ())
        data = reader.fields(raw_input, "input", model, allowed)
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


def _read_input(reader: _Reader, model: str, data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}

    def field(key: str) -> Any:
        return data.get(key, _ABSENT)

    image = field("image")
    if image is _ABSENT or image is None:
        reader.refuse("input.image", "Start image is required: an http(s) URL of the image.")
    else:
        out["image"] = reader.url(image, "input.image", "Start image", IMAGE_URL)
    if field("image_tail") not in (_ABSENT, None):
        out["image_tail"] = reader.url(
            data["image_tail"], "input.image_tail", "End frame", IMAGE_URL
        )
    if field("prompt") is not _ABSENT:
        out["prompt"] = reader.text(data["prompt"], "input.prompt", "Prompt", max_len=MAX_PROMPT)
    if field("negative_prompt") not in (_ABSENT, None):
        out["negative_prompt"] = reader.text(
            data["negative_prompt"], "input.negative_prompt", "Negative prompt",
            max_len=MAX_NEGATIVE,
        ) or None  # fmt: skip
    if field("duration") is not _ABSENT:
        if model == "kling-v3":
            out["duration"] = reader.whole(data["duration"], "input.duration", "Duration", 3, 15)
        else:
            number = _whole(data["duration"])
            if number not in V26_SECONDS:
                reader.refuse("input.duration", "Duration must be 5 or 10 seconds on kling-v2-6.")
            out["duration"] = number
    for key, options in (("aspect_ratio", ASPECT_RATIOS), ("mode", MODES), ("sound", SOUNDS)):
        if field(key) is not _ABSENT:
            out[key] = reader.choice(data[key], f"input.{key}", TITLES[key], options)
    if field("multi_shot") not in (_ABSENT, None):
        out["multi_shot"] = reader.choice(
            data["multi_shot"], "input.multi_shot", "Multi-shot", MULTI_SHOT
        )
    if field("multi_prompt") is not _ABSENT:
        out["shots"] = tuple(_read_shots(reader, data["multi_prompt"]))
    if field("element_list") is not _ABSENT:
        out["element_ids"] = tuple(_read_elements(reader, data["element_list"]))
    if field("voice_list") is not _ABSENT:
        out["voices"] = tuple(_read_voices(reader, data["voice_list"]))
    return out


def _read_shots(reader: _Reader, value: Any) -> list[Shot]:
    shots = []
    for i, item in enumerate(reader.items(value, "input.multi_prompt", "Shots", MAX_SHOTS)):
        where = f"input.multi_prompt.{i}"
        title = f"Shot {i + 1}"
        data = reader.fields(item, where, title, ("index", "prompt", "duration"))
        if data is None:
            continue
        index = reader.whole(
            data.get("index", _ABSENT), f"{where}.index", f"{title} number", 1, None
        )
        prompt = reader.text(
            data.get("prompt", _ABSENT), f"{where}.prompt", f"{title} prompt", min_len=1
        )
        seconds = data.get("duration")
        if seconds is not None:
            seconds = reader.whole(
                seconds, f"{where}.duration", f"{title} length", 1, MAX_SHOT_SECONDS
            )
        if index is not None and prompt is not None:
            shots.append(Shot(index, prompt, seconds))
    return shots


def _read_elements(reader: _Reader, value: Any) -> list[int]:
    ids = []
    for i, item in enumerate(reader.items(value, "input.element_list", "Elements", MAX_ELEMENTS)):
        where = f"input.element_list.{i}"
        data = reader.fields(item, where, f"Element {i + 1}", ("element_id",))
        if data is not None:
            number = reader.whole(
                data.get("element_id", _ABSENT),
                f"{where}.element_id",
                f"Element {i + 1} ID",
                1,
                None,
            )
            if number is not None:
                ids.append(number)
    return ids


def _read_voices(reader: _Reader, value: Any) -> list[Voice]:
    voices = []
    for i, item in enumerate(reader.items(value, "input.voice_list", "Voices", MAX_VOICES)):
        where = f"input.voice_list.{i}"
        data = reader.fields(item, where, f"Voice {i + 1}", ("voice_id", "text"))
        if data is None:
            continue
        voice_id = reader.text(
            data.get("voice_id", _ABSENT), f"{where}.voice_id", f"Voice {i + 1} ID", min_len=1,
            max_len=MAX_VOICE_ID,
        )  # fmt: skip
        text = reader.text(
            data.get("text", _ABSENT), f"{where}.text", f"Voice {i + 1} line", min_len=1,
            max_len=MAX_VOICE_TEXT,
        )  # fmt: skip
        if voice_id is not None and text is not None:
            voices.append(Voice(voice_id, text))
    return voices


def _cross_rules(reader: _Reader, model: str, values: dict[str, Any]) -> None:
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


def _read_top(reader: _Reader, body: dict[str, Any]) -> dict[str, Any]:
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
