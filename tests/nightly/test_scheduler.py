"""The nightly operation: schedule, lock, alarms, publishing, SIGTERM, and the whole cycle.

Time is controlled where the schedule is tested (freezegun), never waited for; crawls run
for real against the demo portals.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from freezegun import freeze_time

import scheduler
from pipelines.db import ensure_schema, open_db
from tests.conftest import ROOT, DemoNetwork, wait_for, zfxxgk
from zfxxgk.health import alarms
from zfxxgk.lock import LockBusy, RunLock, holder

SHANGHAI = ZoneInfo("Asia/Shanghai")


# -- the schedule ---------------------------------------------------------------------------------

def test_cron_trigger_is_2am_shanghai_by_default_and_configurable():
    trigger = scheduler.trigger_from(None, None, "Asia/Shanghai")
    at = trigger.get_next_fire_time(None, datetime(2026, 11, 29, 1, 0, tzinfo=SHANGHAI))
    assert at == datetime(2026, 11, 29, 2, 0, tzinfo=SHANGHAI)
    after = trigger.get_next_fire_time(None, datetime(2026, 11, 29, 2, 0, 1, tzinfo=SHANGHAI))
    assert after == datetime(2026, 11, 30, 2, 0, tzinfo=SHANGHAI)
    assert at.astimezone(timezone.utc).hour == 18  # 02:00 in Shanghai is 18:00 UTC the day before
    custom = scheduler.trigger_from("03:30", None, "Asia/Shanghai")
    assert custom.get_next_fire_time(None, datetime(2026, 11, 29, 4, 0, tzinfo=SHANGHAI)) == \
        datetime(2026, 11, 30, 3, 30, tzinfo=SHANGHAI)
    weekdays = scheduler.trigger_from(None, "0 2 * * 1-5", "Asia/Shanghai")  # overrides --at
    assert weekdays.get_next_fire_time(None, datetime(2026, 11, 28, 12, 0, tzinfo=SHANGHAI)) == \
        datetime(2026, 11, 30, 2, 0, tzinfo=SHANGHAI)  # Saturday -> Monday
    # crontab's day numbers (0 = Sunday), not APScheduler's (0 = Monday)
    assert scheduler.cron_day_of_week("1-5") == "mon,tue,wed,thu,fri"
    assert scheduler.cron_day_of_week("0,6") == scheduler.cron_day_of_week("6,7") == "sun,sat"
    assert scheduler.cron_day_of_week("*/2") == "sun,tue,thu,sat"


def test_job_fires_at_the_configured_time_and_the_store_keeps_one_job(tmp_path, monkeypatch):
    fired: list[datetime] = []
    monkeypatch.setattr(scheduler, "nightly", lambda config: fired.append(datetime.now(SHANGHAI)))
    jobs = tmp_path / "jobs.sqlite"
    # frozen 0.5 s before 02:00 Shanghai, then ticking: the job must run at 02:00, not before
    with freeze_time(datetime(2026, 11, 29, 1, 59, 59, 500000, tzinfo=SHANGHAI), tick=True):
        sched = scheduler.build_scheduler({"data": str(tmp_path)}, scheduler.trigger_from("02:00", None, "Asia/Shanghai"),
                                          jobs, scheduler_cls=BackgroundScheduler)
        sched.start()
        try:
            job = sched.get_job(scheduler.JOB_ID)
            assert job.next_run_time == datetime(2026, 11, 29, 2, 0, tzinfo=SHANGHAI)
            assert (job.max_instances, job.coalesce, job.misfire_grace_time) == (1, True, 6 * 3600)
            wait_for(lambda: fired, timeout=10)
        finally:
            sched.shutdown(wait=True)
    assert len(fired) == 1 and fired[0] >= datetime(2026, 11, 29, 2, 0, tzinfo=SHANGHAI)
    # a restart replaces the job under its fixed id: still exactly one
    for _ in range(2):
        again = scheduler.build_scheduler({"data": str(tmp_path)}, scheduler.trigger_from("02:00", None, "Asia/Shanghai"),
                                          jobs, scheduler_cls=BackgroundScheduler)
        again.start(paused=True)
        assert [j.id for j in again.get_jobs()] == [scheduler.JOB_ID]
        again.shutdown(wait=False)
    assert sqlite3.connect(jobs).execute("SELECT count(*) FROM apscheduler_jobs").fetchone()[0] == 1


# -- one cycle at a time ---------------------------------------------------------------------------

def test_second_cycle_or_crawl_cannot_start_while_one_runs(tmp_path):
    with RunLock(tmp_path / "zfxxgk.lock", "cycle"):
        once = subprocess.run([sys.executable, "scheduler.py", "--once", "--data", str(tmp_path)], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
        assert once.returncode == 2 and "another crawl or cycle is running" in once.stdout
        crawl = zfxxgk("crawl", "--db", tmp_path / "zfxxgk.db", "--archive", tmp_path / "archive")
        assert crawl.returncode == 2 and "another crawl or cycle is running" in crawl.stderr
        with pytest.raises(LockBusy):
            with RunLock(tmp_path / "zfxxgk.lock"):
                pass
        assert "cycle pid" in holder(tmp_path / "zfxxgk.lock")


def test_killed_holder_frees_the_lock(tmp_path):
    lock = tmp_path / "zfxxgk.lock"
    child = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from zfxxgk.lock import RunLock\n"
        f"with RunLock(__import__('pathlib').Path({str(lock)!r}), 'cycle'):\n"
        "    print('held', flush=True); time.sleep(120)")], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "held"
    assert holder(lock) is not None
    with pytest.raises(LockBusy):
        RunLock(lock).__enter__()
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert holder(lock) is None
    with RunLock(lock):
        pass


# -- alarms ----------------------------------------------------------------------------------------

def test_portal_failing_three_nights_raises_an_alarm_in_status(tmp_path):
    net = DemoNetwork(tmp_path / "demo")
    try:
        rows = net.registry.read_text(encoding="utf-8").splitlines()
        registry = tmp_path / "two.csv"
        registry.write_text("\n".join([rows[0]] + [r for r in rows if r.startswith(("demo_trs,", "demo_broken,"))]) + "\n",
                            encoding="utf-8")
        db = tmp_path / "zfxxgk.db"
        for night in (1, 2, 3):
            run = zfxxgk("crawl", "--portals", registry, "--db", db, "--archive", tmp_path / "archive",
                         "--delay", "0", "--log-level", "ERROR")
            assert run.returncode == 0, run.stdout + run.stderr  # a partial run is not a failed run
            status = zfxxgk("status", "--db", db)
            if night < 3:
                assert status.returncode == 0, status.stdout
                assert "no alarms" in status.stdout
        assert status.returncode == 1
        assert "[failing] demo_broken: failed 3 runs in a row (HTTP 500" in status.stdout
        assert "demo_trs" not in status.stdout.split("ALARMS")[1]
    finally:
        net.stop()


def _health_db(tmp_path, found: list[int], statuses: list[str], finished: str = "2026-11-29T02:10:00Z"):
    db = open_db(tmp_path / "zfxxgk.db")
    ensure_schema(db)
    db["portals"].insert({"id": "p1", "name": "某县人民政府"})
    for i, (n, st) in enumerate(zip(found, statuses), start=1):
        db["crawl_runs"].insert({"id": i, "started_at": finished, "finished_at": finished, "status": "ok"})
        db["portal_runs"].insert({"run_id": i, "portal_id": "p1", "status": st, "reports_found": n})
    return db


def test_portal_that_stops_yielding_reports_is_an_alarm(tmp_path):
    db = _health_db(tmp_path, [12, 12, 0], ["ok", "ok", "empty"])
    now = datetime(2026, 11, 29, 8, tzinfo=timezone.utc)
    found = alarms(db, now=now)
    assert [(a.kind, a.portal) for a in found] == [("stopped_yielding", "p1")]
    assert "12 report links before, none in the last run" in found[0].message


def test_silence_is_an_alarm(tmp_path):
    db = _health_db(tmp_path, [5], ["ok"], finished="2026-11-27T02:10:00Z")
    assert [a.kind for a in alarms(db, now=datetime(2026, 11, 29, 8, tzinfo=timezone.utc))] == ["silence"]
    assert alarms(db, now=datetime(2026, 11, 27, 8, tzinfo=timezone.utc)) == []


# -- cycles ----------------------------------------------------------------------------------------

@pytest.fixture
def demo(tmp_path):
    """A demo network and an empty data folder; the network is stopped afterwards."""
    net = DemoNetwork(tmp_path / "demo")
    yield net, tmp_path / "data"
    net.stop()


def _spawn_once(data: Path, registry: Path, delay: float, **kwargs) -> subprocess.Popen:
    """`python scheduler.py --once` in the background."""
    return subprocess.Popen([sys.executable, "scheduler.py", "--once", "--data", str(data), "--portals", str(registry),
                             "--delay", str(delay)], cwd=ROOT, **kwargs)


def _once(data: Path, registry: Path) -> subprocess.CompletedProcess:
    proc = _spawn_once(data, registry, 0, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out, _ = proc.communicate(timeout=300)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, "")


def test_scheduler_once_crawls_parses_publishes_then_adds_nothing(demo):
    net, data = demo
    first = _once(data, net.registry)
    assert first.returncode == 0, first.stdout[-3000:]
    published = data / "published" / "zfxxgk.db"
    conn = sqlite3.connect(published)
    assert conn.execute("SELECT count(*) FROM reports").fetchone()[0] == len(net.manifest["reports"])
    assert conn.execute("SELECT count(*) FROM report_search").fetchone()[0] == len(net.manifest["reports"])
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    indexes = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "report_cells_by_key" in indexes  # built for readers at publish time only
    working = sqlite3.connect(data / "zfxxgk.db")
    assert "report_cells_by_key" not in {n for (n,) in working.execute("SELECT name FROM sqlite_master")}
    working.close()
    conn.close()
    stamp = published.stat().st_ino, published.stat().st_mtime_ns
    second = _once(data, net.registry)
    assert second.returncode == 0, second.stdout[-3000:]
    assert "nothing new" in second.stdout and "the published copy is unchanged" in second.stdout
    assert (published.stat().st_ino, published.stat().st_mtime_ns) == stamp
    conn = sqlite3.connect(data / "zfxxgk.db")
    assert conn.execute("SELECT status FROM cycles ORDER BY id").fetchall() == [("ok",), ("nothing_new",)]
    assert conn.execute("SELECT count(*) FROM reports").fetchone()[0] == len(net.manifest["reports"])
    assert (data / "logs" / "zfxxgk.log").read_text(encoding="utf-8").count("cycle ok") == 1


def test_sigterm_stops_a_cycle_cleanly_and_the_next_one_completes(demo):
    net, data = demo
    proc = _spawn_once(data, net.registry, 0.5, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db_path = data / "zfxxgk.db"

    def reports_stored():
        try:
            c = sqlite3.connect(db_path, timeout=5)
            return c.execute("SELECT count(*) FROM reports").fetchone()[0] >= 2
        except sqlite3.Error:
            return False
    wait_for(reports_stored, timeout=120)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=120) == 143
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT status, message FROM cycles").fetchone()[0] == "interrupted"
    assert conn.execute("SELECT status, finish_reason FROM crawl_runs").fetchone() == ("aborted", "shutdown")
    assert not (data / "published" / "zfxxgk.db").exists()  # nothing published from a stopped cycle
    assert holder(data / "zfxxgk.lock") is None
    conn.close()
    again = _once(data, net.registry)
    assert again.returncode == 0, again.stdout[-3000:]
    conn = sqlite3.connect(data / "published" / "zfxxgk.db")
    urls = [u for (u,) in conn.execute("SELECT url FROM reports")]
    assert sorted(urls) == sorted(r["url"] for r in net.manifest["reports"])


def test_datasette_keeps_serving_the_previous_copy_while_a_cycle_writes(demo):
    net, data = demo
    assert _once(data, net.registry).returncode == 0
    port = _free_port()
    serve = subprocess.Popen([sys.executable, "-m", "zfxxgk.cli", "serve", "--db", str(data / "published" / "zfxxgk.db"),
                              "--archive", str(data / "archive"), "--port", str(port), "--immutable"], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env={**os.environ, "ZFXXGK_RELOAD_SECONDS": "0.5"})
    url = f"http://127.0.0.1:{port}/zfxxgk.json?sql=select+count(*)+as+n+from+reports&_shape=array"

    def count():
        import json

        return json.loads(urllib.request.urlopen(url, timeout=5).read())[0]["n"]
    wait_for(lambda: _answers(url), timeout=60)
    before = count()
    assert before == len(net.manifest["reports"])
    # a corrected re-publication, then a cycle that re-checks every report (slowly)
    trs = net.port("demo_trs")
    target = next(r for r in net.manifest["reports"] if r["portal"] == "demo_trs" and r["year"] == 2021)
    urllib.request.urlopen(urllib.request.Request(
        f"http://127.0.0.1:{trs}/__demo__/republish?path={target['url'].split(str(trs), 1)[1]}", method="POST"))
    cycle = _spawn_once(data, net.registry, 0.2, stdout=subprocess.DEVNULL,
                        env={**os.environ, "ZFXXGK_RECHECK_DAYS": "0"})
    seen_during = []
    while cycle.poll() is None:
        seen_during.append(count())  # every answer during the cycle: the old copy, whole
        time.sleep(0.2)
    assert cycle.returncode == 0
    assert len(seen_during) >= 3 and set(seen_during) == {before}
    wait_for(lambda: count() == before + 1, timeout=30)  # the new copy, once swapped in
    serve.terminate()
    serve.wait(timeout=20)


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2)
        return True
    except OSError:
        return False


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
