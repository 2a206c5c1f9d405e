"""Serving the archive with Datasette 0.65 and the configuration in datasette/."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

CONFIG_DIR = Path(os.environ.get("ZFXXGK_DATASETTE_DIR", Path(__file__).resolve().parent.parent / "datasette"))

# Published instance limits: every query is cut at 3 s and 2000 rows; facets that would scan
# millions of cells are not suggested. CSV with _stream=on pages through a whole table (the bulk
# download, since the database file itself is not offered) up to 100 MB, each page a query of its
# own; the plugins add the rest (zfxxgk_limits: values and results; zfxxgk_response_cap: 100 MB
# and 120 s per response).
SETTINGS = {
    "sql_time_limit_ms": 3000,
    "max_returned_rows": 2000,
    "facet_time_limit_ms": 500,
    "suggest_facets": "off",
    "default_page_size": 50,
    "num_sql_threads": 4,
    # the published copy is immutable and checked: offered whole (Datasette offers only immutable ones)
    "allow_download": "on",
    "max_csv_mb": 100,
}


DATABASE_NAME = "zfxxgk"  # metadata.yml, the canned queries and the dashboards refer to it


def metadata() -> dict:
    """datasette/metadata.yml as Datasette reads it: the canned queries, tables, facets, plugins."""
    import yaml

    return yaml.safe_load((CONFIG_DIR / "metadata.yml").read_text(encoding="utf-8"))


def served_path(db: Path) -> Path:
    """The path Datasette is given for a database file of any name.

    Datasette names a database after its file, and the configuration (metadata, canned
    queries, dashboards) names it `zfxxgk`; a file of another name is served through a
    symbolic link of that name beside it (`.datasette/zfxxgk.db`). SQLite follows the link,
    so the WAL is the file's own and a running crawl's writes are seen.
    """
    db = Path(db).resolve()
    if db.stem == DATABASE_NAME:
        return db
    link = db.parent / ".datasette" / f"{DATABASE_NAME}.db"
    link.parent.mkdir(exist_ok=True)
    if not (link.is_symlink() and Path(os.readlink(link)) == db):
        tmp = link.with_name(f".{link.name}.{os.getpid()}")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(db)
        os.replace(tmp, link)
    return link


def datasette_args(db: Path, *, host: str = "127.0.0.1", port: int = 8001, immutable: bool = False,
                   inspect_file: Path | None = None, exports: Path | None = None) -> list[str]:
    # -P: the working directory is not put on sys.path (nothing there can shadow a module)
    args = [sys.executable, "-P", "-m", "datasette", "serve",
            *(["--immutable", str(db)] if immutable else [str(db)]),
            "--metadata", str(CONFIG_DIR / "metadata.yml"),
            "--plugins-dir", str(CONFIG_DIR / "plugins"),
            "--template-dir", str(CONFIG_DIR / "templates"),
            "--static", f"assets:{CONFIG_DIR / 'static'}",
            "--host", host, "--port", str(port)]
    if inspect_file and inspect_file.exists():
        args += ["--inspect-file", str(inspect_file)]
    if exports and exports.is_dir():  # the bulk CSV files publishing writes beside the copy
        args += ["--static", f"exports:{exports}"]
    for k, v in SETTINGS.items():
        args += ["--setting", k, str(v)]
    return args


def datasette_env(archive: Path) -> dict:
    return {**os.environ, "ZFXXGK_ARCHIVE": str(Path(archive).resolve())}


# Signals that stop the server: systemd and kill (TERM), Ctrl-C (INT), a closed terminal (HUP).
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)

# The child's first code on Linux: have the kernel SIGTERM it when its parent dies, even by
# SIGKILL (PR_SET_PDEATHSIG, kept across exec), then become Datasette. Done here rather than
# in a preexec_fn, which is unsafe in a process with threads (the demo serves its portals from
# threads). If the parent is already gone, nobody would stop the child: it does not start.
DIE_WITH_PARENT = """\
import ctypes, os, sys
ctypes.CDLL(None, use_errno=True).prctl(1, 15)  # PR_SET_PDEATHSIG, SIGTERM
if os.getppid() != int(sys.argv[1]):
    sys.exit(1)
os.execv(sys.argv[2], sys.argv[2:])
"""


def child_args(args: list[str]) -> list[str]:
    if not sys.platform.startswith("linux"):
        return args
    return [sys.executable, "-c", DIE_WITH_PARENT, str(os.getpid()), *args]


def serve_datasette(*, db: Path, archive: Path, host: str, port: int, immutable: bool = False,
                    replace_process: bool = True) -> int:
    """Run Datasette in the foreground until interrupted.

    replace_process: become the Datasette process (exec), so signals reach it directly and no
    process of ours is left to outlive it; otherwise run it as a child (the demo keeps its
    portals running in this process meanwhile), which SIGTERM, SIGINT and SIGHUP stop with us,
    and which dies with us if we are killed outright.
    """
    from zfxxgk.pipelines.db import ensure_schema, open_db

    exports = Path(db).resolve().parent / "exports"
    db = served_path(db)
    if not immutable:  # a published copy was migrated before it was published, and is never written
        ensure_schema(open_db(db))
    args = datasette_args(db, host=host, port=port, immutable=immutable, exports=exports)
    print(f"serving {db} on http://{host}:{port}/ (Ctrl-C to stop)", flush=True)
    if replace_process:
        os.execve(args[0], args, datasette_env(archive))

    def stop(signum, frame):  # every stop signal ends us as Ctrl-C does, child included
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, stop) for sig in STOP_SIGNALS}  # before the child exists
    child = None
    try:
        child = subprocess.Popen(child_args(args), env=datasette_env(archive))
        return child.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if child is not None and child.poll() is None:
            for sig in STOP_SIGNALS:  # a second signal while it shuts down: kill it at once
                signal.signal(sig, lambda signum, frame: child.kill())
            child.terminate()
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
