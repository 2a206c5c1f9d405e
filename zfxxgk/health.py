"""Judging the archive's health from what the runs recorded, not from exit codes.

Alarms, each with the portal (if any) and the reason a person needs:
- a portal failed (or found no report link) in each of its last N runs (default 3);
- a portal that yielded report links before yields none in its last run;
- the last crawl or cycle failed, was aborted or killed;
- no crawl finished within the expected interval (a dead-man's switch: silence is an alarm).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from zfxxgk.pipelines.db import parse_utc

FAILED = ("failed", "empty")


@dataclass
class Alarm:
    kind: str
    portal: str | None
    message: str


def alarms(db, *, nights: int = 3, max_silence: timedelta = timedelta(hours=36),
           now: datetime | None = None) -> list[Alarm]:
    now = now or datetime.now(timezone.utc)
    out: list[Alarm] = []
    portals = [r[0] for r in db.execute("SELECT id FROM portals ORDER BY id").fetchall()]
    for pid in portals:
        runs = db.execute("SELECT status, reports_found, error_sample FROM portal_runs WHERE portal_id = ? "
                          "ORDER BY run_id DESC LIMIT ?", [pid, max(nights, 2)]).fetchall()
        if not runs:
            continue
        last = runs[0]
        streak = 0
        for status, _, _ in runs:
            if status not in FAILED:
                break
            streak += 1
        if streak >= nights:
            sample = (last[2] or "").splitlines()[0] if last[2] else "no report link found"
            out.append(Alarm("failing", pid, f"failed {streak} runs in a row ({sample})"))
            continue
        had_before = db.execute("SELECT max(reports_found) FROM portal_runs WHERE portal_id = ? AND run_id < "
                                "(SELECT max(run_id) FROM portal_runs WHERE portal_id = ?)", [pid, pid]).fetchone()[0]
        if (last[1] or 0) == 0 and (had_before or 0) > 0:
            out.append(Alarm("stopped_yielding", pid,
                             f"found {had_before} report links before, none in the last run ({last[0]})"))
    run = db.execute("SELECT id, status, started_at, finished_at, summary FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
    if run is None:
        out.append(Alarm("no_runs", None, "no crawl has run yet"))
    else:
        run_id, status, started, finished, summary = run
        if status in ("failed", "aborted", "killed"):
            out.append(Alarm("run_failed", None, f"crawl run {run_id} {status}: {summary or ''}".strip()))
        last_ok = db.execute("SELECT max(finished_at) FROM crawl_runs WHERE finished_at IS NOT NULL").fetchone()[0]
        when = parse_utc(last_ok)
        if when is None or now - when > max_silence:
            out.append(Alarm("silence", None, f"no crawl finished since {last_ok or 'ever'} "
                                              f"(expected every {max_silence.total_seconds() / 3600:.0f} h)"))
    cycle = db.execute("SELECT id, status, message FROM cycles ORDER BY id DESC LIMIT 1").fetchone()
    if cycle and cycle[1] in ("failed", "interrupted"):
        out.append(Alarm("cycle_failed", None, f"cycle {cycle[0]} {cycle[1]}: {cycle[2] or ''}".strip()))
    return out
