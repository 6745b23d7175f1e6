"""docker-compose.yml stays in step with the settings and migrations of the code.

Docker is not needed: the file is read as YAML and every service, port and
variable the scanner uses is checked against what the code reads.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from devstack.temporal import SEARCH_ATTRIBUTES
from scanner.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SCANNER_SERVICES = ("migrate", "worker", "starter")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    found = compose["services"]
    assert isinstance(found, dict)
    return found


def _settings_variables() -> set[str]:
    """Return every variable name quoted in the settings module."""
    source = (ROOT / "scanner" / "settings.py").read_text(encoding="utf-8")
    return set(re.findall(r'"((?:DATABASE|TEMPORAL|SCANNER)_[A-Z0-9_]+)"', source))


def _env(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment", {})
    if isinstance(environment, list):
        return dict(item.split("=", 1) for item in environment)
    return {name: str(value) for name, value in environment.items()}


def _container_ports(service: dict[str, Any]) -> set[int]:
    return {int(str(port).rsplit(":", 1)[-1]) for port in service.get("ports", [])}


def test_settings_variables_found() -> None:
    names = _settings_variables()

    assert "DATABASE_URL" in names
    assert "SCANNER_BATCH_CONCURRENCY" in names


@pytest.mark.parametrize("name", SCANNER_SERVICES)
def test_scanner_variables_are_settings(services: dict[str, Any], name: str) -> None:
    unknown = set(_env(services[name])) - _settings_variables()

    assert unknown == set()


@pytest.mark.parametrize("name", SCANNER_SERVICES)
def test_scanner_environment_is_valid(services: dict[str, Any], name: str) -> None:
    settings = Settings.from_env(_env(services[name]))

    assert settings.database_url.startswith("postgresql+asyncpg://")


def test_depends_on_existing_services(services: dict[str, Any]) -> None:
    for service in services.values():
        for dependency in service.get("depends_on", []):
            assert dependency in services


def test_worker_goes_through_pgbouncer(services: dict[str, Any]) -> None:
    env = _env(services["worker"])
    url = urlsplit(env["DATABASE_URL"])
    bouncer = _env(services["pgbouncer"])

    assert url.hostname == "pgbouncer"
    assert url.port == int(bouncer["LISTEN_PORT"])
    assert env["DATABASE_POOL_MODE"] == "transaction"
    assert bouncer["POOL_MODE"] == "transaction"


def test_pgbouncer_points_at_scanner_database(services: dict[str, Any]) -> None:
    target = urlsplit(_env(services["pgbouncer"])["DATABASE_URL"])
    postgres = _env(services["postgres"])
    worker = urlsplit(_env(services["worker"])["DATABASE_URL"])

    assert target.hostname == "postgres"
    assert target.port == 5432
    assert target.path.lstrip("/") == postgres["POSTGRES_DB"]
    assert worker.path == target.path
    assert target.username == postgres["POSTGRES_USER"]


def test_migrate_runs_alembic_directly(services: dict[str, Any]) -> None:
    migrate = services["migrate"]
    url = urlsplit(_env(migrate)["DATABASE_URL"])

    assert migrate["command"] == ["alembic", "upgrade", "head"]
    assert url.hostname == "postgres"
    assert _env(migrate)["DATABASE_POOL_MODE"] == "direct"


def test_image_contains_migrations() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")

    assert "COPY migrations ./migrations" in dockerfile
    assert "alembic.ini" in dockerfile
    assert (ROOT / "alembic.ini").is_file()


def test_worker_waits_for_migrations(services: dict[str, Any]) -> None:
    depends = services["worker"]["depends_on"]

    assert depends["migrate"]["condition"] == "service_completed_successfully"


def test_worker_has_replicas(services: dict[str, Any]) -> None:
    assert services["worker"]["deploy"]["replicas"] >= 2


def test_temporal_address_matches_server(services: dict[str, Any]) -> None:
    for name in ("worker", "starter", "temporal-ui"):
        host, port = _env(services[name])["TEMPORAL_ADDRESS"].split(":")
        assert host == "temporal"
        assert int(port) in _container_ports(services["temporal"])


def test_temporal_uses_compose_postgres(services: dict[str, Any]) -> None:
    env = _env(services["temporal"])

    assert env["POSTGRES_SEEDS"] == "postgres"
    assert env["DB"] == "postgres12"


def test_search_attributes_registered(services: dict[str, Any]) -> None:
    command = " ".join(services["temporal-search-attributes"]["command"])

    for name, kind in SEARCH_ATTRIBUTES.items():
        assert name in command
        assert f"--type {kind}" in command


def test_third_party_images_pinned(services: dict[str, Any]) -> None:
    for name, service in services.items():
        if name in SCANNER_SERVICES:
            continue
        image = service["image"]
        assert ":" in image
        assert not image.endswith(":latest")
