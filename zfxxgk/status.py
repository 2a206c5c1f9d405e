"""What is in the archive, and how the last runs went: the text behind `zfxxgk status`."""

from __future__ import annotations

from pathlib import Path

import click

from pipelines.db import ensure_schema, open_db


def print_reports(db_path: Path) -> None:
    db = open_db(db_path)
    ensure_schema(db)
    rows = db.execute(
        "SELECT r.portal_id, r.agency, r.year, r.format_version, r.parse_status, r.cell_count, "
        "r.identity_violations FROM reports r WHERE r.is_latest = 1 ORDER BY r.portal_id, r.year").fetchall()
    click.echo(f"{len(rows)} reports in {db_path}:")
    click.echo(f"  {'portal':14} {'agency':22} {'year':>4} {'template':8} {'status':18} {'cells':>5} {'violations':>10}")
    for portal, agency, year, tpl, status, cells, bad in rows:
        click.echo(f"  {portal or '':14} {(agency or '')[:20]:22} {year or '':>4} {tpl or '':8} {status:18} "
                   f"{cells or 0:>5} {bad or 0:>10}")
