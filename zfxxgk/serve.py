"""Serving the archive with Datasette 0.65 and the configuration in datasette/."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

CONFIG_DIR = Path(os.environ.get("ZFXXGK_DATASETTE_DIR", Path(__file__).resolve().parent.parent / "datasette"))

# Published instance limits: every query is cut at 3 s and 2000 rows; facets that would scan
# millions of cells are not suggested.
SETTINGS = {
    "sql_time_limit_ms": 3000,
    "max_returned_rows": 2000,
    "facet_time_limit_ms": 500,
    "suggest_facets": "off",
    "default_page_size": 50,
    "num_sql_threads": 4,
    "allow_download": "off",
}


DATABASE_NAME = "zfxxgk"  # metadata.yml, the canned queries and the dashboards refer to it


class ServeError(ValueError):
    pass


def check_db_name(db: Path) -> None:
    """Datasette names a database after its file: the configuration expects zfxxgk.db."""
    if Path(db).stem != DATABASE_NAME:
        raise ServeError(f"the database file must be named {DATABASE_NAME}.db (got {Path(db).name}): "
                         "Datasette names databases after their file, and the configuration expects that name")


def datasette_args(db: Path, *, host: str = "127.0.0.1", port: int = 8001, immutable: bool = False,
                   inspect_file: Path | None = None) -> list[str]:
    args = [sys.executable, "-m", "datasette", "serve",
            *(["--immutable", str(db)] if immutable else [str(db)]),
            "--metadata", str(CONFIG_DIR / "metadata.yml"),
            "--plugins-dir", str(CONFIG_DIR / "plugins"),
            "--template-dir", str(CONFIG_DIR / "templates"),
            "--host", host, "--port", str(port)]
    if inspect_file and inspect_file.exists():
        args += ["--inspect-file", str(inspect_file)]
    for k, v in SETTINGS.items():
        args += ["--setting", k, str(v)]
    return args


def datasette_env(archive: Path) -> dict:
    return {**os.environ, "ZFXXGK_ARCHIVE": str(Path(archive).resolve())}


def serve_datasette(*, db: Path, archive: Path, host: str, port: int, immutable: bool = False,
                    replace_process: bool = True) -> int:
    """Run Datasette in the foreground until interrupted.

    replace_process: become the Datasette process (exec), so signals reach it directly;
    otherwise run it as a child and stop it when interrupted (the demo keeps its portals
    running in this process meanwhile).
    """
    from pipelines.db import ensure_schema, open_db

    check_db_name(db)
    if not immutable:  # a published copy was migrated before it was published, and is never written
        ensure_schema(open_db(db))
    args = datasette_args(db, host=host, port=port, immutable=immutable)
    print(f"serving {db} on http://{host}:{port}/ (Ctrl-C to stop)", flush=True)
    if replace_process:
        os.execve(args[0], args, datasette_env(archive))
    child = subprocess.Popen(args, env=datasette_env(archive))

    def stop(signum, frame):  # SIGTERM (systemd, kill) ends us as Ctrl-C does, child included
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        return child.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
