"""The building blocks of request models: the strict base, shared validators, list items.

`requests.py` assembles them into the two model families; the items (a shot, an element, a
voice line) are what a form's list editors add and remove.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_serializer,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

__all__ = [
    "Element",
    "Item",
    "MetadataKey",
    "Segment",
    "Strict",
    "Voice",
    "WholeNumber",
    "hints",
    "is_set",
    "no_bool",
    "rule_error",
]


def hints(**hints: Any) -> dict[str, Any]:
    return hints


def rule_error(kind: str, loc: tuple[str | int, ...], message: str, value: Any) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError(kind, message), loc=loc, input=value)


def is_set(value: Any) -> bool:
    return value not in (None, "", [], (), {})


def no_bool(value: Any) -> Any:
    # pydantic's lax mode reads true/false as 1/0 and "5" as 5; the contract types these as
    # JSON numbers, and what we send must be what the API reads (strict writing)
    if isinstance(value, bool | str):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


WholeNumber = Annotated[int, BeforeValidator(no_bool)]
# metadata keys are checked as sent: stripping them could merge "a " into "a" silently
MetadataKey = Annotated[str, StringConstraints(strip_whitespace=False)]


class Strict(BaseModel):
    """Request base: frozen, no unknown fields, errors located by field name."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        validate_by_name=True,
        validate_by_alias=True,
        loc_by_alias=False,
        str_strip_whitespace=True,
    )


class Item(Strict):
    @model_serializer(mode="wrap")
    def _drop_empty(self, handler: Any) -> dict[str, Any]:
        return {k: v for k, v in handler(self).items() if is_set(v)}


class Segment(Item):
    """One shot of a manual multi-shot video."""

    index: WholeNumber = Field(ge=1, title="Shot", description="Position of the shot, from 1.")
    prompt: str = Field(
        min_length=1,
        title="Shot prompt",
        description="What happens in this shot, e.g. 'close-up of the lantern flickering'.",
    )
    duration: Annotated[int | None, BeforeValidator(no_bool)] = Field(
        default=None,
        ge=1,
        le=15,
        title="Seconds",
        description="How many seconds this shot lasts. Fill it in for every shot (they must "
        "add up to the video's duration) or for none (then the time is shared out for you).",
    )


class Element(Item):
    """A pre-created Kling element (subject/character reference)."""

    element_id: WholeNumber = Field(
        gt=0,
        title="Element ID",
        description="The number of a character or object you saved earlier in your "
        "ModelHunter account as an 'element'; it then looks the same in every video.",
    )


class Voice(Item):
    """A voice line spoken in the video (needs sound on)."""

    voice_id: str = Field(
        min_length=1,
        max_length=128,
        title="Voice ID",
        description="Which voice speaks: the name of a voice in your ModelHunter voice "
        "library, e.g. voice_001.",
    )
    text: str = Field(
        min_length=1,
        max_length=500,
        title="Line",
        description="The words this voice says in the video (up to 500 characters).",
    )
