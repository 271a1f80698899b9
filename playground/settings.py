"""Configuration from env vars (`MODELHUNTER_*`) and `.streamlit/secrets.toml`."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from modelhunter.client import DEFAULT_BASE_URL
from modelhunter.keys import KEY_PATTERN, SANDBOX_PREFIX

__all__ = ["KEY_PATTERN", "Mode", "Settings", "mode_for", "scope_for"]

Mode = Literal["demo", "sandbox", "live"]


class Settings(BaseSettings):
    """Everything the app can be configured with; env vars win over secrets.toml."""

    model_config = SettingsConfigDict(env_prefix="MODELHUNTER_", extra="ignore")

    key: SecretStr | None = Field(default=None, description="API key; none means Demo mode.")
    base_url: str = Field(default=DEFAULT_BASE_URL, description="API base URL.")
    data_dir: Path = Field(default=Path("data"), description="Where runs and videos are kept.")
    budget_usd: Decimal = Field(
        default=Decimal("5.00"), ge=0, description="Live: most committed per calendar day."
    )
    budget_monthly_usd: Decimal | None = Field(
        default=None, ge=0, description="Live: most committed per calendar month (none: no cap)."
    )
    budget_tz: str = Field(default="UTC", description="Timezone of the budget's days and months.")
    submit_timeout_s: float = Field(
        default=60.0, gt=0, le=600, description="How long a submit may take to answer."
    )
    database_url: SecretStr | None = Field(
        default=None,
        description="SQLAlchemy URL of a PostgreSQL database shared by app replicas "
        "(none: an SQLite file per workspace in the data dir).",
    )
    trusted_user_header: str | None = Field(
        default=None,
        description="Sign-in by an SSO proxy: the request header naming the user's email "
        "(trusted only behind a proxy that sets it and strips it from clients).",
    )
    admin_emails: str = Field(
        default="", description="Comma-separated emails of the admins (budgets, spend)."
    )
    team_budget_usd: Decimal | None = Field(
        default=None, ge=0, description="With sign-in: the whole team's daily budget."
    )
    team_budget_monthly_usd: Decimal | None = Field(
        default=None, ge=0, description="With sign-in: the whole team's monthly budget."
    )
    confirm_above_usd: Decimal = Field(
        default=Decimal("1.00"), ge=0, description="Ask to confirm single live runs above this."
    )

    @field_validator("budget_tz")
    @classmethod
    def _known_timezone(cls, name: str) -> str:
        if name.upper() == "UTC":  # needs no timezone database
            return name
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {name!r}; use e.g. UTC or Europe/Berlin") from exc
        return name

    @property
    def admins(self) -> frozenset[str]:
        """Admin emails, lowercased."""
        return frozenset(e.strip().lower() for e in self.admin_emails.split(",") if e.strip())

    @classmethod
    def load(cls, secrets: dict[str, Any] | None = None) -> Settings:
        """Env vars first, then `MODELHUNTER_*` entries of `st.secrets` (passed in)."""
        overrides = {
            name.removeprefix("MODELHUNTER_").lower(): value
            for name, value in (secrets or {}).items()
            if name.startswith("MODELHUNTER_")
        }
        env = cls()
        explicit = env.model_dump(exclude_unset=True)
        return cls(**{**overrides, **explicit})


def mode_for(key: str | None) -> Mode:
    """Demo without a key, Sandbox for `river_test_…`, Live for `river_live_…`."""
    if not key:
        return "demo"
    return "sandbox" if key.startswith(SANDBOX_PREFIX) else "live"


def scope_for(key: str | None) -> str:
    """Store scope: `demo`, or a hash of the key (never the key itself)."""
    if not key:
        return "demo"
    return "key-" + hashlib.sha256(key.encode()).hexdigest()[:20]
