"""Run `worker.py` while counting the database round trips it makes.

SQLAlchemy events on every engine count statements, transaction begins and
ends, and pool checkouts (each runs a pre-ping `SELECT 1`). On SIGTERM the
worker drains as usual and the counts are written as JSON to the path in
`BENCH_COUNTS_FILE`.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from scanner.settings import Settings
from worker import run_worker

COUNTS: Counter[str] = Counter()


def _count(name: str) -> Any:
    def listener(*_: Any, **__: Any) -> None:
        COUNTS[name] += 1

    return listener


def main() -> None:
    event.listen(Engine, "before_cursor_execute", _count("statements"))
    event.listen(Engine, "begin", _count("begins"))
    event.listen(Engine, "commit", _count("commits"))
    event.listen(Engine, "rollback", _count("rollbacks"))
    event.listen(Pool, "checkout", _count("checkouts"))
    asyncio.run(run_worker(Settings.from_env(), grace_seconds=10))
    Path(os.environ["BENCH_COUNTS_FILE"]).write_text(json.dumps(COUNTS))


if __name__ == "__main__":
    main()
