"""How import commands print what they did: counts first, then each problem by row, capped."""

from __future__ import annotations

from django.core.management.base import OutputWrapper

from recommendations.services.csv_import import ImportReport

MAX_PROBLEMS_SHOWN = 100


def write_problems(out: OutputWrapper, report: ImportReport) -> None:
    for problem in report.problems[:MAX_PROBLEMS_SHOWN]:
        out.write(f"  {problem}")
    hidden = len(report.problems) - MAX_PROBLEMS_SHOWN
    if hidden > 0:
        out.write(f"  ... and {hidden} more problem(s)")
