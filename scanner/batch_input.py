"""Read the domain list of a batch from a text file, a CSV file or arguments.

A text file has one domain per line, with `#` comments and blank lines. A CSV
file has a `domain`, `website` or `url` column (any case), else its first
column is used. Every line that is not a domain is kept with its line number
and the reason, so the caller can report it without stopping the batch.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scanner.domains import canonicalize_domain
from scanner.errors import InvalidDomainError
from scanner.registrable import registrable_domain

DOMAIN_COLUMNS = ("domain", "website", "url")
CSV_DELIMITERS = ",;\t|"
_SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class BatchLine:
    """One input line: a domain to scan, or a rejected value with its reason."""

    line_number: int
    input: str
    domain: str | None = None
    host: str | None = None
    reason: str | None = None


@dataclass
class ParsedBatch:
    """The unique domains of a batch in input order, and what was left out."""

    domains: list[BatchLine] = field(default_factory=list)
    invalid: list[BatchLine] = field(default_factory=list)
    duplicates: list[BatchLine] = field(default_factory=list)

    @property
    def lines(self) -> list[BatchLine]:
        """Return scanned and rejected lines, in line order."""
        return sorted([*self.domains, *self.invalid], key=lambda x: x.line_number)


def read_batch_file(path: Path) -> ParsedBatch:
    """Parse a domain list file, as CSV if its name or its header says so.

    Raises:
        OSError: the file cannot be read.
    """
    # utf-8-sig drops a byte order mark, which spreadsheet exports often add.
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    if path.suffix.lower() in {".csv", ".tsv"} or _looks_like_csv(text):
        return parse_values(_csv_values(text))
    return parse_values(_text_values(text))


def parse_arguments(values: Sequence[str]) -> ParsedBatch:
    """Parse domains given on the command line, numbering arguments from 1."""
    return parse_values((number, value) for number, value in enumerate(values, 1))


def parse_values(values: Iterable[tuple[int, str]]) -> ParsedBatch:
    """Canonicalise numbered values, keeping the first line of each domain."""
    parsed = ParsedBatch()
    seen: set[str] = set()
    for line_number, raw in values:
        value = raw.strip()
        try:
            domain = canonicalize_domain(value)
        except InvalidDomainError as exc:
            parsed.invalid.append(BatchLine(line_number, value, reason=exc.message))
            continue
        line = BatchLine(line_number, value, domain, registrable_domain(domain))
        if domain in seen:
            parsed.duplicates.append(line)
            continue
        seen.add(domain)
        parsed.domains.append(line)
    return parsed


def _text_values(text: str) -> Iterable[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), 1):
        value = line.split("#", 1)[0].strip()
        if value:
            yield number, value


def _looks_like_csv(text: str) -> bool:
    first = next((line for line in text.splitlines() if line.strip()), "")
    header = [cell.strip().strip('"').lower() for cell in _split_header(first)]
    return any(name in DOMAIN_COLUMNS for name in header) and len(header) > 1


def _split_header(line: str) -> list[str]:
    for delimiter in CSV_DELIMITERS:
        if delimiter in line:
            return line.split(delimiter)
    return [line]


def _csv_values(text: str) -> Iterable[tuple[int, str]]:
    dialect = _sniff(text)
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    rows = [(reader.line_num, row) for row in reader]
    rows = [(number, row) for number, row in rows if any(c.strip() for c in row)]
    if not rows:
        return
    column = _domain_column(rows[0][1])
    has_header = column is not None or _sniff_header(text)
    index = column if column is not None else 0
    for number, row in rows[1:] if has_header else rows:
        value = row[index].strip() if index < len(row) else ""
        if not value.startswith("#"):
            yield number, value


def _sniff(text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(text[:_SNIFF_BYTES], delimiters=CSV_DELIMITERS)
    except csv.Error:
        # A one-column file has no delimiter for the sniffer to find.
        return csv.excel


def _sniff_header(text: str) -> bool:
    try:
        return csv.Sniffer().has_header(text[:_SNIFF_BYTES])
    except csv.Error:
        return False


def _domain_column(header: Sequence[str]) -> int | None:
    names = [cell.strip().lower() for cell in header]
    for wanted in DOMAIN_COLUMNS:
        if wanted in names:
            return names.index(wanted)
    return None
