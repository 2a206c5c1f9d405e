"""Every command works from any working directory, including one that holds folders named like
the project's own (the crawl's data layout has an `archive/`; a user's project may have a
`pipelines/` or `scraper/`).

The project is installed as one namespace (`zfxxgk.archive`, `zfxxgk.pipelines`,
`zfxxgk.scraper`, `zfxxgk.demo`), so nothing in the working directory can shadow it. The
decoy folders here are packages that end the process if they are ever imported, and every
command is run the way that puts the working directory first on sys.path (`python -m`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import DemoNetwork, ROOT, SAMPLES, free_port, wait_for

SHADOWS = ("archive", "pipelines", "scraper", "demo", "scheduler")


@pytest.fixture(scope="module")
def cwd(tmp_path_factory) -> Path:
    here = tmp_path_factory.mktemp("shadowed")
    for name in SHADOWS:
        (here / name).mkdir()
        (here / name / "__init__.py").write_text(
            f'raise SystemExit("imported {name}/ from the working directory")\n', encoding="utf-8")
    return here


def run(cwd: Path, *args: str, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=env)


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "from the working directory" not in result.stdout + result.stderr
    return result


def test_parse_status_reparse_and_crawl_from_a_shadowed_directory(cwd, tmp_path):
    sample = SAMPLES / "sh_govoffice_2019.html"
    assert '"agency": "上海市人民政府办公厅"' in ok(run(cwd, "-m", "zfxxgk.cli", "parse", str(sample))).stdout
    net = DemoNetwork(tmp_path / "demo")
    try:
        db, archive = tmp_path / "zfxxgk.db", tmp_path / "archive"
        crawled = ok(run(cwd, "-m", "zfxxgk.cli", "crawl", "--portals", str(net.registry), "--only", "demo_hanweb",
                         "--db", str(db), "--archive", str(archive), "--delay", "0"))
        assert "6 new reports" in crawled.stdout
        assert "run    1" in ok(run(cwd, "-m", "zfxxgk.cli", "status", "--db", str(db))).stdout
        assert "re-parsed" in ok(run(cwd, "-m", "zfxxgk.cli", "reparse", "--db", str(db), "--archive", str(archive))).stdout
        env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "zfxxgk.scraper.settings"}
        assert ok(run(cwd, "-m", "scrapy", "list", env=env)).stdout.split() == ["portals"]
    finally:
        net.stop()


def test_scheduler_and_demo_modules_from_a_shadowed_directory(cwd):
    assert "--once" in ok(run(cwd, str(ROOT / "scheduler.py"), "--help")).stdout
    assert "serve" in ok(run(cwd, "-m", "zfxxgk.demo", "--help")).stdout


def test_serve_from_a_directory_holding_an_archive_folder_any_file_name(cwd, tmp_path):
    from zfxxgk.pipelines.db import ensure_schema, open_db

    db = tmp_path / "archive-2026-12.db"  # Datasette still calls it zfxxgk, as the configuration does
    ensure_schema(open_db(db))
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "zfxxgk.cli", "serve", "--db", str(db), "--archive",
                             str(tmp_path / "archive"), "--port", str(port)], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        def answers():
            if proc.poll() is not None:
                raise AssertionError(f"serve exited {proc.returncode}: {proc.stdout.read()[-3000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/zfxxgk/portals.json", timeout=2) as r:
                    return r.status == 200
            except OSError:
                return False

        wait_for(answers, timeout=60)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)

