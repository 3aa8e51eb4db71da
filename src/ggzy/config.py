"""Settings: the only place that reads the environment (GGZY_*)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GGZY_", env_file=None, extra="ignore")

    data_dir: Path = Path("var")
    """Where the embedded default keeps its SQLite file and blob store."""
    database_url: str = ""
    """SQLAlchemy URL; empty means the embedded SQLite file under data_dir."""
    redis_url: str = ""
    """When set, realtime fan-out goes through Redis pub/sub instead of in-process."""
    secret_key: str = "dev-insecure-change-me"
    """Signs nothing secret by itself; mixed into CSRF tokens. Set it in production."""
    base_url: str = "http://127.0.0.1:8000"
    cookie_secure: bool = False
    session_hours: int = 12
    api_token_days: int = 30
    login_max_failures: int = 5
    """Failed logins per account and address inside login_window_minutes before 429."""
    login_window_minutes: int = 15
    max_document_bytes: int = 50 * 1024 * 1024
    """Largest tender document an agency may upload."""
    sweeper_interval_seconds: float = 1.0
    run_sweeper: bool = True
    demo_data: bool = False
    demo_clock: bool = False
    """GGZY_DEMO_CLOCK=1: a movable clock and /api/demo/clock for `ggzy demo`. Never on in production."""
    timezone: str = "Asia/Shanghai"
    outbox_adapter: str = "log"
    sms_gateway_url: str = ""
    """GGZY_OUTBOX_ADAPTER=sms POSTs each message here as JSON (expert.draw_sms.HttpSmsAdapter)."""
    sms_gateway_secret: str = ""
    """HMAC-SHA256 key of the X-Ggzy-Signature header the SMS gateway checks."""
    sms_gateway_timeout_seconds: float = 10.0
    exchange_url: str = ""
    """The public service platform's endpoint (E-Bidding Measures Art.45): every published Art.41 item is POSTed
    here as JSON by exchange.service; empty keeps them queued until it is set."""
    exchange_secret: str = ""
    """HMAC-SHA256 key of the X-Ggzy-Signature header the public service platform checks."""
    exchange_timeout_seconds: float = 10.0
    ocds_prefix: str = Field(default="ocds-ggzy01", pattern=r"^ocds-[a-z0-9]{6}$")
    """The OCDS ocid prefix ("ocds-" and six characters, as the Open Contracting Partnership registers them);
    every tender's and auction lot's ocid is this prefix, a hyphen and its code (ocds.rules.ocid)."""
    ocds_publisher: str = "公共资源交易中心"
    """The publisher named in every OCDS package (ocds.service)."""
    venue_fever_celsius: Decimal = Decimal("37.3")
    """The reception desk refuses a visitor at or above this temperature (疫情防控)."""
    venue_health_code_required: bool = False
    """The desk must record a health code (green admitted; yellow and red refused)."""
    venue_visitor_retention_days: int = 28
    """Visitors' personal data is blanked this many days after the visit (the chronograph purges it)."""

    extra: dict[str, str] = Field(default_factory=dict)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'ggzy.db').resolve()}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"


@lru_cache
def get_settings() -> Settings:
    return Settings()
