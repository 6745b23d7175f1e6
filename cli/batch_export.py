"""Write a batch's results as CSV, JSON or JSON lines, one record per domain."""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any, TextIO

from sqlalchemy.ext.asyncio import AsyncSession

from scanner.db import batches, jobs
from scanner.report import json_line, result_row

FORMATS = ("csv", "json", "jsonl")
# Columns before the result fields: where the domain came from in the input.
LINE_FIELDS = ("line", "input")


async def export_records(
    session: AsyncSession, batch_id: uuid.UUID, batch_status: str
) -> AsyncIterator[dict[str, Any]]:
    """Yield one record per domain of the batch, in input order."""
    rows = batches.export_rows(session, batch_id, batch_status)
    async for line, job, stored, status in rows:
        result = jobs.stored_scrape_result(stored) if stored is not None else None
        record: dict[str, Any] = {"line": line.line_number, "input": line.input}
        record.update(
            result_row(
                domain=line.domain or line.input,
                job_id=str(job.id) if job is not None else "",
                status=status,
                error_type=job.error_type if job is not None else None,
                error_message=job.error_message if job is not None else None,
                result=result,
            )
        )
        yield record


async def write_records(
    records: AsyncIterator[dict[str, Any]], stream: TextIO, file_format: str
) -> int:
    """Write records in `file_format` and return how many were written."""
    if file_format == "csv":
        return await _write_csv(records, stream)
    if file_format == "json":
        return await _write_json(records, stream)
    count = 0
    async for record in records:
        stream.write(json_line(record) + "\n")
        count += 1
    return count


async def _write_csv(records: AsyncIterator[dict[str, Any]], stream: TextIO) -> int:
    writer: csv.DictWriter[str] | None = None
    count = 0
    async for record in records:
        if writer is None:
            writer = csv.DictWriter(stream, fieldnames=list(record))
            writer.writeheader()
        writer.writerow({key: _csv_cell(value) for key, value in record.items()})
        count += 1
    return count


async def _write_json(records: AsyncIterator[dict[str, Any]], stream: TextIO) -> int:
    # Written item by item, so a batch of any size never sits in memory whole.
    stream.write("[")
    count = 0
    async for record in records:
        stream.write(",\n" if count else "\n")
        stream.write(json_line(record))
        count += 1
    stream.write("\n]\n" if count else "]\n")
    return count


def _csv_cell(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value
