"""Show a batch's progress while the starter waits for it.

On a terminal the line is redrawn in place as a bar; otherwise a plain line is
printed every few seconds, which suits logs and CI output.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import TextIO

from scanner.batch_payloads import BatchProgress

BAR_WIDTH = 30
# Seconds of samples the rate is computed over, so it follows changes in speed.
RATE_WINDOW_SECONDS = 30.0


@dataclass
class ProgressDisplay:
    """Progress drawn to `stream`, as a line every `interval` s off a terminal."""

    stream: TextIO
    interactive: bool
    interval: float = 5.0
    _samples: deque[tuple[float, int]] = field(default_factory=deque)
    _last_line_at: float = 0.0
    _drawn: bool = False

    def update(self, progress: BatchProgress, *, now: float | None = None) -> None:
        """Record a reading and redraw, or print a line if one is due."""
        moment = time.monotonic() if now is None else now
        self._samples.append((moment, progress.done))
        while moment - self._samples[0][0] > RATE_WINDOW_SECONDS:
            self._samples.popleft()
        if self.interactive:
            self.stream.write("\r\x1b[2K" + format_bar(progress, self.rate()))
            self.stream.flush()
            self._drawn = True
        elif moment - self._last_line_at >= self.interval:
            self.stream.write(format_line(progress, self.rate()) + "\n")
            self.stream.flush()
            self._last_line_at = moment

    def finish(self, progress: BatchProgress) -> None:
        """Print the final reading on its own line."""
        text = format_line(progress, self.rate())
        if self._drawn:
            self.stream.write("\r\x1b[2K")
        self.stream.write(text + "\n")
        self.stream.flush()

    def rate(self) -> float:
        """Return domains finished per second over the recent samples."""
        if len(self._samples) < 2:
            return 0.0
        (first_at, first_done), (last_at, last_done) = (
            self._samples[0],
            self._samples[-1],
        )
        elapsed = last_at - first_at
        return (last_done - first_done) / elapsed if elapsed > 0 else 0.0


def format_bar(progress: BatchProgress, rate: float) -> str:
    """Return `[####....] done/total` with failures, rate and ETA."""
    fraction = progress.done / progress.total if progress.total else 0.0
    filled = int(fraction * BAR_WIDTH)
    bar = "#" * filled + "." * (BAR_WIDTH - filled)
    return f"[{bar}] {_counts(progress, rate)}"


def format_line(progress: BatchProgress, rate: float) -> str:
    """Return one plain progress line."""
    return f"batch {progress.batch_id} {progress.status}: {_counts(progress, rate)}"


def _counts(progress: BatchProgress, rate: float) -> str:
    parts = [
        f"{progress.done}/{progress.total} done",
        f"{progress.running} running",
        f"{progress.failed} failed",
    ]
    if progress.cancelled:
        parts.append(f"{progress.cancelled} cancelled")
    parts.append(f"{rate:.1f}/s")
    parts.append(f"ETA {format_eta(progress, rate)}")
    return ", ".join(parts)


def format_eta(progress: BatchProgress, rate: float) -> str:
    """Return the time left at `rate` as `1h02m`, `3m05s` or `12s`."""
    left = progress.total - progress.done
    if left <= 0:
        return "0s"
    if rate <= 0:
        return "?"
    seconds = int(left / rate)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"
