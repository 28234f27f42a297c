"""The program review as files: one HTML page with SVG bar charts (no server, no script)
and one CSV per table, in a folder."""

from __future__ import annotations

import csv
from html import escape
from pathlib import Path

from companion.desk.app.program_report import ProgramReport, Table

BAR_HEIGHT, BAR_GAP, LABEL_WIDTH, CHART_WIDTH = 18, 6, 260, 320


def _chart(table: Table) -> str:
    """Horizontal bars of the table's last column, labelled by the others."""
    if not table.rows or not all(isinstance(row[-1], int) for row in table.rows):
        return ""  # nothing to count (e.g. the list of packages past their date)
    values = [int(row[-1]) for row in table.rows]
    top = max(values) or 1
    height = len(values) * (BAR_HEIGHT + BAR_GAP)
    bars = []
    for number, (row, value) in enumerate(zip(table.rows, values, strict=True)):
        y = number * (BAR_HEIGHT + BAR_GAP)
        label = escape(" · ".join(str(cell) for cell in row[:-1]))
        width = max(1, round(CHART_WIDTH * value / top))
        bars.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 13}" text-anchor="end">{label}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR_HEIGHT}" '
            f'fill="#2e86de"><title>{label}: {value}</title></rect>'
            f'<text x="{LABEL_WIDTH + width + 4}" y="{y + 13}">{value}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(table.title)}" '
        f'width="{LABEL_WIDTH + CHART_WIDTH + 60}" height="{height}" '
        f'font-family="sans-serif" font-size="12">{"".join(bars)}</svg>'
    )


def _table(table: Table) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in table.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>"
        for row in table.rows
    )
    empty = "" if table.rows else f'<tr><td colspan="{len(table.columns)}">none</td></tr>'
    return (
        f'<section id="{table.key}"><h2>{escape(table.title)}</h2>{_chart(table)}'
        f"<table><tr>{head}</tr>{body}{empty}</table>"
        f'<p><a href="{table.key}.csv">{table.key}.csv</a></p></section>'
    )


def write_report(report: ProgramReport, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    for table in report.tables:
        with (out / f"{table.key}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(table.columns)
            writer.writerows(table.rows)
    facts = "".join(
        f'<tr><th>{escape(k)}</th><td class="fact">{escape(v)}</td></tr>'
        for k, v in report.facts.items()
    )
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Program review: {escape(report.organisation)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}</style></head><body>"
        f"<h1>Program review: {escape(report.organisation)}</h1>"
        f"<p>Made on {report.made_on.isoformat()} from the organisation's store.</p>"
        f'<table id="facts">{facts}</table>'
        + "".join(_table(t) for t in report.tables)
        + "</body></html>\n"
    )
    index = out / "report.html"
    index.write_text(page, encoding="utf-8")
    return index
