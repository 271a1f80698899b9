"""The fake's price list (contract §3), in USD as `Decimal`.

kling-v3 is billed per second at a rate set by mode and sound (§3.1, stated by the docs);
kling-v2-6 has a fixed price per video (§3.2, our reconstruction of the published range
$0.21–$1.40). kling-v2-6 standard mode has no price with sound on: the rules refuse it.
"""

from __future__ import annotations

from decimal import Decimal

from fake_modelhunter.video_request import VideoRequest

__all__ = ["PER_SECOND_V3", "PER_VIDEO_V26", "price_of"]

PER_SECOND_V3: dict[tuple[str, str], Decimal] = {
    # (mode, sound): USD per second of video
    ("std", "off"): Decimal("0.084"),
    ("std", "on"): Decimal("0.126"),
    ("pro", "off"): Decimal("0.112"),
    ("pro", "on"): Decimal("0.168"),
}
PER_VIDEO_V26: dict[tuple[str, str, int], Decimal] = {
    # (mode, sound, seconds): USD per video
    ("std", "off", 5): Decimal("0.21"),
    ("std", "off", 10): Decimal("0.42"),
    ("pro", "off", 5): Decimal("0.35"),
    ("pro", "off", 10): Decimal("0.70"),
    ("pro", "on", 5): Decimal("0.70"),
    ("pro", "on", 10): Decimal("1.40"),
}


def price_of(request: VideoRequest) -> Decimal:
    """What the request costs.

    Raises:
        LookupError: the combination has no price (the rules refuse such requests).
    """
    if request.model == "kling-v3":
        return PER_SECOND_V3[(request.mode, request.sound)] * request.duration
    if request.model == "kling-v2-6":
        return PER_VIDEO_V26[(request.mode, request.sound, request.duration)]
    raise LookupError(f"no price list for {request.model}")
