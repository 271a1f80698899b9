"""The form's working copy: values by field path, and the images the user gave."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from modelhunter.images import EXTENSION_FOR_TYPE
from modelhunter.requests import KlingV3Request, KlingV26Request
from playground.form_schema import Values, build_body, coerced_values
from playground.jobs import Upload
from playground.runs import Run

if TYPE_CHECKING:
    from playground.store import Store

__all__ = ["PENDING_UPLOAD", "Draft", "ImageChoice", "load_draft", "save_draft"]

# Stands in for a local file's URL until it is uploaded at submit (`.invalid` never resolves).
PENDING_UPLOAD = "https://pending-upload.invalid/"


class ImageChoice(BaseModel):
    """An image picked for a field: a local file (bytes kept by sha256) or a URL."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["upload", "url"]
    name: str
    url: str | None = None
    sha256: str | None = None
    content_type: str | None = None

    def wire_url(self) -> str:
        if self.kind == "url" and self.url:
            return self.url
        return f"{PENDING_UPLOAD}{self.sha256}/{self.name}"


class Draft(BaseModel):
    """Everything typed into the form so far, kept across model switches and pages."""

    model: str = "kling-v3"
    values: Values = Field(default_factory=dict)
    images: dict[str, ImageChoice] = Field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        """Wire-shaped body for the chosen model (local images as placeholders)."""
        urls = {name: choice.wire_url() for name, choice in self.images.items()}
        return build_body(self.model, self.values, urls)

    def effective(self) -> Values:
        """Values as the chosen model will use them (impossible choices coerced)."""
        return coerced_values(self.model, self.values)

    def uploads(
        self, image_bytes: dict[str, bytes], *, copy_urls: bool = False
    ) -> dict[str, Upload]:
        """Local images to upload at submit, for the fields the request uses.

        With `copy_urls`, URL images whose bytes we fetched (for the preview) are uploaded too.
        """
        body_input = self.body().get("input", {})
        return {
            name: Upload(
                name=choice.name,
                content_type=choice.content_type or "application/octet-stream",
                data=image_bytes[choice.sha256],
            )
            for name, choice in self.images.items()
            if (choice.kind == "upload" or copy_urls)
            and choice.sha256 in image_bytes
            and name in body_input
        }

    @classmethod
    def from_request(
        cls, request: KlingV3Request | KlingV26Request, images: dict[str, ImageChoice]
    ) -> Draft:
        """A draft that reproduces a request (for "re-run with these settings")."""
        wire = request.wire()
        values: Values = {f"input.{k}": v for k, v in wire.get("input", {}).items()}
        values.pop("input.image", None)
        values.pop("input.image_tail", None)
        metadata = {k: v for k, v in (wire.get("metadata") or {}).items() if k != "client_ref"}
        if metadata:
            values["metadata"] = metadata
        if "webhookUrl" in wire:
            values["webhook_url"] = wire["webhookUrl"]
        return cls(model=request.model, values=values, images=images)

    @classmethod
    def from_run(cls, run: Run) -> Draft | None:
        """The draft that re-runs a run; None when its settings are unknown."""
        if run.request is None:
            return None
        images = {
            field: ImageChoice(
                kind="upload" if img.sha256 else "url",
                name=img.name,
                url=img.url,
                sha256=img.sha256,
                content_type=img.content_type,
            )
            for field, img in run.images.items()
        }
        return cls.from_request(run.request, images)


def save_draft(store: Store, owner: str, draft: Draft, image_bytes: dict[str, bytes]) -> str:
    """Keep the draft of one browser (`owner`) in the store, with its images' files.

    Returns the JSON saved (callers skip saving an unchanged draft again).
    """
    for choice in draft.images.values():
        data = image_bytes.get(choice.sha256 or "")
        if data is not None and store.image_path(choice.sha256 or "") is None:
            store.put_image(data, EXTENSION_FOR_TYPE.get(choice.content_type or "", ".img"))
    body = draft.model_dump_json()
    store.drafts.save(owner, body)
    return body


def load_draft(store: Store, owner: str) -> tuple[Draft, dict[str, bytes]] | None:
    """The draft this browser left in the store, and the bytes of its images (None: none).

    An image whose file is gone is left out of the draft (the user picks it again); a draft
    an older version saved that no longer reads is ignored.
    """
    body = store.drafts.load(owner)
    if body is None:
        return None
    try:
        draft = Draft.model_validate_json(body)
    except ValidationError:
        return None
    data: dict[str, bytes] = {}
    for field, choice in list(draft.images.items()):
        if choice.kind == "url" and not choice.sha256:
            continue  # an unchecked URL: nothing kept on disk
        path = store.image_path(choice.sha256 or "")
        if path is None:
            del draft.images[field]
            continue
        data[choice.sha256 or ""] = path.read_bytes()
    return draft, data
