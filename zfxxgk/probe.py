"""`zfxxgk probe ID|URL`: crawl one portal as a new user meets it, and keep what it served as
spider fixtures, so that every real portal that breaks becomes a test.

The crawl is the nightly one (same spider, politeness, limits), run on one portal into a
scratch database, with the crawl's log on the terminal. Afterwards every page the spider read
(listings, navigation pages, report pages) is saved, bytes as served, under
`tests/spiders/fixtures/<portal id>/` as `<kind>-NN.body` with its URL and Content-Type in
`<kind>-NN.meta.json`, the portal's registry values in `portal.json` (which
the fixture test reads) and the reports found in `reports.json`. The golden `.expected.json`
files are written by the fixture test on its first run, for a person to read and commit.
A portal of the registry that yielded reports has its row marked verified.
"""

from __future__ import annotations

import csv
import json
import re
import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

from zfxxgk.scraper import registry
from zfxxgk.scraper.registry import DEFAULT_REGISTRY, Portal

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "spiders" / "fixtures"
KINDS = ("listing", "nav", "report")  # the pages the spider's callbacks read


@dataclass
class ProbeResult:
    portal: Portal
    run: dict
    folder: Path
    saved: list[Path] = field(default_factory=list)
    reports: list[dict] = field(default_factory=list)
    verified: bool = False


def portal_for(target: str, portals: Path | None) -> tuple[Portal, bool]:
    """The portal a target names: a registry id, or a URL (a portal of its own if no row has it)."""
    rows = registry.load(portals)
    by_id = {p.id: p for p in rows}
    if target in by_id:
        return by_id[target], True
    if urlsplit(target).scheme not in ("http", "https"):
        raise registry.RegistryError(f"{portals or DEFAULT_REGISTRY}: no portal with id {target!r} "
                                     "(give an id of the registry, or an http(s) URL)")
    for p in rows:
        if p.allows(target):
            return Portal(**{**p.__dict__, "start_url": target}), True
    host = (urlsplit(target).hostname or "portal").lower()
    pid = re.sub(r"[^A-Za-z0-9_-]+", "_", host).strip("_")[:64] or "portal"
    return Portal(id=pid, name=host, level="", region_code="", start_url=target), False


def probe(target: str, *, portals: Path | None = None, fixtures: Path = FIXTURES, delay: float | None = None,
          log_level: str = "INFO") -> ProbeResult:
    from .crawl import run_crawl

    portal, in_registry = portal_for(target, portals)
    work = Path(tempfile.mkdtemp(prefix=f"zfxxgk-probe-{portal.id}-"))
    one = work / "portal.csv"
    _write_rows(one, [{**portal.as_row(), "cms": portal.cms, "hosts": portal.hosts}])
    run = run_crawl(db=work / "zfxxgk.db", archive=work / "archive", portals=one, only=[portal.id], delay=delay,
                    trigger="probe", recheck_days=0, full=True, log_level=log_level, progress=False)
    result = ProbeResult(portal, run, fixtures / portal.id)
    _save_fixtures(result, work)
    if in_registry and result.reports:
        result.verified = _mark_verified(portals or DEFAULT_REGISTRY, portal.id, len(result.reports))
    return result


def _save_fixtures(result: ProbeResult, work: Path) -> None:
    db = sqlite3.connect(work / "zfxxgk.db")
    rows = db.execute(
        "SELECT url, kind, content_type, warc_file, warc_offset FROM fetches WHERE status = 200 AND warc_file IS NOT NULL "
        f"AND kind IN ({', '.join('?' * len(KINDS))}) ORDER BY id", KINDS).fetchall()
    result.reports = [{"url": u, "agency": a, "year": y, "parse_status": s} for u, a, y, s in db.execute(
        "SELECT s.url, r.agency, r.year, r.parse_status FROM report_sightings s JOIN reports r ON r.id = s.report_id "
        "ORDER BY s.url")]
    db.close()
    folder = result.folder
    folder.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    for url, kind, ctype, warc_file, offset in rows:
        if (kind, url) in seen:
            continue
        seen.add((kind, url))
        with open(work / "archive" / warc_file, "rb") as fh:
            fh.seek(offset)
            record = next(iter(ArchiveIterator(fh)))
            body = record.content_stream().read()  # the payload as served, transfer and content coding undone
        stem = folder / f"{kind}-{len(result.saved) + 1:02d}"  # report-*: the fixture test reads it as one
        stem.with_suffix(".body").write_bytes(body)
        stem.with_suffix(".meta.json").write_text(json.dumps({
            "url": url, "content_type": ctype or "", "kind": kind,
            "note": f"saved by zfxxgk probe on {date.today().isoformat()}, bytes as served"}, ensure_ascii=False,
            indent=1) + "\n", encoding="utf-8")
        result.saved.append(stem.with_suffix(".body"))
    p = result.portal
    (folder / "portal.json").write_text(json.dumps({"id": p.id, "start_url": p.start_url, "cms": p.cms},
                                                   ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (folder / "reports.json").write_text(json.dumps(result.reports, ensure_ascii=False, indent=1) + "\n",
                                         encoding="utf-8")


def _mark_verified(path: Path, portal_id: str, reports: int) -> bool:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        fields, rows = list(reader.fieldnames or []), list(reader)
    if "url_status" not in fields:
        fields.append("url_status")
    for row in rows:
        if row.get("id") == portal_id:
            row["url_status"] = f"verified {date.today().isoformat()} by zfxxgk probe: {reports} reports"
    _write_rows(path, rows, fields)
    return True


def _write_rows(path: Path, rows: list[dict], fields: list[str] | None = None) -> None:
    fields = fields or list(rows[0])
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)
