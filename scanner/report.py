"""Turn scan outcomes into the rows, tables and JSON lines the starter prints."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from typing import Any

from scanner.payloads import ScrapeResult

# The field names printed to users, in the order of the scan corpus format.
RESULT_FIELDS = (
    "final_url",
    "title",
    "description",
    "language",
    "canonical",
    "emails",
    "phones",
    "social",
    "cms",
    "feeds",
)


def result_row(
    *,
    domain: str,
    job_id: str,
    status: str,
    error_type: str | None = None,
    error_message: str | None = None,
    result: ScrapeResult | None = None,
) -> dict[str, Any]:
    """Return one flat record: ids and status, then every extracted field."""
    row: dict[str, Any] = {
        "domain": domain,
        "job_id": job_id,
        "status": status,
        "error_type": error_type,
        "error_message": error_message,
    }
    page = result.page if result is not None else None
    row["final_url"] = result.final_url if result is not None else None
    row["http_status"] = result.http_status if result is not None else None
    for name in RESULT_FIELDS[1:]:
        row[name] = getattr(page, name) if page is not None else None
    return row


def json_line(row: Mapping[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False, sort_keys=False, default=str)


def format_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Format rows as an aligned text table that fits the terminal width."""
    width = shutil.get_terminal_size((120, 24)).columns
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    widths = [
        max([len(column)] + [len(line[index]) for line in cells])
        for index, column in enumerate(columns)
    ]
    budget = max(width - 2 * (len(columns) - 1), 20 * len(columns))
    while sum(widths) > budget and max(widths) > 12:
        widest = widths.index(max(widths))
        widths[widest] -= 1
    lines = [_join(list(columns), widths), _join(["-" * w for w in widths], widths)]
    lines += [_join(line, widths) for line in cells]
    return "\n".join(lines)


def format_record(row: Mapping[str, Any]) -> str:
    """Format one record as `name: value` lines."""
    label_width = max(len(key) for key in row)
    lines = []
    for key, value in row.items():
        lines.append(f"{key.ljust(label_width)}  {_cell(value)}")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "-"
    if isinstance(value, dict):
        return ", ".join(f"{key}={item}" for key, item in value.items()) or "-"
    return " ".join(str(value).split())


def _join(values: Sequence[str], widths: Sequence[int]) -> str:
    parts = []
    for value, width in zip(values, widths, strict=True):
        text = value if len(value) <= width else value[: max(width - 1, 0)] + "…"
        parts.append(text.ljust(width))
    return "  ".join(parts).rstrip()
