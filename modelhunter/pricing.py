"""Exact prices of Kling image-to-video requests, in USD as `Decimal` (contract §3).

kling-v3 is billed per second at a rate set by mode and sound (stated by the docs).
kling-v2-6 has a fixed price per video; the docs state only the range $0.21–$1.40, so the
table below is our reconstruction (contract §3.2) and quotes for it are marked *estimated*.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from modelhunter.requests import MODE_LABELS, KlingV3Request, KlingV26Request

__all__ = [
    "V3_RATES",
    "V26_PRICES",
    "V26_RANGE",
    "NoPriceError",
    "PriceQuote",
    "format_usd",
    "price_for",
    "quote",
]

V3_RATES: dict[tuple[str, str], Decimal] = {
    ("std", "off"): Decimal("0.084"),
    ("std", "on"): Decimal("0.126"),
    ("pro", "off"): Decimal("0.112"),
    ("pro", "on"): Decimal("0.168"),
}
V26_PRICES: dict[tuple[str, int, str], Decimal] = {
    ("std", 5, "off"): Decimal("0.21"),
    ("std", 10, "off"): Decimal("0.42"),
    ("pro", 5, "off"): Decimal("0.35"),
    ("pro", 10, "off"): Decimal("0.70"),
    ("pro", 5, "on"): Decimal("0.70"),
    ("pro", 10, "on"): Decimal("1.40"),
}
V26_RANGE = (Decimal("0.21"), Decimal("1.40"))
V3_SECONDS = range(3, 16)


class NoPriceError(ValueError):
    """The combination has no published price (and the API would not accept it)."""


class PriceQuote(BaseModel):
    """The price of one request with a one-line breakdown."""

    model_config = ConfigDict(frozen=True)

    total: Decimal
    breakdown: str
    estimated: bool = False

    @property
    def label(self) -> str:
        return format_usd(self.total)


def format_usd(amount: Decimal) -> str:
    """`$0.42`, `$0.336`: two decimals, three when the cent is fractional."""
    cents = amount.quantize(Decimal("0.01"))
    return f"${cents}" if cents == amount else f"${amount.normalize():f}"


def price_for(model: str, mode: str, sound: str, duration: int) -> PriceQuote:
    """Price of a combination of the settings that drive cost.

    Raises:
        NoPriceError: the combination has no price (e.g. 7 s on kling-v2-6).
    """
    mode_label = MODE_LABELS.get(mode, mode)
    sound_label = "sound on" if sound == "on" else "no sound"
    if model == "kling-v3":
        rate = V3_RATES.get((mode, sound))
        if rate is None or duration not in V3_SECONDS:
            raise NoPriceError(f"kling-v3 has no price for {mode}/{sound}/{duration} s.")
        total = rate * duration
        return PriceQuote(
            total=total,
            breakdown=f"{format_usd(rate)}/s × {duration} s ({mode_label}, {sound_label})",
        )
    if model == "kling-v2-6":
        price = V26_PRICES.get((mode, duration, sound))
        if price is None:
            raise NoPriceError(
                f"kling-v2-6 has no price for {mode_label}, {duration} s, {sound_label}."
            )
        low, high = V26_RANGE
        return PriceQuote(
            total=price,
            breakdown=f"fixed price per {duration} s video ({mode_label}, {sound_label}); "
            f"estimated — published range {format_usd(low)}–{format_usd(high)}",
            estimated=True,
        )
    raise NoPriceError(f"No price list for model {model!r}.")


def quote(request: KlingV3Request | KlingV26Request) -> PriceQuote:
    """Price of a validated request."""
    data = request.input
    return price_for(request.model, data.mode, data.sound, int(data.duration))
