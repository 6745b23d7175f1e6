"""Measure homepage extraction accuracy and time per page over the fixture corpus.

Run from the repository root: `.venv/bin/python bench/extraction_accuracy.py`.
Prints one row per field (sites checked, correct, accuracy), the total, and the
extraction time per page. Always exits 0: this is a report, not a test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scanner.extract import HomepageData, extract_homepage
from tests.extract_corpus import FIELDS, CorpusPage, load_pages, normalize


def main() -> int:
    """Run the benchmark and print its tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeat",
        type=int,
        default=5,
        help="times each page is extracted for the timing figures (default 5)",
    )
    parser.add_argument(
        "--verbose", action="store_true", help="print every wrong field with its values"
    )
    args = parser.parse_args()

    pages = load_pages()
    results = {page.host: _extract(page) for page in pages}
    _print_accuracy(pages, results, verbose=args.verbose)
    _print_timing(pages, max(1, args.repeat))
    return 0


def _extract(page: CorpusPage) -> HomepageData:
    return extract_homepage(
        page.body, final_url=page.final_url, content_type=page.content_type
    )


def _print_accuracy(
    pages: list[CorpusPage], results: dict[str, HomepageData], *, verbose: bool
) -> None:
    print(f"{'field':<12} {'checked':>8} {'correct':>8} {'accuracy':>9}")
    total_checked = total_correct = 0
    for field in FIELDS:
        checked = correct = 0
        for page in pages:
            if field not in page.expected:
                continue
            checked += 1
            expected = normalize(field, page.expected[field])
            actual = normalize(field, getattr(results[page.host], field))
            if actual == expected:
                correct += 1
            elif verbose:
                print(f"  wrong {page.host} {field}: {actual!r} != {expected!r}")
        total_checked += checked
        total_correct += correct
        print(f"{field:<12} {checked:>8} {correct:>8} {_percent(correct, checked):>9}")
    total_percent = _percent(total_correct, total_checked)
    print(f"{'total':<12} {total_checked:>8} {total_correct:>8} {total_percent:>9}")


def _print_timing(pages: list[CorpusPage], repeat: int) -> None:
    timings_ms: list[float] = []
    for _round in range(repeat):
        for page in pages:
            start = time.perf_counter()
            _extract(page)
            timings_ms.append((time.perf_counter() - start) * 1000)
    timings_ms.sort()
    p95 = timings_ms[min(len(timings_ms) - 1, int(len(timings_ms) * 0.95))]
    print()
    print(f"pages: {len(pages)}, extractions timed: {len(timings_ms)}")
    print(
        f"time per page (ms): mean {statistics.fmean(timings_ms):.2f}, "
        f"p95 {p95:.2f}, max {timings_ms[-1]:.2f}"
    )


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


if __name__ == "__main__":
    sys.exit(main())
