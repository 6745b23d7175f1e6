"""Settings read from the environment: invalid values stop with a message."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.errors import ConfigurationError
from scanner.net.transport import build_ssl_context
from scanner.settings import Settings


@pytest.mark.parametrize("value", ["inf", "Infinity", "-inf", "nan"])
def test_timeout_not_finite_rejected(value: str) -> None:
    with pytest.raises(ConfigurationError, match="SCANNER_TOTAL_TIMEOUT"):
        Settings.from_env({"SCANNER_TOTAL_TIMEOUT": value})


def test_timeout_fraction_accepted() -> None:
    settings = Settings.from_env({"SCANNER_TOTAL_TIMEOUT": "2.5"})
    assert settings.limits.total_timeout == 2.5


@pytest.mark.parametrize("value", ["localhost", "127.0.0.1:99999", ":7233", "h:x"])
def test_temporal_address_invalid_rejected(value: str) -> None:
    with pytest.raises(ConfigurationError, match="TEMPORAL_ADDRESS"):
        Settings.from_env({"TEMPORAL_ADDRESS": value})


@pytest.mark.parametrize(
    "name", ["TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TEMPORAL_TASK_QUEUE"]
)
def test_temporal_empty_uses_default(name: str) -> None:
    settings = Settings.from_env({name: " "})
    assert settings == Settings.from_env({})


def test_ca_bundle_without_pem_rejected(tmp_path: Path) -> None:
    bundle = tmp_path / "not-a-ca.pem"
    bundle.write_text("root:x:0:0:root:/root:/bin/bash\n")
    with pytest.raises(ConfigurationError, match="SCANNER_CA_BUNDLE"):
        build_ssl_context(bundle)
