"""The domain a rescan starts with: the host form the first scan was given."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from cli.batch_manage import rescan_input
from scanner.db.jobs import JobRow


def _job(requested: str, domain: str | None) -> JobRow:
    return JobRow(
        id=uuid.uuid4(),
        tenant="t",
        requested_domain=requested,
        domain=domain,
        kind="domain",
        status="failed",
        error_type=None,
        error_message=None,
        attempts=1,
        workflow_id="w",
        batch_id=None,
        created_at=datetime.now(UTC),
        finished_at=None,
        started_at=None,
    )


@pytest.mark.parametrize(
    ("requested", "domain", "expected"),
    [
        ("www.shop.test", "shop.test", "www.shop.test"),
        ("https://WWW.shop.test/about", "shop.test", "www.shop.test"),
        ("shop.test", "shop.test", "shop.test"),
        ("not a domain", None, "not a domain"),
    ],
)
def test_rescan_input_keeps_typed_www(
    requested: str, domain: str | None, expected: str
) -> None:
    assert rescan_input(_job(requested, domain)) == expected
