"""The starter's progress display: bar, plain lines, rate and ETA."""

from __future__ import annotations

import io
import uuid

from cli.progress import ProgressDisplay, format_bar, format_eta
from scanner.batch_payloads import BatchProgress

BATCH = uuid.UUID("00000000-0000-0000-0000-000000000001")


def _progress(done: int, failed: int = 0, total: int = 100) -> BatchProgress:
    return BatchProgress(
        batch_id=BATCH,
        status="running",
        total=total,
        completed=done - failed,
        failed=failed,
        running=5,
        pending=total - done - 5,
    )


def test_bar_fills_with_done_share() -> None:
    bar = format_bar(_progress(50, failed=3), rate=2.0)

    assert bar.startswith("[" + "#" * 15 + "." * 15 + "]")
    assert "50/100 done" in bar
    assert "3 failed" in bar
    assert "2.0/s" in bar


def test_eta_from_rate() -> None:
    assert format_eta(_progress(40), rate=2.0) == "30s"
    assert format_eta(_progress(0, total=10_000), rate=2.0) == "1h23m"
    assert format_eta(_progress(0, total=400), rate=2.0) == "3m20s"


def test_eta_unknown_without_rate() -> None:
    assert format_eta(_progress(10), rate=0.0) == "?"


def test_rate_over_samples() -> None:
    display = ProgressDisplay(io.StringIO(), interactive=True)

    display.update(_progress(10), now=100.0)
    display.update(_progress(30), now=110.0)

    assert display.rate() == 2.0


def test_plain_lines_only_every_interval() -> None:
    out = io.StringIO()
    display = ProgressDisplay(out, interactive=False, interval=5.0)

    for second in range(12):
        display.update(_progress(second), now=1000.0 + second)

    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"batch {BATCH} running: 0/100 done")
    assert "\r" not in out.getvalue()


def test_terminal_redraws_in_place() -> None:
    out = io.StringIO()
    display = ProgressDisplay(out, interactive=True)

    display.update(_progress(1), now=1.0)
    display.update(_progress(2), now=2.0)
    display.finish(_progress(100))

    text = out.getvalue()
    assert text.count("\r\x1b[2K") == 3
    assert text.endswith("100/100 done, 5 running, 0 failed, 1.0/s, ETA 0s\n")
