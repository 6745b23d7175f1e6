"""The starter's commands as a user runs them, in a subprocess."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from temporalio.client import Client

from devstack.sites import SiteServer
from scanner.settings import Settings
from tests.temporal_helpers import host_rules, running_worker, settings_for_hosts

ROOT = Path(__file__).resolve().parent.parent
HOSTS = ["www.bluebell-bookshop.test", "www.cafe-mueller.test"]


async def _starter(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "starter.py"),
        *args,
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


def _env(
    database_url: str, temporal_server: str, task_queue: str, server: SiteServer
) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        TEMPORAL_ADDRESS=temporal_server,
        TEMPORAL_TASK_QUEUE=task_queue,
        SCANNER_CONNECT_TO=host_rules(server, HOSTS),
        SCANNER_CA_BUNDLE=server.ca_pem_path,
        SCANNER_ALLOW_PRIVATE_ADDRESSES="true",
    )
    return env


async def test_scan_wait_json_then_results_and_status(
    temporal_client: Client,
    temporal_server: str,
    database_url: str,
    base_settings: Settings,
    site_server: SiteServer,
    task_queue: str,
    tenant: str,
) -> None:
    env = _env(database_url, temporal_server, task_queue, site_server)
    settings = settings_for_hosts(base_settings, site_server, HOSTS)

    async with running_worker(temporal_client, settings, task_queue):
        code, out, err = await _starter(
            env, "scan", *HOSTS, "not a domain", "--tenant", tenant, "--wait", "--json"
        )

    rows = {row["domain"]: row for row in map(json.loads, out.splitlines())}
    assert code == 1, err
    assert set(rows) == {"bluebell-bookshop.test", "cafe-mueller.test", "not a domain"}
    assert rows["cafe-mueller.test"]["status"] == "completed"
    assert rows["cafe-mueller.test"]["phones"] == ["+493023125100"]
    assert rows["not a domain"]["status"] == "failed"
    assert rows["not a domain"]["error_type"] == "invalid_domain"
    assert "not a domain" in err

    code, out, _ = await _starter(
        env,
        "results",
        "https://www.Bluebell-Bookshop.test/",
        "--tenant",
        tenant,
        "--json",
    )
    result = json.loads(out)
    assert code == 0
    assert result["title"] == "Bluebell Books – Independent bookshop in Sheffield"
    assert result["job_id"] == rows["bluebell-bookshop.test"]["job_id"]

    job_id = rows["not a domain"]["job_id"]
    code, out, _ = await _starter(env, "status", job_id, "--tenant", tenant, "--json")
    status = json.loads(out)
    assert code == 0
    assert status["status"] == "failed"
    assert status["error_type"] == "invalid_domain"


async def test_results_hidden_from_other_tenant(
    temporal_client: Client,
    temporal_server: str,
    database_url: str,
    base_settings: Settings,
    site_server: SiteServer,
    task_queue: str,
    tenant: str,
) -> None:
    env = _env(database_url, temporal_server, task_queue, site_server)
    settings = settings_for_hosts(base_settings, site_server, HOSTS)
    async with running_worker(temporal_client, settings, task_queue):
        code, out, _ = await _starter(
            env, "scan", HOSTS[0], "--tenant", tenant, "--wait", "--json"
        )
    job_id = json.loads(out)["job_id"]

    results_code, _, results_err = await _starter(
        env, "results", HOSTS[0], "--tenant", tenant + "-other"
    )
    status_code, _, status_err = await _starter(
        env, "status", job_id, "--tenant", tenant + "-other"
    )

    assert code == 0
    assert results_code == 1
    assert "no scan of bluebell-bookshop.test" in results_err
    assert status_code == 1
    assert "not found" in status_err


async def test_invalid_setting_names_variable(
    database_url: str, temporal_server: str, site_server: SiteServer, task_queue: str
) -> None:
    env = _env(database_url, temporal_server, task_queue, site_server)
    env["SCANNER_CONNECT_TO"] = "example.com:443:127.0.0.1"

    code, _, err = await _starter(env, "scan", "example.com")

    assert code == 2
    assert "SCANNER_CONNECT_TO" in err
    assert "HOST1:PORT1:HOST2:PORT2" in err
