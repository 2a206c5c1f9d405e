"""What is in the archive, and how the last runs went: the text behind `zfxxgk status`."""

from __future__ import annotations

from pathlib import Path

import click

from zfxxgk.pipelines.db import ensure_schema, open_db


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


def print_events(db, most: int = 20) -> None:
    """What the last run refused, failed at or was limited by: one line per portal and kind,
    with the first reason (the URL where it stopped is in it) and how many more there were."""
    last = db.execute("SELECT max(run_id) FROM crawl_events").fetchone()[0]
    if last is None:
        return
    rows = db.execute(
        "SELECT portal_id, kind, count(*), min(id) FROM crawl_events WHERE run_id = ? "
        "GROUP BY portal_id, kind ORDER BY kind = 'limit' DESC, portal_id, kind", [last]).fetchall()
    click.echo(f"events of run {last} (refusals, faults, limits; all in the crawl_events table):")
    for portal, kind, count, first in rows[:most]:
        reason = db.execute("SELECT reason FROM crawl_events WHERE id = ?", [first]).fetchone()[0]
        more = f" (+{count - 1} more)" if count > 1 else ""
        click.echo(f"  {portal or '-':20} {kind:10} {reason[:150]}{more}")
    if len(rows) > most:
        click.echo(f"  ... and {len(rows) - most} more portal/kind pairs")


def print_status(db_path: Path, nights: int, max_silence_hours: float, lock_path: Path | None = None) -> int:
    """The last runs and every alarm; returns 1 if there is an alarm (for cron mail, monitors)."""
    from datetime import timedelta

    from .health import alarms
    from .lock import broker_url, holder

    db = open_db(db_path)
    ensure_schema(db)
    if broker_url():
        from kombu.exceptions import OperationalError
        from redis.exceptions import RedisError

        try:
            print_cluster()
            running = holder(lock_path)
        except (OperationalError, RedisError) as exc:
            click.echo(f"cluster: broker {broker_url()} unreachable: {exc}")
            running = None
    else:
        running = holder(lock_path) if lock_path else None
    if running:
        click.echo(f"running now: {running}")
    click.echo("last crawl runs:")
    for rid, started, finished, status, summary in db.execute(
            "SELECT id, started_at, finished_at, status, summary FROM crawl_runs ORDER BY id DESC LIMIT 5"):
        click.echo(f"  run {rid:>4}  {started[:19]}  {status:9} {summary or ''}")
    print_events(db)
    cycles = db.execute("SELECT id, started_at, status, message FROM cycles ORDER BY id DESC LIMIT 5").fetchall()
    if cycles:
        click.echo("last cycles:")
        for cid, started, status, message in cycles:
            click.echo(f"  cycle {cid:>3}  {started[:19]}  {status:12} {message or ''}")
    found = alarms(db, nights=nights, max_silence=timedelta(hours=max_silence_hours))
    if not found:
        click.echo("no alarms")
        return 0
    click.echo(f"ALARMS ({len(found)}):")
    for a in found:
        click.echo(f"  [{a.kind}] {a.portal + ': ' if a.portal else ''}{a.message}")
    return 1


def print_cluster() -> None:
    """The cluster, when a broker is configured: workers and what they run, queue depth, bucket
    locks and their portals, tasks delivered more than once, tasks whose worker died (waiting
    for redelivery)."""
    from .cluster import status

    info = status()
    click.echo(f"cluster: {len(info['workers'])} workers; {info['queued']} tasks queued, "
               f"{info['unacknowledged']} running or unacknowledged")
    for worker, active in info["workers"].items():
        click.echo(f"  worker {worker}: {', '.join(active) or 'idle'}")
    for bucket, lock in sorted(info["bucket_locks"].items()):
        click.echo(f"  bucket {bucket} crawled by {lock['holder']}: portals {', '.join(lock['portals']) or '?'}")
    for label in ("redelivered", "stuck"):
        tasks = info[label]
        if tasks:
            click.echo(f"  {label} ({len(tasks)}):")
            for tid, t in tasks.items():
                click.echo(f"    {tid} bucket {t.get('bucket')} (portals {', '.join(t.get('portals') or [])}) "
                           f"worker {t.get('worker')} "
                           f"delivered {t.get('deliveries', 1)}x, {t.get('state')}")
