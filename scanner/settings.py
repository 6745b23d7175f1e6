"""Settings read from environment variables, validated once at start-up."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scanner.errors import ConfigurationError

DEFAULT_USER_AGENT = (
    "domain-scanner/0.1 (+https://github.com/domain-scanner/domain-scanner)"
)


@dataclass(frozen=True)
class ConnectToRule:
    """One `HOST1:PORT1:HOST2:PORT2` entry; an empty host or port matches any."""

    source_host: str
    source_port: int | None
    target_host: str
    target_port: int

    def matches(self, host: str, port: int) -> bool:
        host_ok = not self.source_host or self.source_host == host.lower()
        port_ok = self.source_port is None or self.source_port == port
        return host_ok and port_ok


@dataclass(frozen=True)
class FetchLimits:
    """Limits of one scan's requests. Times in seconds, sizes in bytes."""

    connect_timeout: float = 10.0
    read_timeout: float = 15.0
    total_timeout: float = 30.0
    max_redirects: int = 10
    max_body_bytes: int = 5 * 1024 * 1024
    max_decoded_bytes: int = 10 * 1024 * 1024
    max_sitemap_bytes: int = 50 * 1024 * 1024
    max_sitemap_decoded_bytes: int = 50 * 1024 * 1024
    per_host_concurrency: int = 2


@dataclass(frozen=True)
class Settings:
    """Everything the worker and the starter can be configured with."""

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    database_pool_mode: str = "direct"
    database_pool_size: int = 10
    database_max_overflow: int = 5
    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    temporal_task_queue: str = "domain-scanner"
    user_agent: str = DEFAULT_USER_AGENT
    allow_private_addresses: bool = False
    schemes: tuple[str, ...] = ("https", "http")
    ca_bundle: Path | None = None
    connect_to: tuple[ConnectToRule, ...] = ()
    respect_robots: bool = True
    limits: FetchLimits = field(default_factory=FetchLimits)
    max_concurrent_activities: int = 100
    scrape_max_attempts: int = 3
    default_tenant: str = "default"
    batch_concurrency: int = 50
    batch_per_host_concurrency: int = 2
    # How often the schedule fails jobs whose workflow ended without them, and
    # how old an unfinished job must be before it is checked.
    reconcile_interval_seconds: float = 300.0
    reconcile_after_seconds: float = 900.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from `environ` (default: `os.environ`).

        Raises:
            ConfigurationError: a variable has a value that cannot be used; the
                message names the variable and the value.
        """
        env = os.environ if environ is None else environ
        base = cls()
        limits = FetchLimits(
            connect_timeout=_float(env, "SCANNER_CONNECT_TIMEOUT", 10.0),
            read_timeout=_float(env, "SCANNER_READ_TIMEOUT", 15.0),
            total_timeout=_float(env, "SCANNER_TOTAL_TIMEOUT", 30.0),
            max_redirects=_int(env, "SCANNER_MAX_REDIRECTS", 10, minimum=0),
            max_body_bytes=_int(env, "SCANNER_MAX_BODY_BYTES", 5 * 1024 * 1024),
            max_decoded_bytes=_int(env, "SCANNER_MAX_DECODED_BYTES", 10 * 1024 * 1024),
            max_sitemap_bytes=_int(env, "SCANNER_MAX_SITEMAP_BYTES", 50 * 1024 * 1024),
            max_sitemap_decoded_bytes=_int(
                env, "SCANNER_MAX_SITEMAP_DECODED_BYTES", 50 * 1024 * 1024
            ),
            per_host_concurrency=_int(env, "SCANNER_PER_HOST_CONCURRENCY", 2),
        )
        ca_bundle_value = env.get("SCANNER_CA_BUNDLE", "").strip()
        ca_bundle = Path(ca_bundle_value) if ca_bundle_value else None
        if ca_bundle is not None and not ca_bundle.is_file():
            raise ConfigurationError(
                f"SCANNER_CA_BUNDLE={ca_bundle_value!r} is not a readable file; "
                "set it to a PEM file of CA certificates or unset it"
            )
        return replace(
            base,
            database_url=normalize_database_url(
                env.get("DATABASE_URL", base.database_url)
            ),
            database_pool_mode=_choice(
                env, "DATABASE_POOL_MODE", "direct", ("direct", "transaction")
            ),
            database_pool_size=_int(env, "DATABASE_POOL_SIZE", 10),
            database_max_overflow=_int(env, "DATABASE_MAX_OVERFLOW", 5, minimum=0),
            temporal_address=_temporal_address(
                env.get("TEMPORAL_ADDRESS", "").strip() or base.temporal_address
            ),
            temporal_namespace=(
                env.get("TEMPORAL_NAMESPACE", "").strip() or base.temporal_namespace
            ),
            temporal_task_queue=(
                env.get("TEMPORAL_TASK_QUEUE", "").strip() or base.temporal_task_queue
            ),
            user_agent=env.get("SCANNER_USER_AGENT", "").strip() or base.user_agent,
            allow_private_addresses=_bool(
                env, "SCANNER_ALLOW_PRIVATE_ADDRESSES", False
            ),
            schemes=_schemes(env.get("SCANNER_SCHEMES", "https,http")),
            ca_bundle=ca_bundle,
            connect_to=parse_connect_to(env.get("SCANNER_CONNECT_TO", "")),
            respect_robots=_bool(env, "SCANNER_RESPECT_ROBOTS", True),
            limits=limits,
            max_concurrent_activities=_int(
                env, "SCANNER_MAX_CONCURRENT_ACTIVITIES", 100
            ),
            scrape_max_attempts=_int(env, "SCANNER_SCRAPE_MAX_ATTEMPTS", 3),
            default_tenant=env.get("SCANNER_TENANT", "").strip() or base.default_tenant,
            batch_concurrency=_int(env, "SCANNER_BATCH_CONCURRENCY", 50),
            batch_per_host_concurrency=_int(env, "SCANNER_BATCH_PER_HOST", 2),
            reconcile_interval_seconds=_float(
                env, "SCANNER_RECONCILE_INTERVAL_SECONDS", 300.0
            ),
            reconcile_after_seconds=_float(
                env, "SCANNER_RECONCILE_AFTER_SECONDS", 900.0
            ),
        )

    def with_overrides(self, **changes: Any) -> Settings:
        """Return a copy with some fields replaced (tests and the demo use this)."""
        return replace(self, **changes)


def normalize_database_url(url: str) -> str:
    """Point a `postgres://` or `postgresql://` URL at the asyncpg driver."""
    value = url.strip()
    if not value:
        raise ConfigurationError(
            "DATABASE_URL is empty; set it to a URL such as "
            "postgresql://user:password@host:5432/dbname"
        )
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg://"):
        if value.startswith(prefix):
            return "postgresql+asyncpg://" + value[len(prefix) :]
    if value.startswith("postgresql+asyncpg://"):
        return value
    raise ConfigurationError(
        f"DATABASE_URL={_redact(value)!r} is not a PostgreSQL URL; it must start "
        "with postgresql:// or postgres://"
    )


def parse_connect_to(value: str) -> tuple[ConnectToRule, ...]:
    """Parse `HOST1:PORT1:HOST2:PORT2` entries separated by `;`.

    An IPv6 address is written in brackets, as curl does: `::[::1]:8443`.

    Raises:
        ConfigurationError: an entry does not have four parts or a port is not
            a number from 1 to 65535.
    """
    rules: list[ConnectToRule] = []
    for raw_entry in value.split(";"):
        entry = raw_entry.strip()
        if not entry:
            continue
        parts = _split_connect_to(entry)
        if len(parts) != 4:
            raise ConfigurationError(
                f"SCANNER_CONNECT_TO entry {entry!r} must have the form "
                "HOST1:PORT1:HOST2:PORT2 (HOST1 and PORT1 may be empty)"
            )
        source_host, source_port, target_host, target_port = parts
        if not target_host or not target_port:
            raise ConfigurationError(
                f"SCANNER_CONNECT_TO entry {entry!r} needs a target host and port"
            )
        rules.append(
            ConnectToRule(
                source_host=source_host.lower().rstrip("."),
                source_port=_port(source_port, entry) if source_port else None,
                target_host=target_host,
                target_port=_port(target_port, entry),
            )
        )
    return tuple(rules)


def _split_connect_to(entry: str) -> list[str]:
    parts: list[str] = []
    current = ""
    in_brackets = False
    for char in entry:
        if char == "[":
            in_brackets = True
        elif char == "]":
            in_brackets = False
        elif char == ":" and not in_brackets:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


def _port(value: str, entry: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise ConfigurationError(
            f"SCANNER_CONNECT_TO entry {entry!r} has port {value!r}; "
            "use a number from 1 to 65535"
        )
    return int(value)


def _temporal_address(value: str) -> str:
    """Check that a Temporal address is `HOST:PORT` with a usable port."""
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ConfigurationError(
            f"TEMPORAL_ADDRESS={value!r} must be HOST:PORT with a port from 1 to "
            "65535, for example localhost:7233"
        )
    return value


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(
            f"{name}={raw!r} is not a whole number; unset it to use {default}"
        ) from None
    if value < minimum:
        raise ConfigurationError(f"{name}={raw!r} must be at least {minimum}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(
            f"{name}={raw!r} is not a number of seconds; unset it to use {default}"
        ) from None
    # Infinity would pass the check below, but JSON has no infinity, so a
    # workflow input holding a timeout derived from it could not be decoded.
    if not 0 < value < math.inf:
        raise ConfigurationError(f"{name}={raw!r} must be a finite number above 0")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(f"{name}={raw!r} must be true or false")


def _choice(
    env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]
) -> str:
    raw = env.get(name, "").strip().lower() or default
    if raw not in choices:
        raise ConfigurationError(f"{name}={raw!r} is not one of: {', '.join(choices)}")
    return raw


def _schemes(value: str) -> tuple[str, ...]:
    schemes = tuple(part.strip().lower() for part in value.split(",") if part.strip())
    if not schemes or any(scheme not in {"https", "http"} for scheme in schemes):
        raise ConfigurationError(
            f"SCANNER_SCHEMES={value!r} must list https and/or http, "
            "separated by commas, for example https,http"
        )
    return schemes


def _redact(url: str) -> str:
    """Hide the password of a URL before it goes into a message."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"
