"""Configuration: one class per environment, overridden by known environment variables.

Only the keys declared on `BaseConfig` can be set from the environment, each parsed to the
type of its default, so a typo in a variable name or a value fails loudly at start-up
instead of being silently ignored.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULT_SECRET_KEY = "dev-only-insecure-secret-key"
# The test suite sets this in its own environment (tests/conftest.py): MARKETPLACE_ENV=test has a
# fixed secret and signs anyone in, so it must never serve outside the suite.
TEST_SUITE_FLAG = "MARKETPLACE_TEST_SUITE"
# The longest life an API token may be given (services/tokens.py); a default above it could not be used.
MAX_TOKEN_EXPIRY_DAYS = 365


class ConfigError(RuntimeError):
    """The configuration is unsafe or malformed; the app refuses to start."""


class BaseConfig:
    MARKETPLACE_ENV = "development"
    SECRET_KEY = DEFAULT_SECRET_KEY
    DATABASE_URL = ""  # empty: SQLite in the instance folder
    SEARCH_INDEX_DIR = ""  # empty: <instance>/search-index
    OIDC_ISSUER = ""  # empty: the embedded provider, at BASE_URL/dev-idp/
    # The "GOV.UK One Login" link in the signed-in header: the person's One Login home, where they
    # manage how they sign in (https://home.integration.account.gov.uk/ for One Login's integration).
    ONE_LOGIN_HOME_URL = "https://home.account.gov.uk/"
    # Where people reach the service (scheme, host and port, no path). Sign-in's redirect URIs and
    # the embedded provider's issuer come from here, never from a request's Host header.
    # Empty: http://127.0.0.1:$PORT in development and tests; production must set it.
    BASE_URL = ""
    PORT = 5000
    # Host names the service answers to, comma-separated; any other Host header gets 400.
    # Empty: BASE_URL's host (and 127.0.0.1 and localhost outside production).
    TRUSTED_HOSTS = ""
    # Reverse proxies in front of the app whose X-Forwarded-* headers are believed (ProxyFix).
    PROXY_HOPS = 0
    OIDC_CLIENT_ID = "data-marketplace"
    OIDC_PRIVATE_KEY = ""
    OIDC_SCOPES = "openid email"
    OIDC_VTR = '["Cl.Cm"]'
    MARKETPLACE_DEV_IDP = True
    # Seconds to wait for the sign-in provider (discovery, JWKS, token and userinfo calls).
    OIDC_HTTP_TIMEOUT = 10
    # A signed-in session ends after this long without a request, and after this long in any case.
    SESSION_IDLE_MINUTES = 60
    SESSION_ABSOLUTE_HOURS = 12
    SESSION_COOKIE_NAME = "marketplace_session"
    SESSION_COOKIE_HTTPONLY = True
    # Lax, not Strict: Strict would drop the cookie on the redirect back from the provider.
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    # A request body above this size is refused with 413 before it is parsed.
    MAX_CONTENT_LENGTH = 1024 * 1024
    LOG_LEVEL = "INFO"
    # Seconds between background catch-ups of the search index with the outbox (0: none): a
    # change made on another host is in this host's search within about this long. With nothing
    # to apply a catch-up is one indexed query and a look at the index's directory.
    SEARCH_SYNC_INTERVAL = 0.5
    # Apply a change to the index right after its commit, in the same request.
    SEARCH_INDEX_ON_COMMIT = True
    API_DEFAULT_PER_PAGE = 20
    API_MAX_PER_PAGE = 100
    # A cursor of GET /api/v1/datasets (the change feed) is refused after this many hours; the
    # client then carries on with modified_since, which the refusal names.
    API_CURSOR_TTL_HOURS = 24
    # Rate limits (Flask-Limiter), kept in Redis when REDIS_URL is set, else in each process.
    RATELIMIT_ENABLED = True
    REDIS_URL = ""
    # API tokens: at most this many active per person; new ones expire after this many days
    # unless a site admin asks for a token that never expires.
    MAX_ACTIVE_TOKENS = 20
    TOKEN_DEFAULT_EXPIRY_DAYS = 90
    # The link checker refuses addresses on loopback, private, link-local, multicast and reserved
    # networks (server-side request forgery); allow them for a catalogue on a private network.
    LINK_CHECK_ALLOW_PRIVATE_ADDRESSES = False
    # Harvesting other catalogues: seconds to wait for each answer, tries after a failure (with
    # backoff doubling from HARVEST_BACKOFF_MS), and pages read from a source in one run at most.
    HARVEST_TIMEOUT = 30
    HARVEST_RETRIES = 3
    HARVEST_BACKOFF_MS = 500
    HARVEST_MAX_PAGES = 1000
    # A retried POST with the same Idempotency-Key gets the first answer for this many hours;
    # after that the key is forgotten.
    IDEMPOTENCY_TTL_HOURS = 24
    # The database: seconds to wait to connect (and for a pooled connection), and milliseconds a
    # statement may run before PostgreSQL cancels it (0: no limit); both answer 503 (errors.py).
    DATABASE_CONNECT_TIMEOUT = 5
    DATABASE_STATEMENT_TIMEOUT_MS = 20_000
    # /metrics (metrics.py): open to this bearer token from anywhere, and without it to these
    # comma-separated networks only (loopback unless set).
    METRICS_TOKEN = ""
    METRICS_ALLOWED_NETWORKS = "127.0.0.0/8,::1/128"
    # `flask prune` (services/pruning.py): ended sessions kept this many days, sent e-mail this
    # many days, and search outbox rows this many days (longer than any host may be away).
    SESSION_RETENTION_DAYS = 90
    MAIL_RETENTION_DAYS = 90
    PRUNE_OUTBOX_DAYS = 7
    # What people search for (services/search_log.py): recorded unless off, kept this many days.
    SEARCH_LOG_ENABLED = True
    SEARCH_LOG_RETENTION_DAYS = 90
    # Machine clients (OAuth 2.0 client credentials): a token from /ClientAuth/get-token works
    # for this many seconds; the client asks again after that.
    CLIENT_TOKEN_LIFETIME_SECONDS = 1800
    # E-mail (services/mail.py): the outbox is sent by `flask mail send` over SMTP to MAIL_SERVER;
    # with no server (development) each message is written as an .eml file to MAIL_DIR instead.
    MAIL_SERVER = ""
    MAIL_PORT = 25
    MAIL_USE_TLS = False  # STARTTLS after connecting
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_FROM = "Data Marketplace <no-reply@data-marketplace.example.gov.uk>"
    MAIL_DIR = ""  # empty: <instance>/mail
    MAIL_TIMEOUT = 10  # seconds for each SMTP conversation
    # A message that fails this many times is marked failed (site admins see it on /admin/mail).
    MAIL_MAX_ATTEMPTS = 8
    SQLALCHEMY_ECHO = False
    SQLALCHEMY_RECORD_QUERIES = False
    JSON_SORT_KEYS = False


class DevelopmentConfig(BaseConfig):
    MARKETPLACE_ENV = "development"
    # Served over plain http://127.0.0.1 in development, where a Secure cookie would not be sent.
    SESSION_COOKIE_SECURE = False


class TestConfig(BaseConfig):
    MARKETPLACE_ENV = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key"
    LOG_LEVEL = "WARNING"
    SEARCH_SYNC_INTERVAL = 0.0
    SESSION_COOKIE_SECURE = False
    # Tests that prove the limits turn them on; the rest make many requests on purpose.
    RATELIMIT_ENABLED = False
    # Sources that fail on purpose (500s, silence) should not hold the suite up.
    HARVEST_TIMEOUT = 3
    HARVEST_BACKOFF_MS = 10


class ProductionConfig(BaseConfig):
    MARKETPLACE_ENV = "production"
    MARKETPLACE_DEV_IDP = False


CONFIGS: dict[str, type[BaseConfig]] = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}

# Environment variables that may override configuration, with the key they set.
ENV_KEYS = (
    "MARKETPLACE_ENV",
    "SECRET_KEY",
    "DATABASE_URL",
    "SEARCH_INDEX_DIR",
    "OIDC_ISSUER",
    "BASE_URL",
    "PORT",
    "TRUSTED_HOSTS",
    "PROXY_HOPS",
    "OIDC_CLIENT_ID",
    "OIDC_PRIVATE_KEY",
    "OIDC_SCOPES",
    "OIDC_VTR",
    "MARKETPLACE_DEV_IDP",
    "SESSION_IDLE_MINUTES",
    "SESSION_ABSOLUTE_HOURS",
    "LOG_LEVEL",
    "RATELIMIT_ENABLED",
    "REDIS_URL",
    "MAX_ACTIVE_TOKENS",
    "TOKEN_DEFAULT_EXPIRY_DAYS",
    "LINK_CHECK_ALLOW_PRIVATE_ADDRESSES",
    "HARVEST_TIMEOUT",
    "HARVEST_RETRIES",
    "HARVEST_BACKOFF_MS",
    "HARVEST_MAX_PAGES",
    "IDEMPOTENCY_TTL_HOURS",
    "CLIENT_TOKEN_LIFETIME_SECONDS",
    "DATABASE_CONNECT_TIMEOUT",
    "DATABASE_STATEMENT_TIMEOUT_MS",
    "SEARCH_SYNC_INTERVAL",
    "METRICS_TOKEN",
    "METRICS_ALLOWED_NETWORKS",
    "SESSION_RETENTION_DAYS",
    "MAIL_RETENTION_DAYS",
    "PRUNE_OUTBOX_DAYS",
    "SEARCH_LOG_ENABLED",
    "SEARCH_LOG_RETENTION_DAYS",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USE_TLS",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_FROM",
    "MAIL_DIR",
    "MAIL_TIMEOUT",
    "MAIL_MAX_ATTEMPTS",
)


def _parse(value: str, default: Any, key: str) -> Any:
    if isinstance(default, bool):
        lowered = value.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"{key} must be true or false, not {value!r}")
    if isinstance(default, int):
        try:
            return int(value)
        except ValueError as exc:
            raise ConfigError(f"{key} must be a whole number, not {value!r}") from exc
    if isinstance(default, float):
        try:
            return float(value)
        except ValueError as exc:
            raise ConfigError(f"{key} must be a number, not {value!r}") from exc
    return value


def load_config(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the configuration mapping for the app factory.

    Order: the environment's class, then environment variables, then `overrides`
    (what tests pass to `create_app`).
    """
    overrides = dict(overrides or {})
    env_name = overrides.get("MARKETPLACE_ENV") or os.environ.get("MARKETPLACE_ENV") or "development"
    if env_name not in CONFIGS:
        raise ConfigError(f"MARKETPLACE_ENV must be one of {', '.join(CONFIGS)}, not {env_name!r}")
    cls = CONFIGS[env_name]
    config = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
    for key in ENV_KEYS:
        if key in os.environ and key not in overrides:
            config[key] = _parse(os.environ[key], getattr(cls, key), key)
    config.update(overrides)
    config["MARKETPLACE_ENV"] = env_name
    _derive(config, instance_path)
    _refuse_unsafe(config)
    return config


def _derive(config: dict[str, Any], instance_path: str) -> None:
    instance = Path(instance_path)
    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = f"sqlite:///{instance / 'marketplace.db'}"
    config["SQLALCHEMY_DATABASE_URI"] = config["DATABASE_URL"]
    if not config["SEARCH_INDEX_DIR"]:
        config["SEARCH_INDEX_DIR"] = str(instance / "search-index")
    if not config["MAIL_DIR"]:
        config["MAIL_DIR"] = str(instance / "mail")
    if config["MARKETPLACE_ENV"] == "development" and config["SECRET_KEY"] == DEFAULT_SECRET_KEY:
        config["SECRET_KEY"] = _instance_secret(instance)
    if not config["BASE_URL"] and config["MARKETPLACE_ENV"] != "production":
        config["BASE_URL"] = f"http://127.0.0.1:{config['PORT']}"
    config["BASE_URL"] = config["BASE_URL"].rstrip("/")
    config["TRUSTED_HOSTS"] = _trusted_hosts(config)
    # The cookie lives as long as the longest session may; the server ends sessions sooner.
    config["PERMANENT_SESSION_LIFETIME"] = config["SESSION_ABSOLUTE_HOURS"] * 3600
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", _engine_options(config["DATABASE_URL"], config))


def _trusted_hosts(config: dict[str, Any]) -> list[str]:
    """Flask's TRUSTED_HOSTS: the configured names, else BASE_URL's host (and loopback outside
    production, where the test client calls itself "localhost")."""
    configured = config["TRUSTED_HOSTS"]
    if isinstance(configured, list | tuple):
        return list(configured)
    hosts = [h.strip() for h in configured.split(",") if h.strip()]
    if not hosts:
        base_host = urlsplit(config["BASE_URL"]).hostname
        hosts = [base_host] if base_host else []
        if config["MARKETPLACE_ENV"] != "production":
            hosts += [h for h in ("127.0.0.1", "localhost") if h not in hosts]
    return hosts


def _engine_options(url: str, config: dict[str, Any] | None = None) -> dict[str, Any]:
    """How the app holds its database connections, so that an outage or a slow query gives a quick
    answer (a 503, marketplace/errors.py) rather than a request that hangs.

    DATABASE_CONNECT_TIMEOUT bounds making a connection and waiting for one from the pool;
    DATABASE_STATEMENT_TIMEOUT_MS (0: none) makes PostgreSQL cancel a statement that runs longer,
    kept below gunicorn's 30-second worker timeout so that the app answers before its worker is
    killed. A connect_timeout or options given in DATABASE_URL itself is used as it is.
    """
    if url.startswith("sqlite"):
        # Writers wait for each other instead of failing at once with "database is locked".
        return {"connect_args": {"timeout": 15}}
    config = config or {}
    connect_timeout = config.get("DATABASE_CONNECT_TIMEOUT", 5)
    statement_timeout_ms = config.get("DATABASE_STATEMENT_TIMEOUT_MS", 20_000)
    connect_args: dict[str, Any] = {"connect_timeout": connect_timeout}
    if statement_timeout_ms:
        connect_args["options"] = f"-c statement_timeout={statement_timeout_ms}"
    in_url = {pair.partition("=")[0] for pair in urlsplit(url).query.split("&")}
    return {
        # A connection that died while idle in the pool (PostgreSQL restarted) is replaced before
        # use, so the service recovers by itself when the database returns.
        "pool_pre_ping": True,
        # Firewalls and proxies drop connections idle for long without telling either end.
        "pool_recycle": 1800,
        "pool_timeout": connect_timeout,
        "connect_args": {key: value for key, value in connect_args.items() if key not in in_url},
    }


def _instance_secret(instance: Path) -> str:
    """A development secret made once and kept, so sessions survive restarts."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _check_networks(networks: str) -> None:
    """METRICS_ALLOWED_NETWORKS must parse at start, not fail the first scrape."""
    for network in filter(None, (part.strip() for part in networks.split(","))):
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError as error:
            raise ConfigError(f"METRICS_ALLOWED_NETWORKS: {network!r} is not a network ({error})") from error


def _refuse_unsafe(config: dict[str, Any]) -> None:
    for key in (
        "SESSION_IDLE_MINUTES",
        "SESSION_ABSOLUTE_HOURS",
        "MAX_ACTIVE_TOKENS",
        "TOKEN_DEFAULT_EXPIRY_DAYS",
        "IDEMPOTENCY_TTL_HOURS",
        "CLIENT_TOKEN_LIFETIME_SECONDS",
        "MAIL_TIMEOUT",
        "MAIL_MAX_ATTEMPTS",
        "DATABASE_CONNECT_TIMEOUT",
        "SESSION_RETENTION_DAYS",
        "MAIL_RETENTION_DAYS",
        "PRUNE_OUTBOX_DAYS",
    ):
        if config[key] < 1:
            raise ConfigError(f"{key} must be at least 1")
    _check_networks(config["METRICS_ALLOWED_NETWORKS"])
    if not 0 <= config["SEARCH_SYNC_INTERVAL"] <= 3600:
        raise ConfigError("SEARCH_SYNC_INTERVAL must be between 0 (no background catch-up) and 3600 seconds")
    if config["DATABASE_STATEMENT_TIMEOUT_MS"] < 0:
        raise ConfigError("DATABASE_STATEMENT_TIMEOUT_MS must be 0 (no limit) or more")
    if config["TOKEN_DEFAULT_EXPIRY_DAYS"] > MAX_TOKEN_EXPIRY_DAYS:
        raise ConfigError(f"TOKEN_DEFAULT_EXPIRY_DAYS must be at most {MAX_TOKEN_EXPIRY_DAYS}")
    if config["PROXY_HOPS"] < 0:
        raise ConfigError("PROXY_HOPS must be 0 or more")
    _check_base_url(config)
    if config["MARKETPLACE_ENV"] == "test" and os.environ.get(TEST_SUITE_FLAG) != "1":
        raise ConfigError(
            "MARKETPLACE_ENV=test is for the test suite only: it has a fixed secret and the embedded "
            "provider signs anyone in. Use development or production."
        )
    if config["MARKETPLACE_ENV"] != "production":
        return
    if (
        config["SECRET_KEY"] in {DEFAULT_SECRET_KEY, TestConfig.SECRET_KEY, ""}
        or len(config["SECRET_KEY"]) < 32
    ):
        raise ConfigError("SECRET_KEY must be set to a random value of at least 32 characters in production")
    if config["MARKETPLACE_DEV_IDP"]:
        raise ConfigError(
            "MARKETPLACE_DEV_IDP must be off in production: the embedded provider signs anyone in"
        )
    if not config["OIDC_ISSUER"]:
        raise ConfigError(
            "OIDC_ISSUER must be set in production (for example https://oidc.account.gov.uk/): "
            "sign-in is never derived from a request"
        )
    if not config["OIDC_PRIVATE_KEY"]:
        raise ConfigError("OIDC_PRIVATE_KEY must be set with OIDC_ISSUER: the service signs in with it")
    if not config["BASE_URL"]:
        raise ConfigError(
            "BASE_URL must be set in production (for example https://data-marketplace.example.gov.uk): "
            "sign-in's redirect addresses and the trusted host name come from it"
        )


def _check_base_url(config: dict[str, Any]) -> None:
    url = config["BASE_URL"]
    if not url:
        return
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.path or parts.query:
        raise ConfigError(f"BASE_URL must be a scheme, host and optional port only, not {url!r}")
    # Plain http only on this machine's own loopback (a production build checked locally).
    loopback = parts.hostname in {"127.0.0.1", "localhost", "::1"}
    if config["MARKETPLACE_ENV"] == "production" and parts.scheme != "https" and not loopback:
        raise ConfigError("BASE_URL must use https in production")
