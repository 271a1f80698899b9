"""Request models for Kling image-to-video, one per model family, discriminated on `model`.

Every constraint and cross-field rule of the contract lives here (and nowhere else). Field
metadata in `json_schema_extra` carries the hints a UI needs to generate a form:

- `widget`: "image" | "textarea" | "segmented" | "select" | "slider" | "list" | "keyvalue"
- `group`: "For developers" for fields only a developer needs (IDs, webhook, metadata)
- `labels`: display label per option value (`None` key = the "off" choice of an optional enum)
- `requires`: {other_field: [values]} — the field may only be set when the other field has
  one of those values (e.g. end frame needs pro on kling-v2-6)
- `option_requires`: {option: {other_field: [values]}} — same, for one option of an enum
- `auto_index`: name of a list item's field that is numbered 1..n automatically
- `warn_max_length`: soft limit that gives a warning, not an error

The generic rules validator (`_check_declared_rules`) enforces `requires`/`option_requires`,
so the UI and the validation read the very same declaration.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from .request_items import (
    Element,
    Item,
    MetadataKey,
    Segment,
    Strict,
    Voice,
    WholeNumber,
    hints,
    is_set,
    rule_error,
)

__all__ = [
    "ASPECT_RATIOS",
    "MODEL_IDS",
    "MODE_LABELS",
    "PROMPT_SOFT_LIMIT",
    "Element",
    "KlingRequest",
    "KlingV3Input",
    "KlingV3Request",
    "KlingV26Input",
    "KlingV26Request",
    "Segment",
    "Voice",
    "parse_request",
    "request_adapter",
    "request_class",
]

MODEL_IDS: tuple[str, ...] = ("kling-v3", "kling-v2-6")
#: How each `mode` is named to people (form, price breakdown, gallery).
MODE_LABELS: dict[str, str] = {"std": "Standard", "pro": "Pro"}
ASPECT_RATIOS: tuple[str, ...] = ("16:9", "9:16", "1:1")
PROMPT_SOFT_LIMIT = 2500
MAX_SEGMENTS = 6
MAX_ELEMENTS = 4
MAX_VOICES = 4  # not stated by the docs (contract §10.8); our limit, kept in one place
MAX_METADATA_KEYS = 16
_METADATA_KEY = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
MAX_METADATA_VALUE = 512

AspectRatio = Literal["16:9", "9:16", "1:1"]
Mode = Literal["std", "pro"]
Sound = Literal["off", "on"]


ImageUrl = Annotated[str, Field(max_length=2048)]


class _InputBase(Item):
    """Fields shared by both model families (field order = form order)."""

    image: ImageUrl = Field(
        title="Start image",
        description="The picture your video starts from: it is brought to life. A photo "
        "or drawing (PNG, JPEG or WebP, at least 128 px a side, up to 50 MB). Upload a file, "
        "paste a web address, or try a sample.",
        json_schema_extra=hints(widget="image"),
    )
    image_tail: ImageUrl | None = Field(
        default=None,
        title="End frame",
        description="Optional picture the video ends on: the video moves from the start "
        "image to this one.",
        json_schema_extra=hints(widget="image"),
    )
    prompt: str = Field(
        default="",
        max_length=10_000,
        title="Prompt",
        description="Say what should move and how the camera behaves, in plain words, "
        "e.g. 'slow push in, leaves drifting'. Empty is fine: the picture is animated gently.",
        examples=[
            "slow push in, soft light, gentle breeze",
            "camera orbits slowly around the subject",
            "waves rolling in, clouds drifting, golden hour",
            "the person smiles and turns to the camera",
        ],
        json_schema_extra=hints(
            widget="textarea",
            warn_max_length=PROMPT_SOFT_LIMIT,
            placeholder="e.g. slow push in on the lighthouse, waves rolling, golden hour",
        ),
    )
    duration: int = Field(
        default=5, title="Duration (s)", description="How long the video is, in seconds."
    )
    aspect_ratio: AspectRatio = Field(
        default="16:9",
        title="Aspect ratio",
        description="The shape of the video: 16:9 wide (screens), 9:16 tall (phones, "
        "stories), 1:1 square. Your picture is trimmed to fill it; the preview shows how.",
        json_schema_extra=hints(widget="segmented"),
    )
    mode: Mode = Field(
        default="std",
        title="Mode",
        description="Standard is cheaper and quicker; Pro costs more and gives finer "
        "detail and smoother motion.",
        json_schema_extra=hints(widget="segmented", labels=MODE_LABELS),
    )
    sound: Sound = Field(
        default="off",
        title="Sound",
        description="On: the video comes with matching sound (ambience, effects, and "
        "spoken lines if you add voices). Costs more. Off: a silent video.",
        json_schema_extra=hints(widget="segmented", labels={"off": "Off", "on": "On"}),
    )
    voice_list: list[Voice] = Field(
        default_factory=list,
        max_length=MAX_VOICES,
        title="Voices",
        description=f"Up to {MAX_VOICES} lines spoken in the video, each by a voice from "
        "your ModelHunter voice library. Needs Sound: On.",
        json_schema_extra=hints(widget="list", requires={"sound": ["on"]}, group="For developers"),
    )
    negative_prompt: str | None = Field(
        default=None,
        max_length=2_500,
        title="Negative prompt",
        description="Things you do not want to see, e.g. 'blur, text, watermark'. Optional.",
        json_schema_extra=hints(widget="textarea", placeholder="e.g. blur, text, watermark"),
    )

    @field_validator("image", "image_tail")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+\S*$", value):
            raise PydanticCustomError(
                "image_url", "Give a public http(s) image URL or upload a file."
            )
        return value

    @model_validator(mode="after")
    def _check_declared_rules(self) -> _InputBase:
        errors = _declared_rule_errors(self) + self._extra_rule_errors()
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self

    def _extra_rule_errors(self) -> list[InitErrorDetails]:
        return []


def _label(model: type[BaseModel], field: str, value: Any) -> str:
    extra = model.model_fields[field].json_schema_extra
    labels = extra.get("labels", {}) if isinstance(extra, dict) else {}
    return str(labels.get(value, value))


def _title(model: type[BaseModel], field: str) -> str:
    return model.model_fields[field].title or field


def _declared_rule_errors(obj: BaseModel) -> list[InitErrorDetails]:
    """Errors for every `requires`/`option_requires` hint the values break."""
    cls = type(obj)
    model_id = getattr(cls, "family", "this model")
    errors: list[InitErrorDetails] = []
    for name, info in cls.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        value = getattr(obj, name)
        conditions: dict[str, list[Any]] = {}
        if is_set(value) and "requires" in extra:
            conditions = extra["requires"]
        elif isinstance(value, str | int) and value in extra.get("option_requires", {}):
            conditions = extra["option_requires"][value]
        for other, allowed in conditions.items():
            if getattr(obj, other) in allowed:
                continue
            wanted = " or ".join(_label(cls, other, v) for v in allowed)
            what = _title(cls, name)
            if isinstance(value, str | int) and value in extra.get("option_requires", {}):
                what = f"{what} '{_label(cls, name, value)}'"
            message = (
                f"{what} is only available when {_title(cls, other)} is {wanted} on "
                f"{model_id}. Switch {_title(cls, other)} to {wanted}, or change "
                f"{_title(cls, name)}."
            )
            errors.append(rule_error("requires", (name,), message, value))
    return errors


class KlingV3Input(_InputBase):
    """Input of `kling-v3`: per-second billing, 3–15 s, multi-shot and elements."""

    family: ClassVar[str] = "kling-v3"

    duration: WholeNumber = Field(
        default=5,
        ge=3,
        le=15,
        title="Duration (s)",
        description="How long the video is: 3 to 15 seconds. The price is per second.",
        json_schema_extra=hints(widget="slider"),
    )
    multi_shot: Literal["true", "intelligence"] | None = Field(
        default=None,
        title="Multi-shot",
        description="Off: one continuous shot. Automatic: the model cuts the video into "
        "shots itself. Manual shots: you write what happens in each shot.",
        json_schema_extra=hints(
            widget="segmented",
            labels={None: "Off", "true": "Manual shots", "intelligence": "Automatic"},
        ),
    )
    multi_prompt: list[Segment] = Field(
        default_factory=list,
        max_length=MAX_SEGMENTS,
        title="Shots",
        description=f"Up to {MAX_SEGMENTS} shots, played one after another, each with "
        "its own description.",
        json_schema_extra=hints(
            widget="list", requires={"multi_shot": ["true"]}, auto_index="index"
        ),
    )
    element_list: list[Element] = Field(
        default_factory=list,
        max_length=MAX_ELEMENTS,
        title="Elements",
        description=f"Up to {MAX_ELEMENTS} characters or objects saved earlier in your "
        "ModelHunter account, so they look the same in every video.",
        json_schema_extra=hints(widget="list", group="For developers"),
    )

    def _extra_rule_errors(self) -> list[InitErrorDetails]:
        errors: list[InitErrorDetails] = []
        shots = self.multi_prompt
        if self.multi_shot == "true" and not shots:
            errors.append(
                rule_error(
                    "shots_missing",
                    ("multi_prompt",),
                    "Manual multi-shot needs at least one shot: add a shot, or set Multi-shot "
                    "to Automatic or Off.",
                    shots,
                )
            )
        for position, shot in enumerate(shots, start=1):
            if shot.index != position:
                errors.append(
                    rule_error(
                        "shot_index",
                        ("multi_prompt", position - 1, "index"),
                        f"Shots must be numbered 1, 2, 3… in order; shot {position} has "
                        f"number {shot.index}.",
                        shot.index,
                    )
                )
        timed = [s.duration for s in shots if s.duration is not None]
        if timed and len(timed) != len(shots):
            errors.append(
                rule_error(
                    "shot_durations_partial",
                    ("multi_prompt",),
                    "Give every shot a length, or none (then the API splits the time).",
                    timed,
                )
            )
        elif timed and sum(timed) != self.duration:
            errors.append(
                rule_error(
                    "shot_durations_sum",
                    ("multi_prompt",),
                    f"Shot lengths add up to {sum(timed)} s but the video is {self.duration} s: "
                    "make them add up, or change Duration.",
                    timed,
                )
            )
        if self.image_tail and self.multi_shot == "true":
            errors.append(
                rule_error(
                    "tail_with_shots",
                    ("image_tail",),
                    "An end frame can't be combined with manual shots: remove the end frame or "
                    "set Multi-shot to Automatic or Off.",
                    self.image_tail,
                )
            )
        return errors


class KlingV26Input(_InputBase):
    """Input of `kling-v2-6`: a fixed price per video, 5 or 10 s."""

    family: ClassVar[str] = "kling-v2-6"

    image_tail: ImageUrl | None = Field(
        default=None,
        title="End frame",
        description="Optional picture the video ends on: the video moves from the start "
        "image to this one (Pro mode only on kling-v2-6).",
        json_schema_extra=hints(widget="image", requires={"mode": ["pro"]}),
    )
    duration: Literal[5, 10] = Field(
        default=5,
        title="Duration (s)",
        description="How long the video is: 5 or 10 seconds. One price per video.",
        json_schema_extra=hints(widget="segmented"),
    )
    sound: Sound = Field(
        default="off",
        title="Sound",
        description="On: the video comes with matching sound. Costs more; needs Pro "
        "mode on kling-v2-6. Off: a silent video.",
        json_schema_extra=hints(
            widget="segmented",
            labels={"off": "Off", "on": "On"},
            option_requires={"on": {"mode": ["pro"]}},
        ),
    )


def _check_metadata(value: dict[str, str] | None) -> dict[str, str] | None:
    if value is None:
        return None
    if len(value) > MAX_METADATA_KEYS:
        raise PydanticCustomError(
            "metadata_size", f"Use at most {MAX_METADATA_KEYS} metadata entries."
        )
    for key, item in value.items():
        if not _METADATA_KEY.fullmatch(key):
            raise PydanticCustomError(
                "metadata_key",
                "Metadata keys are 1–64 letters, digits, '_', '-' or '.'; '{key}' is not.",
                {"key": key[:70]},
            )
        if len(item) > MAX_METADATA_VALUE:
            raise PydanticCustomError(
                "metadata_value",
                f"Metadata values are at most {MAX_METADATA_VALUE} characters.",
            )
    return value


class _RequestBase(Strict):
    webhook_url: str | None = Field(
        default=None,
        alias="webhookUrl",
        max_length=2048,
        title="Webhook URL",
        description="For developers: an https address of your own server, which "
        "ModelHunter calls when the video is ready. Leave empty: this page shows the result "
        "anyway.",
        json_schema_extra=hints(
            group="For developers", placeholder="https://example.com/hooks/kling"
        ),
    )
    metadata: dict[MetadataKey, str] | None = Field(
        default=None,
        title="Metadata",
        description="For developers: labels stored with the video at ModelHunter and "
        "returned with it, one 'name: value' per line (e.g. project: demo). They do not "
        "change the video.",
        json_schema_extra=hints(widget="keyvalue", group="For developers"),
    )

    @field_validator("webhook_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https://[^\s/]+\S*$", value):
            raise PydanticCustomError(
                "webhook_https", "The webhook URL must be a full https:// address."
            )
        # a secret in the URL is sent with every callback and shown wherever the task is
        if value is not None and "@" in urlsplit(value).netloc:
            raise PydanticCustomError(
                "webhook_credentials", "Webhook URL must not contain a user name or password."
            )
        return value

    @field_validator("metadata")
    @classmethod
    def _metadata_rules(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return _check_metadata(value)

    def wire(self) -> dict[str, Any]:
        """The JSON body sent to `POST /kling/image-to-video` (contract casing)."""
        body = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        return {key: value for key, value in body.items() if is_set(value)}


class KlingV3Request(_RequestBase):
    """Submit body for `kling-v3`."""

    model: Literal["kling-v3"] = "kling-v3"
    input: KlingV3Input


class KlingV26Request(_RequestBase):
    """Submit body for `kling-v2-6`."""

    model: Literal["kling-v2-6"] = "kling-v2-6"
    input: KlingV26Input


KlingRequest = Annotated[KlingV3Request | KlingV26Request, Field(discriminator="model")]
request_adapter: TypeAdapter[KlingV3Request | KlingV26Request] = TypeAdapter(KlingRequest)


def request_class(model_id: str) -> type[KlingV3Request] | type[KlingV26Request]:
    """The request model for a model id (`kling-v3` or `kling-v2-6`)."""
    classes = {"kling-v3": KlingV3Request, "kling-v2-6": KlingV26Request}
    if model_id not in classes:
        raise ValueError(f"Unknown model {model_id!r}; choose one of {', '.join(classes)}.")
    return classes[model_id]


def parse_request(body: Any) -> KlingV3Request | KlingV26Request:
    """Validate a wire body (dict) into the request model of its `model`.

    Raises:
        pydantic.ValidationError: with one error per broken rule, located at the field.
    """
    return request_adapter.validate_python(body)
