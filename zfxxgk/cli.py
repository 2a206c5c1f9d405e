"""The `zfxxgk` command: a thin click layer over the libraries."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import __version__
from .config import Paths


@click.group()
@click.version_option(__version__, prog_name="zfxxgk")
def cli():
    """Archive of 政府信息公开工作年度报告: crawl, archive, parse, publish."""


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", help="Where the document came from (helps tell DOC from XLS, and is recorded).")
@click.option("--content-type", help="The HTTP Content-Type it was served with (charset hint).")
@click.option("--text", "with_text", is_flag=True, help="Include the report's full text in the JSON.")
def parse(file: Path, url: str | None, content_type: str | None, with_text: bool):
    """Parse one report document and print it as JSON.

    Exits 1, with the reason on stderr, when FILE is not a report or cannot be read.
    """
    from zfxxgk.pipelines.parser import parse_document

    report = parse_document(file.read_bytes(), url=url, content_type=content_type)
    if not report.is_report:
        click.echo(f"zfxxgk parse: {file}: {report.parse_status}: {report.reason}", err=True)
        sys.exit(1)
    click.echo(json.dumps(report.to_dict(with_text=with_text), ensure_ascii=False, indent=1))


def _must_exist(db: Path, command: str) -> None:
    """Commands that read an archive say so when there is none, rather than create an empty one."""
    if not Path(db).is_file():
        click.echo(f"zfxxgk {command}: no database at {db} (run `zfxxgk crawl` first, or give --db)", err=True)
        sys.exit(2)


DEFAULT_DB = Path("data/zfxxgk.db")
DEFAULT_ARCHIVE = Path("data/archive")
db_option = click.option("--db", type=click.Path(path_type=Path), default=DEFAULT_DB, show_default=True,
                         help="The SQLite database.")
archive_option = click.option("--archive", type=click.Path(path_type=Path), default=DEFAULT_ARCHIVE,
                              show_default=True, help="The raw archive folder (WARC files and blobs).")


@cli.command()
@click.option("--portals", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Portal registry CSV (default: the shipped registry).")
@db_option
@archive_option
@click.option("--only", multiple=True, metavar="ID", help="Crawl only these portal ids (repeatable).")
@click.option("--delay", type=float, default=None,
              help="Seconds between requests to one portal (default 1.0 with AutoThrottle; 0 for local portals).")
@click.option("--recheck-days", type=float, default=None,
              help="Re-validate known report pages older than this (default 30; 0 = all).")
@click.option("--full", is_flag=True,
              help="Page through every listing to its end, even where the first page shows nothing new.")
@click.option("--trigger", default="manual", hidden=True)
@click.option("--log-level", default=None, type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]),
              help="What the terminal shows (default WARNING: failures, one line each).")
@click.option("--log-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Scrapy's full log (default: logs/crawl-<time>.log beside the database).")
@click.option("--progress/--no-progress", default=None,
              help="A progress line on stderr (default: when stderr is a terminal).")
def crawl(portals, db, archive, only, delay, recheck_days, full, trigger, log_level, log_file, progress):
    """Crawl the portals: fetch, archive to WARC, parse, store.

    On a terminal, shows progress (portals done, pages, reports found, errors, elapsed);
    Scrapy's own log goes to the log file. Prints the run's summary; exits 1 if every portal
    failed.
    """
    from zfxxgk.scraper.registry import RegistryError, load

    from .crawl import run_crawl
    from .lock import LockBusy, RunLock

    try:
        load(portals, list(only) or None)  # a bad registry is one line, before anything starts
    except RegistryError as exc:
        click.echo(f"zfxxgk crawl: {exc}", err=True)
        sys.exit(2)
    try:
        with RunLock(Paths(Path(db).parent).lock, "crawl"):
            run = run_crawl(db=db, archive=archive, portals=portals, only=list(only), delay=delay,
                            trigger=trigger, recheck_days=recheck_days, full=full, log_level=log_level,
                            log_file=log_file, progress=progress)
    except LockBusy as exc:
        click.echo(f"zfxxgk crawl: {exc}", err=True)
        sys.exit(2)
    click.echo(f"run {run.get('id')}: {run.get('status')}: {run.get('summary')}")
    if run.get("log_file"):
        click.echo(f"log: {run['log_file']}", err=True)
    sys.exit(1 if run.get("status") in ("failed", "aborted") else 0)


@cli.command()
@click.argument("target", metavar="ID|URL")
@click.option("--portals", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Portal registry CSV (default: the shipped registry); its row is marked verified.")
@click.option("--fixtures", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where the portal's folder of fixtures goes (default: tests/spiders/fixtures).")
@click.option("--delay", type=float, default=None, help="Seconds between requests (default: the crawl's 1.0).")
def probe(target, portals, fixtures, delay):
    """Crawl one portal verbosely and keep its pages as spider fixtures (needs the internet).

    TARGET is a registry id or a URL. Saves every listing, navigation and report page, bytes
    as served, with the reports found, and marks the registry row verified if it yielded any.
    """
    from zfxxgk.scraper.registry import RegistryError

    from .probe import FIXTURES
    from .probe import probe as run

    try:
        result = run(target, portals=portals, fixtures=fixtures or FIXTURES, delay=delay)
    except RegistryError as exc:
        click.echo(f"zfxxgk probe: {exc}", err=True)
        sys.exit(2)
    click.echo(f"run {result.run.get('id')}: {result.run.get('status')}: {result.run.get('summary')}")
    click.echo(f"{len(result.saved)} pages saved in {result.folder}; {len(result.reports)} reports found"
               + ("; registry row marked verified" if result.verified else ""))
    for r in result.reports:
        click.echo(f"  {r['year'] or '?'}  {r['agency'] or '?'}  {r['parse_status']}  {r['url']}")
    sys.exit(0 if result.reports else 1)


@cli.command()
@db_option
@click.option("--nights", type=int, default=3, show_default=True,
              help="Alarm when a portal failed (or found nothing) this many runs in a row.")
@click.option("--max-silence-hours", type=float, default=36, show_default=True,
              help="Alarm when no crawl finished for this long.")
def status(db, nights, max_silence_hours):
    """The last runs and the portals in alarm (and the cluster: workers, queue, tasks redelivered or
    stuck, when ZFXXGK_BROKER is set); exits 1 when there is an alarm."""
    from .status import print_status

    _must_exist(db, "status")
    sys.exit(print_status(db, nights, max_silence_hours, Paths(Path(db).parent).lock))


@cli.command()
@db_option
@archive_option
@click.option("--outdated", is_flag=True, help="Only reports parsed by an older parser version.")
def reparse(db, archive, outdated):
    """Rebuild every parsed table from the raw archive (no network).

    With ZFXXGK_BROKER set, the parsing is spread over the cluster's workers (one task per
    report); the results are stored here, as a local re-parse stores them.
    """
    from zfxxgk.pipelines.reparse import reparse as run

    from .lock import cluster_parse_all

    _must_exist(db, "reparse")
    result = run(db, archive, only_outdated=outdated, parse_all=cluster_parse_all())
    click.echo(f"re-parsed {result.reports} reports in {result.seconds:.1f}s; "
               f"{result.changed_status} changed parse status; {len(result.missing_blobs)} documents missing")
    sys.exit(1 if result.missing_blobs else 0)


@cli.command()
@click.option("--data", type=click.Path(path_type=Path), default=None,
              help="This machine's mount of the shared data folder (default ZFXXGK_DATA or data/).")
@click.option("--name", default=None, help="Worker name, unique in the cluster (default zfxxgk-<pid>@<host>).")
@click.option("--concurrency", type=int, default=1, show_default=True,
              help="Tasks at a time (each crawl task already runs a crawl process and its parsers).")
@click.option("--log-level", default="INFO", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]))
def worker(data, name, concurrency, log_level):
    """Work for the cluster whose broker ZFXXGK_BROKER names: crawl portals, re-parse reports."""
    import os

    from .lock import BROKER_ENV, broker_url

    if not broker_url():
        click.echo(f"zfxxgk worker: no broker configured: set {BROKER_ENV}=redis://HOST:6379/0", err=True)
        sys.exit(2)
    if data is not None:
        os.environ["ZFXXGK_DATA"] = str(Path(data).resolve())
    from .cluster import run_worker

    run_worker(name, concurrency, log_level)


@cli.command()
@db_option
@archive_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8001, show_default=True)
@click.option("--immutable", is_flag=True, help="Open the database immutable (a published copy nobody writes).")
def serve(db, archive, host, port, immutable):
    """Serve the archive with Datasette (read-only): browse, facets, search, SQL, charts."""
    from .serve import serve_datasette

    _must_exist(db, "serve")
    sys.exit(serve_datasette(db=db, archive=archive, host=host, port=port, immutable=immutable))


@cli.command()
@click.option("--data", type=click.Path(path_type=Path), default=Path("data"), show_default=True,
              help="Data folder: database, archive, published copy, logs.")
@click.option("--port-base", type=int, default=8711, show_default=True,
              help="First port of the demo portals (fixed, so a second demo run is incremental).")
@click.option("--serve/--no-serve", default=True, help="Serve the published copy with Datasette afterwards.")
@click.option("--port", type=int, default=8001, show_default=True, help="Datasette's port.")
def demo(data, port_base, serve, port):
    """Start the bundled demo portals, run a nightly cycle on them, serve the result.

    Works with no internet: the portals run on 127.0.0.1. The cycle is the scheduler's own
    (crawl, re-parse, index, publish), so the demo is the nightly job in miniature.
    """
    import logging

    from zfxxgk.demo.__main__ import write_outputs
    from zfxxgk.demo.server import Network
    from zfxxgk.demo.sites import demo_sites

    from .cycle import CycleConfig, run_cycle

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    paths = Paths(data)
    net = Network(demo_sites(), base_port=port_base).start()
    write_outputs(net, data / "demo")
    click.echo(f"demo portals on 127.0.0.1:{port_base}-{port_base + len(net.sites) - 1} "
               f"(registry {data / 'demo' / 'portals.csv'}); crawling ...")
    try:
        result = run_cycle(CycleConfig(paths=paths, portals=data / "demo" / "portals.csv", delay=0, trigger="demo"))
        click.echo(f"cycle {result.status}: {result.message}")
        from .status import print_reports

        print_reports(paths.db)
        if serve and paths.published.exists():
            from .serve import serve_datasette

            serve_datasette(db=paths.published, archive=paths.archive, host="127.0.0.1", port=port,
                            immutable=True, replace_process=False)
        sys.exit(result.exit_code)
    finally:
        net.stop()


def main():  # pragma: no cover - console entry point
    cli()


if __name__ == "__main__":  # pragma: no cover
    cli()
