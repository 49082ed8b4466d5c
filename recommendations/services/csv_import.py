"""Import Personalize-format CSV files through the same validation as the API, chunk by chunk.

Row numbers in reports count the header as row 1, as a spreadsheet shows them. By default a file
with any bad row is rejected whole and nothing is written; `skip_invalid` stores the good rows and
reports the bad ones. Each chunk is written in one transaction, so no chunk is ever half-stored.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from django.db import transaction

from recommendations import personalize_csv as fmt
from recommendations.errors import ApplicationError, FieldError, ValidationFailed
from recommendations.services import catalog_upsert, event_ingest
from recommendations.services.event_ingest import IngestResult
from recommendations.services.event_partitions import partitions_ensure

Progress = Callable[[int], None]
HEADER_ROW = 1


@dataclass(frozen=True)
class RowProblem:
    file: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}, row {self.row}" + (f", {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    rows: int = 0
    stored: int = 0  # events stored, or catalog rows created
    updated: int = 0
    duplicates: int = 0
    users_created: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    written: bool = False

    @property
    def rejected_rows(self) -> list[int]:
        return sorted({p.row for p in self.problems})


class _Rejected(Exception):
    """Raised inside the import transaction to roll it back."""


def count_data_rows(path: Path) -> int:
    """Lines after the header: a cheap estimate for the progress bar (quoted newlines make it high)."""
    with open(path, "rb") as f:
        return max(sum(1 for _ in f) - 1, 0)


def read_csv_chunks(path: Path, chunk_size: int) -> Iterator[tuple[list[str], int, list[dict[str, str]]]]:
    """Yield (header, row number of the chunk's first record, records)."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        header = [h.strip() for h in (reader.fieldnames or [])]
        reader.fieldnames = header
        chunk: list[dict[str, str]] = []
        first_row = HEADER_ROW + 1
        for record in reader:
            chunk.append(record)
            if len(chunk) == chunk_size:
                yield header, first_row, chunk
                first_row += len(chunk)
                chunk = []
        if chunk or first_row == HEADER_ROW + 1:
            yield header, first_row, chunk


def _convert(
    records: list[dict[str, str]], to_row: Callable[[dict, int], tuple[dict, list[FieldError]]]
) -> tuple[list[dict[str, Any]], list[FieldError]]:
    """Convert every record; a cell that fails conversion is left out of its row and reported."""
    rows, errors = [], []
    for index, record in enumerate(records):
        row, row_errors = to_row(record, index)
        rows.append(row)
        errors += row_errors
    return rows, errors


def _chunk_problems(
    file: str,
    first_row: int,
    csv_format: fmt.CsvFormat,
    convert_errors: list[FieldError],
    check: Callable[[list[dict]], Any],
    rows: list[dict],
) -> tuple[list[RowProblem], set[int], Any]:
    """Run `check` on the converted rows; return every problem by row and column, the bad positions and
    what `check` returned (None if it failed).

    A cell that failed conversion is missing from its row, so the service would also call it
    "required": that echo is dropped and only the conversion message is kept.
    """
    errors = list(convert_errors)
    checked = None
    try:
        checked = check(rows)
    except ValidationFailed as exc:
        failed_cells = {(e.index, e.field) for e in convert_errors}
        errors += [e for e in exc.errors if (e.index, csv_format.column_for(e.field)) not in failed_cells]
    problems = [
        RowProblem(
            file, HEADER_ROW if e.index is None else first_row + e.index, csv_format.column_for(e.field), e.message
        )
        for e in sorted(errors, key=lambda e: (e.index if e.index is not None else -1, e.field))
    ]
    return problems, {e.index for e in errors if e.index is not None}, checked


def _header_problems(path: Path, header: list[str], csv_format: fmt.CsvFormat) -> list[RowProblem]:
    if not header:
        return [RowProblem(path.name, HEADER_ROW, "", "the file is empty; the first row must name the columns")]
    return [RowProblem(path.name, HEADER_ROW, "", p) for p in csv_format.check_header(header)]


def events_import_csv(
    path: Path, *, chunk_size: int = 5000, skip_invalid: bool = False, progress: Progress | None = None
) -> ImportReport:
    """Import an interactions CSV; see the module docstring for what happens to bad rows."""
    report = ImportReport()
    try:
        with transaction.atomic():
            for header, first_row, records in read_csv_chunks(path, chunk_size):
                if first_row == HEADER_ROW + 1:
                    report.problems += _header_problems(path, header, fmt.INTERACTIONS)
                    if report.problems:
                        raise _Rejected
                report.rows += len(records)
                _events_chunk(path.name, first_row, records, report, chunk_size, skip_invalid)
                if progress:
                    progress(len(records))
            if report.problems and not skip_invalid:
                raise _Rejected
    except _Rejected:
        report.stored = report.duplicates = report.users_created = 0
        report.written = False
        return report
    report.written = True
    partitions_ensure()  # an import of history: its months get their partitions now, not at the daily run
    return report


def _events_chunk(
    file: str, first_row: int, records: list[dict], report: ImportReport, chunk_size: int, skip_invalid: bool
) -> None:
    if not records:
        report.problems.append(RowProblem(file, HEADER_ROW, "", "the file has no rows after the header"))
        return
    rows, convert_errors = _convert(records, fmt.interaction_row)
    problems, bad, checked = _chunk_problems(
        file,
        first_row,
        fmt.INTERACTIONS,
        convert_errors,
        partial(event_ingest.event_batch_check, max_rows=chunk_size),
        rows,
    )
    report.problems += problems
    if report.problems and not skip_invalid:
        return  # keep reading to report every bad row, but write nothing
    if checked is None or bad:
        # some rows were bad (only possible with skip_invalid): check the good ones on their own
        good = [row for index, row in enumerate(rows) if index not in bad]
        if not good:
            return
        checked = event_ingest.event_batch_check(good, max_rows=chunk_size)
    with transaction.atomic():
        result: IngestResult = event_ingest.event_batch_write(checked, path="file")
    report.stored += result.stored
    report.duplicates += result.duplicates
    report.users_created += result.users_created


def catalog_import_csv(
    files: dict[str, Path], *, chunk_size: int = 1000, progress: Progress | None = None
) -> ImportReport:
    """Import shops, items and users files (in that order) in one transaction: all of them, or nothing."""
    unknown = set(files) - set(fmt.CATALOG_FORMATS)
    if unknown:
        raise ApplicationError(f"Unknown catalog file kind(s): {', '.join(sorted(unknown))}")
    report = ImportReport()
    try:
        with transaction.atomic():
            for kind in ("shops", "items", "users"):
                if kind in files:
                    _catalog_file(kind, files[kind], chunk_size, report, progress)
            if report.problems:
                raise _Rejected
    except _Rejected:
        report.stored = report.updated = 0
        return report
    report.written = True
    return report


def _catalog_file(kind: str, path: Path, chunk_size: int, report: ImportReport, progress: Progress | None) -> None:
    csv_format = fmt.CATALOG_FORMATS[kind]
    entity = catalog_upsert.ENTITIES[kind]
    for header, first_row, records in read_csv_chunks(path, chunk_size):
        if first_row == HEADER_ROW + 1:
            header_problems = _header_problems(path, header, csv_format)
            if header_problems:
                report.problems += header_problems
                return
        report.rows += len(records)
        if not records:
            report.problems.append(RowProblem(path.name, HEADER_ROW, "", "the file has no rows after the header"))
            return
        rows, convert_errors = _convert(records, csv_format.to_row)
        problems, _bad, checked = _chunk_problems(
            path.name,
            first_row,
            csv_format,
            convert_errors,
            partial(catalog_upsert.catalog_rows_check, entity, max_rows=chunk_size),
            rows,
        )
        report.problems += problems
        if checked and not report.problems:
            result = catalog_upsert.catalog_rows_write(checked)
            report.stored += result.created
            report.updated += result.updated
        if progress:
            progress(len(records))
