"""The starter's sitemap commands as a user runs them, in a subprocess."""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.client import Client

from devstack.sites import SiteServer
from scanner.settings import Settings
from tests.temporal_helpers import host_rules, running_worker, settings_for_hosts
from tests.test_starter_cli import _env, _starter

HOST = "sm-relative-loc.test"
WWW_HOST = "www.example.com"
LASTMOD_HOST = "sm-lastmod-odd.test"
HOSTS = [HOST, WWW_HOST, LASTMOD_HOST]


@pytest.fixture
async def cli_env(
    temporal_client: Client,
    temporal_server: str,
    database_url: str,
    base_settings: Settings,
    site_server: SiteServer,
    task_queue: str,
) -> AsyncIterator[dict[str, str]]:
    """Run a worker for the test and return the starter's environment."""
    env = _env(database_url, temporal_server, task_queue, site_server)
    env["SCANNER_CONNECT_TO"] = host_rules(site_server, HOSTS)
    settings = settings_for_hosts(base_settings, site_server, HOSTS)
    async with running_worker(temporal_client, settings, task_queue):
        yield env


def _expected_urls(host: str) -> set[str]:
    site = Path(__file__).parent / "fixtures" / "sites" / host / "site.json"
    expected = json.loads(site.read_text(encoding="utf-8"))["expected"]["sitemaps"]
    return set(expected["page_urls"])


async def test_sitemap_wait_json_prints_counts(
    cli_env: dict[str, str], tenant: str
) -> None:
    code, out, err = await _starter(
        cli_env, "sitemap", HOST, WWW_HOST, "--tenant", tenant, "--wait", "--json"
    )
    rows = {row["domain"]: row for row in map(json.loads, out.splitlines())}

    assert code == 0, err
    assert set(rows) == {HOST, "example.com"}
    assert rows[HOST]["status"] == "completed"
    assert rows[HOST]["files_read"] == 4
    assert rows[HOST]["files_failed"] == 0
    assert rows[HOST]["urls"] == len(_expected_urls(HOST))
    assert rows["example.com"]["root_url"] == "https://www.example.com/"


async def test_sitemap_wait_text_names_reasons(
    cli_env: dict[str, str], tenant: str
) -> None:
    code, out, err = await _starter(
        cli_env, "sitemap", HOST, "--tenant", tenant, "--wait"
    )

    assert code == 0, err
    assert f"{HOST}: completed" in out
    assert "sitemaps read: 4" in out
    assert "sitemaps failed: 0" in out


async def test_sitemap_rejects_invalid_domain(
    cli_env: dict[str, str], tenant: str
) -> None:
    code, _, err = await _starter(
        cli_env, "sitemap", "not a domain", "--tenant", tenant
    )

    assert code == 2, err
    assert "not a domain" in err


async def test_urls_csv_to_file(
    cli_env: dict[str, str], tenant: str, tmp_path: Path
) -> None:
    await _starter(cli_env, "sitemap", HOST, "--tenant", tenant, "--wait")
    output = tmp_path / "urls.csv"
    code, _, err = await _starter(
        cli_env, "urls", HOST, "--tenant", tenant, "--output", str(output)
    )
    with output.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))

    assert code == 0, err
    assert {row["url"] for row in rows} == _expected_urls(HOST)
    assert all(row["sitemap"].startswith(f"https://{HOST}/") for row in rows)


async def test_urls_jsonl_lastmod_is_utc(cli_env: dict[str, str], tenant: str) -> None:
    await _starter(cli_env, "sitemap", LASTMOD_HOST, "--tenant", tenant, "--wait")
    code, out, err = await _starter(
        cli_env, "urls", LASTMOD_HOST, "--tenant", tenant, "--format", "jsonl"
    )
    records = {record["url"]: record for record in map(json.loads, out.splitlines())}

    assert code == 0, err
    assert set(records) == _expected_urls(LASTMOD_HOST)
    # <lastmod>2024-05-08T08:53:11+05:30</lastmod> in the sitemap.
    assert records[f"https://{LASTMOD_HOST}/items/08"]["lastmod"] == (
        "2024-05-08T03:23:11Z"
    )
    assert records[f"https://{LASTMOD_HOST}/items/03"]["lastmod"] is None


async def test_urls_without_scan_fails(cli_env: dict[str, str], tenant: str) -> None:
    code, out, err = await _starter(cli_env, "urls", HOST, "--tenant", tenant)

    assert code == 1
    assert "run `python starter.py sitemap" in err
    assert out == ""


async def test_results_shows_sitemap_summary(
    cli_env: dict[str, str], tenant: str
) -> None:
    await _starter(cli_env, "sitemap", HOST, "--tenant", tenant, "--wait")
    code, out, err = await _starter(cli_env, "results", HOST, "--tenant", tenant)

    assert code == 0, err
    assert "sitemaps:" in out
    assert "sitemaps read: 4" in out


async def test_results_after_both_scans_shows_both(
    cli_env: dict[str, str], tenant: str
) -> None:
    await _starter(cli_env, "scan", WWW_HOST, "--tenant", tenant, "--wait")
    await _starter(cli_env, "sitemap", WWW_HOST, "--tenant", tenant, "--wait")
    code, out, err = await _starter(
        cli_env, "results", WWW_HOST, "--tenant", tenant, "--json"
    )
    lines = [json.loads(line) for line in out.splitlines()]

    assert code == 0, err
    assert lines[0]["final_url"] == "https://www.example.com/"
    assert lines[1]["sitemaps"]["status"] == "completed"
