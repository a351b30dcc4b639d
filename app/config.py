"""Settings from the environment (pydantic-settings), with development defaults that work out of the box."""

import base64
import ipaddress
import json
import os
import secrets
import socket
from email.utils import parseaddr
from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["development", "test", "production"]

MIN_SECRET_KEY_LENGTH = 32
MIN_METRICS_TOKEN_LENGTH = 24
# The built-in seller: fine for trying the server, never on a real invoice.
DEMO_SELLER_NAME = "Customer Accounts Demo Shop"
DEMO_SELLER_ADDRESS = "Example Street 1|10115 Berlin|Germany"


class ConfigurationError(RuntimeError):
    """The settings cannot run a server (e.g. production without real secrets)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Environment = "development"
    data_dir: Path = Path("var")
    database_url: str = ""
    # PostgreSQL connections per server process: `pool_size` kept open, up to `max_overflow` more under load
    # (one request's loaders run several queries at once). Every process counts against the server's
    # max_connections: see the README (Operations) for the sum to keep below it.
    database_pool_size: int = Field(default=5, ge=1)
    database_max_overflow: int = Field(default=5, ge=0)
    # The same for each `customer-accounts worker` (one dispatcher and a few jobs, one query at a time each).
    worker_database_pool_size: int = Field(default=2, ge=1)
    worker_database_max_overflow: int = Field(default=2, ge=0)
    # A request waits this long for a pooled connection, then gets a retryable SERVICE_UNAVAILABLE.
    database_pool_timeout_seconds: float = Field(default=5.0, gt=0)
    # Opening a new PostgreSQL connection gives up after this long (an unreachable host, not a refusal).
    database_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    # A pooled PostgreSQL connection older than this is replaced when next checked out. Nothing pings a
    # connection before use, so keep it below the idle timeout of anything between us and the server that
    # drops idle connections silently (load balancers, NAT: often 240 to 350 s), or a statement could hang.
    database_pool_recycle_seconds: int = Field(default=180, ge=1)
    redis_url: str | None = None
    # Connecting to Redis and each command give up after this long; a dead connection is replaced once.
    redis_timeout_seconds: float = Field(default=2.0, gt=0)
    # Idle Redis connections are checked (PING) before reuse when idle longer than this.
    redis_health_check_seconds: int = Field(default=10, ge=0)
    # Prefix of every Redis key we write, so several deployments can share one Redis.
    redis_prefix: str = "customer-accounts:"

    secret_key: SecretStr | None = None
    # "kid:base64key[,kid:base64key...]"; the first key encrypts, all of them decrypt.
    encryption_keys: SecretStr | None = None

    host: str = "127.0.0.1"
    port: int = 8000
    # A number of trusted reverse proxies in front of us, or comma-separated networks (CIDR).
    trusted_proxies: str = ""
    # The base of every link we mail (see app/links.py for the routes). Default: our own portal,
    # PUBLIC_URL/account (unset: http://localhost:PORT/account).
    storefront_url: str | None = None
    # Serve the "My Account" portal under /account/ (off for shops whose own storefront answers the links).
    portal_enabled: bool = True
    # Where this server is reached from outside: signed download links (exports, invoices) point here.
    public_url: str | None = None  # default: http://HOST:PORT

    mail_backend: Literal["smtp", "console", "file"] | None = None
    smtp_url: SecretStr | None = None
    smtp_timeout_seconds: float = 10.0
    mail_from: str = "Customer Accounts <no-reply@localhost>"
    # The accent colour of the mail layout (its header and buttons); the shop's name is MAIL_FROM's display name.
    mail_brand_color: str = Field(default="#1f4e79", pattern=r"^#[0-9a-fA-F]{6}$")
    sms_backend: Literal["console", "file"] = "file"
    outbox_in_process: bool = True
    outbox_poll_seconds: float = 1.0
    outbox_max_attempts: int = 15
    outbox_retention_days: int = Field(default=7, ge=1)

    default_customer_group: str = "shop"
    session_idle_timeout_minutes: int = Field(default=14 * 24 * 60, ge=1)
    session_absolute_timeout_minutes: int = Field(default=30 * 24 * 60, ge=1)
    activation_link_ttl_minutes: int = Field(default=48 * 60, ge=1)
    password_reset_ttl_minutes: int = Field(default=60, ge=1)
    # How long the "choose your password" link of an account staff created for a customer stays valid.
    account_setup_link_days: int = Field(default=7, ge=1, le=30)
    sms_code_ttl_minutes: int = Field(default=15, ge=1)
    code_max_attempts: int = Field(default=5, ge=1)
    # A new activation/reset message for the same account goes out at most this often.
    resend_cooldown_seconds: int = Field(default=60, ge=0)

    # Limits on every GraphQL document.
    max_query_depth: int = Field(default=12, ge=2)
    max_aliases: int = Field(default=30, ge=1)
    max_tokens: int = Field(default=5000, ge=100)
    max_query_cost: int = Field(default=5000, ge=10)
    # Bodies (every route) and WebSocket messages over this many bytes are refused (413 / close 1009).
    max_request_bytes: int = Field(default=256 * 1024, ge=1024)
    # JSON (bodies, variables, WebSocket messages) nested deeper than this is BAD_USER_INPUT.
    max_json_depth: int = Field(default=32, ge=4, le=512)
    # Directives written in one document (each unknown one would be an error and a log entry).
    max_directives: int = Field(default=50, ge=1)
    # Browser origins allowed to call the API (CORS), e.g. "https://shop.example.com,https://admin.example.com".
    cors_allowed_origins: str = ""

    # Self-service profile.
    max_addresses_per_customer: int = Field(default=20, ge=1)
    max_wishlist_items: int = Field(default=200, ge=1)
    recently_viewed_limit: int = Field(default=20, ge=1, le=100)
    # exportMyData: how long its download link works, and how many a customer may ask for in a day.
    data_export_link_minutes: int = Field(default=24 * 60, ge=1)
    data_exports_per_day: int = Field(default=3, ge=1)
    data_export_max_downloads: int = Field(default=5, ge=1)
    guest_order_claim_ttl_minutes: int = Field(default=24 * 60, ge=1)

    # Payments, invoices, store credit. "sandbox" is the built-in test gateway (never in production);
    # "none" turns card payments off. Default: sandbox outside production, none in production.
    payment_gateway: Literal["sandbox", "stripe", "none"] | None = None
    default_currency: str = "EUR"
    # Currencies customers may pay in, comma-separated ISO 4217 codes; empty: every one the gateway takes.
    payment_currencies: str = ""
    # PAYMENT_GATEWAY=stripe: the account's API keys (secret and publishable) and the webhook endpoint's
    # signing secret (whsec_...); tests point STRIPE_API_BASE at a local stand-in of the API.
    stripe_secret_key: SecretStr | None = None
    stripe_publishable_key: str | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_base: str = "https://api.stripe.com"
    # A webhook signed longer ago than this is refused (replayed); Stripe's library defaults to 300 s.
    stripe_webhook_tolerance_seconds: int = Field(default=300, ge=1)
    # Each call to Stripe gives up after this long (the outcome is then unknown: the caller retries with
    # the same idempotency key).
    stripe_timeout_seconds: float = Field(default=30.0, gt=0)
    # The seller printed on invoices and receipts; address lines separated by "|".
    seller_name: str = DEMO_SELLER_NAME
    seller_address: str = DEMO_SELLER_ADDRESS
    seller_tax_id: str | None = None
    seller_email: str | None = None
    document_link_minutes: int = Field(default=15, ge=1)
    # A saved card expiring within this many days is flagged `expiresSoon`.
    card_expiry_warning_days: int = Field(default=30, ge=0)
    # How often unconfirmed card payments are settled and due refunds retried (0 turns it off).
    reconcile_payments_seconds: int = Field(default=60, ge=0)
    # Where staff are told about offers and support tickets (one shared mailbox).
    support_email: str = "support@example.com"
    # The language (BCP 47) and time zone (IANA) the staff mailbox reads its notices in; staff members with an
    # account get theirs in their own settings' language.
    support_language: str = "en"
    support_timezone: str = "UTC"
    # Tickets by mail (README "Tickets by mail"): ticket mails carry a signed Reply-To
    # <MAIL_IN_LOCAL_PART>+t.<ticket>.<party>.<signature>@<MAIL_IN_DOMAIN>; unset domain: no reply address.
    # `customer-accounts mail-in` listens on MAIL_IN_HOST:MAIL_IN_PORT and refuses messages over MAIL_IN_MAX_BYTES.
    mail_in_domain: str | None = None
    mail_in_local_part: str = Field(default="reply", pattern=r"^[a-z0-9][a-z0-9-]{0,15}$")
    mail_in_host: str = "127.0.0.1"
    mail_in_port: int = Field(default=2525, ge=1, le=65535)
    mail_in_max_bytes: int = Field(default=512 * 1024, ge=16 * 1024)
    # How often offers past their valid-until are marked EXPIRED (0 turns it off).
    expire_offers_seconds: int = Field(default=300, ge=0)
    # Returns (RMA). Delivered orders can be returned for this many days after delivery.
    return_window_days: int = Field(default=30, ge=0)
    # Requests worth (refund before deductions, minor units of the order's currency) at most this much are
    # approved at once when the customer is in good standing and has not returned often lately.
    return_auto_approve_limit: int = Field(default=10_000, ge=0)
    # "Often lately": this many returns requested in the last `return_recent_days` days routes to staff.
    return_recent_limit: int = Field(default=3, ge=1)
    return_recent_days: int = Field(default=90, ge=1)
    # Deducted when the customer sends goods back for their own reasons (changed their mind, size or fit):
    # a restocking fee in basis points of the returned value, and the return shipping in minor units.
    return_restocking_fee_bp: int = Field(default=0, ge=0, le=10_000)
    return_shipping_fee: int = Field(default=0, ge=0)
    # How often failed card refunds of returns are retried (0 turns it off).
    retry_return_refunds_seconds: int = Field(default=300, ge=0)

    # Outbound webhooks (README "Webhooks"). Delivery to private, loopback, link-local, multicast, reserved or
    # unspecified addresses is refused: always in production, elsewhere when this is true. The networks of
    # WEBHOOK_ALLOWED_NETWORKS (comma-separated CIDRs: the shop's own receivers) are allowed all the same.
    webhook_block_private_addresses: bool | None = None
    webhook_allowed_networks: str = ""
    webhook_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    webhook_read_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_total_timeout_seconds: float = Field(default=15.0, gt=0)
    # No more of a response body is read than this; the attempt log keeps its first KiB.
    webhook_max_response_bytes: int = Field(default=64 * 1024, ge=1024)
    # Retries: the n-th waits a random time between 0 and min(MAX, BASE * 2^n) ("full jitter"), until HORIZON
    # has passed since the event was queued; then the delivery has FAILED (it can still be redelivered).
    webhook_retry_base_seconds: float = Field(default=30.0, gt=0)
    webhook_retry_max_seconds: float = Field(default=6 * 3600.0, gt=0)
    webhook_retry_horizon_hours: float = Field(default=72.0, gt=0)
    # An endpoint whose attempts all failed for this long and this many times in a row is disabled (mail to
    # the administrators).
    webhook_disable_after_hours: float = Field(default=48.0, ge=0)
    webhook_disable_after_failures: int = Field(default=20, ge=1)
    webhook_concurrency: int = Field(default=8, ge=1)
    webhook_attempt_retention_days: int = Field(default=30, ge=1)
    # Business events (and their finished deliveries) are kept this long: redelivery reaches back as far.
    integration_event_retention_days: int = Field(default=30, ge=1)

    # WebSockets (graphql-transport-ws only).
    ws_max_operations_per_connection: int = Field(default=20, ge=1)
    ws_max_connections_per_session: int = Field(default=5, ge=1)
    ws_connection_init_seconds: int = Field(default=10, ge=1)

    # Abuse blocking (see app/throttle.py and the README's security model).
    throttle_window_minutes: int = Field(default=15, ge=1)
    lockout_minutes: int = Field(default=15, ge=1)
    sign_in_free_attempts: int = Field(default=5, ge=1)
    sign_in_lock_after: int = Field(default=10, ge=1)
    address_lock_after: int = Field(default=100, ge=1)
    code_free_attempts: int = Field(default=5, ge=1)
    code_lock_after: int = Field(default=10, ge=1)
    messages_per_hour: int = Field(default=5, ge=1)
    messages_per_address_hour: int = Field(default=30, ge=1)

    # The audit job (anomaly detection): how often it runs in the worker, what it looks at, its thresholds.
    anomaly_scan_minutes: int = Field(default=15, ge=0)
    anomaly_window_minutes: int = Field(default=60, ge=1)
    stuffing_min_accounts: int = Field(default=10, ge=2)
    two_factor_failure_threshold: int = Field(default=10, ge=2)
    many_addresses_threshold: int = Field(default=5, ge=2)

    # Staff analytics (README, Analytics): how often the worker rolls new events up (0: off), how old an event
    # must be before it is counted (longer than any transaction takes to commit), and the days within which a
    # ticket counts as following a help-centre search or view.
    analytics_rollup_seconds: int = Field(default=60, ge=0)
    analytics_settle_seconds: int = Field(default=120, ge=0)
    analytics_help_ticket_days: int = Field(default=7, ge=1, le=90)

    # Risk checks on sensitive changes: a score from the signals (README, security model) decides.
    risk_step_up_score: int = Field(default=20, ge=1)
    risk_hold_score: int = Field(default=50, ge=1)
    risk_refuse_score: int = Field(default=80, ge=1)
    email_change_ttl_minutes: int = Field(default=24 * 60, ge=1)
    email_change_undo_days: int = Field(default=7, ge=1)

    # Two-factor authentication and step-up.
    totp_issuer: str = "Customer Accounts"
    two_factor_challenge_minutes: int = Field(default=5, ge=1)
    two_factor_max_attempts: int = Field(default=5, ge=1)
    trusted_device_days: int = Field(default=30, ge=1)
    # After staff reset a customer's two-factor authentication, changes of email, phone, password and new
    # payment methods wait this long (the customer was told on every channel and can still react).
    two_factor_reset_cool_down_hours: int = Field(default=72, ge=0)
    # Sensitive changes need a password or second factor proven this recently in the session.
    step_up_minutes: int = Field(default=10, ge=1)

    # argon2id: OWASP's minimum recommendation (m=19 MiB, t=2, p=1).
    argon2_time_cost: int = Field(default=2, ge=1)
    argon2_memory_kib: int = Field(default=19 * 1024, ge=8)
    argon2_parallelism: int = Field(default=1, ge=1)
    # Hashes computed at once: one core fewer than the machine has (at least one), so the event loop keeps
    # a core to serve every other request while a burst of sign-ins hashes on the rest.
    password_hash_concurrency: int = Field(default_factory=lambda: max(1, (os.cpu_count() or 2) - 1), ge=1)
    # Sign-ins, registrations and password changes that may wait for a hashing slot; past that, "busy".
    password_hash_queue: int = Field(default=32, ge=0)

    log_level: str = "INFO"
    log_format: Literal["json", "console"] | None = None

    # Prometheus: GET /metrics answers only a bearer of this token (unset: 404); METRICS_PORT serves the
    # same metrics on a port of their own, on METRICS_HOST (loopback unless told otherwise).
    metrics_token: SecretStr | None = None
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"

    @field_validator("storefront_url", "public_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    @field_validator("metrics_token")
    @classmethod
    def _long_metrics_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if len(value.get_secret_value().strip()) < MIN_METRICS_TOKEN_LENGTH:
            raise ValueError(f"METRICS_TOKEN must be at least {MIN_METRICS_TOKEN_LENGTH} characters")
        return SecretStr(value.get_secret_value().strip())

    @field_validator("default_currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        from app.money import is_currency

        value = value.strip().upper()
        if not is_currency(value):
            raise ValueError(f"not an ISO 4217 currency: {value!r}")
        return value

    @field_validator("payment_currencies")
    @classmethod
    def _known_currencies(cls, value: str) -> str:
        from app.money import is_currency

        codes = [code.strip().upper() for code in value.split(",") if code.strip()]
        unknown = [code for code in codes if not is_currency(code)]
        if unknown:
            raise ValueError(f"not ISO 4217 currencies: {', '.join(unknown)}")
        return ",".join(dict.fromkeys(codes))

    @field_validator("mail_in_domain")
    @classmethod
    def _mail_in_domain(cls, value: str | None) -> str | None:
        value = (value or "").strip().lower().rstrip(".")
        return value or None

    @field_validator("stripe_api_base")
    @classmethod
    def _strip_api_base(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("webhook_allowed_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        for item in value.split(","):
            if item.strip():
                ipaddress.ip_network(item.strip(), strict=False)  # a ValueError names the bad entry
        return value

    @property
    def webhook_address_checks(self) -> bool:
        """Whether webhooks may reach public addresses only (and the allowed networks)."""
        if self.webhook_block_private_addresses is None:
            return self.is_production
        return self.webhook_block_private_addresses or self.is_production

    @property
    def payment_currency_codes(self) -> frozenset[str]:
        """PAYMENT_CURRENCIES as a set (empty: no restriction beyond what the gateway takes)."""
        return frozenset(code for code in self.payment_currencies.split(",") if code)

    @property
    def effective_payment_gateway(self) -> str:
        return self.payment_gateway or ("none" if self.is_production else "sandbox")

    @property
    def effective_public_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    @property
    def effective_storefront_url(self) -> str:
        if self.storefront_url:
            return self.storefront_url
        return self.portal_url.rstrip("/")

    @property
    def portal_url(self) -> str:
        """Where this server's "My Account" portal is (whether a shop's own storefront replaces it or not)."""
        # A host name, not an IP, on this machine: browsers bind passkeys to names, and localhost is one.
        base = self.public_url or f"http://{_browser_host(self.host)}:{self.port}"
        return f"{base}/account/"

    @property
    def cors_origins(self) -> list[str]:
        return [origin.strip().rstrip("/") for origin in self.cors_allowed_origins.split(",") if origin.strip()]

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'customer-accounts.db'}"

    @property
    def effective_mail_backend(self) -> str:
        if self.mail_backend:
            return self.mail_backend
        return "smtp" if self.smtp_url or self.is_production else "file"

    @property
    def effective_log_format(self) -> str:
        if self.log_format:
            return self.log_format
        return "console" if self.environment == "development" else "json"

    @cached_property
    def secret_key_bytes(self) -> bytes:
        if self.secret_key is None:
            raise ConfigurationError("SECRET_KEY is not set (call with_secrets() first)")
        return self.secret_key.get_secret_value().encode()

    def with_secrets(self) -> "Settings":
        """Fill in SECRET_KEY and ENCRYPTION_KEYS.

        Production refuses to start without real ones; development and test generate them once and keep
        them in the data directory so sessions and encrypted data survive restarts.
        """
        if self.is_production:
            self.check_production()
            return self
        if self.secret_key is not None and self.encryption_keys is not None:
            return self
        stored = _load_or_create_dev_secrets(self.data_dir)
        return self.model_copy(
            update={
                "secret_key": self.secret_key or SecretStr(stored["secret_key"]),
                "encryption_keys": self.encryption_keys or SecretStr(stored["encryption_keys"]),
            }
        )

    def check_production(self) -> None:
        problems = []
        key = self.secret_key.get_secret_value() if self.secret_key else ""
        if len(key) < MIN_SECRET_KEY_LENGTH:
            problems.append(f"SECRET_KEY must be set to at least {MIN_SECRET_KEY_LENGTH} random characters")
        if self.encryption_keys is None or not self.encryption_keys.get_secret_value().strip():
            problems.append("ENCRYPTION_KEYS must be set (kid:base64 32-byte key)")
        if self.effective_mail_backend == "smtp" and not self.smtp_url:
            problems.append("SMTP_URL must be set")
        if self.payment_gateway == "sandbox":
            problems.append("PAYMENT_GATEWAY=sandbox is the test gateway: it takes no real money")
        if self.payment_gateway == "stripe":
            problems += self._stripe_problems()
        problems += self._document_problems()
        if problems:
            raise ConfigurationError("refusing to start in production: " + "; ".join(problems))

    def _stripe_problems(self) -> list[str]:
        """Production with Stripe needs live keys (a test key takes no real money) and the webhook secret,
        without which no asynchronous outcome (SEPA, 3-D Secure, refunds made elsewhere) is believed."""
        problems = []
        secret = self.stripe_secret_key.get_secret_value().strip() if self.stripe_secret_key else ""
        publishable = (self.stripe_publishable_key or "").strip()
        webhook = self.stripe_webhook_secret.get_secret_value().strip() if self.stripe_webhook_secret else ""
        if not secret:
            problems.append("STRIPE_SECRET_KEY must be set for PAYMENT_GATEWAY=stripe")
        elif secret.startswith(("sk_test_", "rk_test_")):
            problems.append("STRIPE_SECRET_KEY is a test-mode key (sk_test_): it takes no real money")
        if not publishable:
            problems.append("STRIPE_PUBLISHABLE_KEY must be set for PAYMENT_GATEWAY=stripe")
        elif publishable.startswith("pk_test_"):
            problems.append("STRIPE_PUBLISHABLE_KEY is a test-mode key (pk_test_)")
        if not webhook:
            problems.append("STRIPE_WEBHOOK_SECRET must be set for PAYMENT_GATEWAY=stripe (whsec_...)")
        return problems

    def _document_problems(self) -> list[str]:
        """Values printed on invoices and receipts or put into mail: links customers follow, the seller, the
        sender. Development defaults there would reach customers and legal documents."""
        problems = []
        urls = [
            ("STOREFRONT_URL", self.storefront_url, self.effective_storefront_url, "PUBLIC_URL or HOST and PORT"),
            ("PUBLIC_URL", self.public_url, self.effective_public_url, "HOST and PORT"),
        ]
        for name, value, effective, source in urls:
            problem = _public_url_problem(effective)
            if problem:
                shown = value or f"unset, so {effective} from {source}"
                problems.append(f"{name} ({shown}) {problem}")
        for name, value, demo in (
            ("SELLER_NAME", self.seller_name, DEMO_SELLER_NAME),
            ("SELLER_ADDRESS", self.seller_address, DEMO_SELLER_ADDRESS),
        ):
            if value.strip() in ("", demo):
                problems.append(f"{name} must be the real seller's, not the demo shop's ({demo})")
        if not (self.seller_tax_id or "").strip():
            problems.append("SELLER_TAX_ID must be set: invoices carry the seller's tax id")
        for name, address in (("MAIL_FROM", self.mail_from), ("SELLER_EMAIL", self.seller_email)):
            if address is not None and _local_mail_address(address):
                problems.append(f"{name} ({address}) must be an address on a public domain, not localhost")
        return problems


def _is_local_host(host: str) -> bool:
    """localhost and its kin, loopback and unspecified addresses, in any spelling a resolver accepts."""
    host = host.strip().strip("[]").rstrip(".").lower().removeprefix("ipv6:")  # mail's [IPv6:::1] literal
    if not host or host in ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"):
        return True
    if host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        try:  # 127.1, 0x7f000001, 2130706433: what inet_aton (and so many resolvers) reads as IPv4
            ip = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback or ip.is_unspecified


def _browser_host(host: str) -> str:
    """HOST as a browser on this machine reaches it: a loopback or wildcard address becomes localhost."""
    if _is_local_host(host):
        return "localhost"
    return f"[{host}]" if ":" in host else host


def _public_url_problem(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        _ = parts.port  # raises on a port that is not a number
    except ValueError:
        return "is not a URL"
    if parts.scheme not in ("http", "https") or not host:
        return "must be an http(s) URL with a host"
    if _is_local_host(host):
        return "points at this machine (loopback); customers follow these links from elsewhere"
    return None


def _local_mail_address(value: str) -> bool:
    _, address = parseaddr(value)
    domain = address.rpartition("@")[2] if "@" in address else ""
    return _is_local_host(domain)


def generate_encryption_key(kid: str = "k1") -> str:
    return f"{kid}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


def _load_or_create_dev_secrets(data_dir: Path) -> dict[str, str]:
    path = data_dir / "dev-secrets.json"
    if path.exists():
        loaded: dict[str, str] = json.loads(path.read_text())
        return loaded
    data_dir.mkdir(parents=True, exist_ok=True)
    values = {"secret_key": secrets.token_urlsafe(48), "encryption_keys": generate_encryption_key()}
    # Write aside, then hard-link into place: two processes starting at once agree on one set.
    tmp = data_dir / f".dev-secrets.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(values, handle)
    try:
        os.link(tmp, path)
    except FileExistsError:
        values = json.loads(path.read_text())
    finally:
        tmp.unlink(missing_ok=True)
    return values


def load_settings() -> Settings:
    return Settings().with_secrets()
