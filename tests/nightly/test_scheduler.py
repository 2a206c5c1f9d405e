"""The nightly operation: schedule, lock, alarms, publishing, SIGTERM, and the whole cycle.

Nothing here depends on how fast the machine is. Time is controlled where the schedule is
tested (freezegun, frozen: the test moves the clock and waits for the scheduler's pass at
that time), never waited for. Crawls run for real against the demo portals; where a test
must act while a cycle is in a given state, it waits for that state to be observable (the
cycle's current step in its `cycles` row, a report row, a line of the crawl's log) and holds
the cycle there with a portal that answers only when the test lets it. Timeouts only bound a
hang; no test sleeps and hopes.
"""

from __future__ import annotations

import csv
import json
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import urllib.request
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_SUBMITTED
from apscheduler.schedulers.background import BackgroundScheduler
from freezegun import freeze_time

from zfxxgk import schedule as scheduler
from zfxxgk.pipelines.db import ensure_schema, open_db
from tests.conftest import DemoNetwork, ROOT, free_port, wait_for, zfxxgk
from zfxxgk.health import alarms
from zfxxgk.lock import LockBusy, RunLock, holder

SHANGHAI = ZoneInfo("Asia/Shanghai")
HANG = 300  # seconds: only ever the bound on a hang, never a duration a test relies on


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


class SteppedScheduler(BackgroundScheduler):
    """The production main loop (BlockingScheduler's, in a thread), made observable.

    Each pass over the job store reports the time it saw. A pass holds `clock`, and the test
    moves the (frozen) clock only while holding it, so a pass sees one time from its start to
    its end, and the test knows when the scheduler has looked at a given time.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.clock = threading.Lock()
        self.passes: queue.SimpleQueue = queue.SimpleQueue()

    def _process_jobs(self):
        with self.clock:
            now = datetime.now(SHANGHAI)
            wait_seconds = super()._process_jobs()
        self.passes.put(now)
        return wait_seconds


def test_job_fires_at_the_configured_time_and_the_store_keeps_one_job(tmp_path, monkeypatch):
    fired: list[datetime] = []
    monkeypatch.setattr(scheduler, "nightly", lambda config: fired.append(datetime.now(SHANGHAI)))
    jobs = tmp_path / "jobs.sqlite"
    config = {"data": str(tmp_path)}
    two_am, next_two_am = datetime(2026, 11, 29, 2, 0, tzinfo=SHANGHAI), datetime(2026, 11, 30, 2, 0, tzinfo=SHANGHAI)

    def build() -> tuple[SteppedScheduler, list[datetime], queue.SimpleQueue]:
        built = scheduler.build_scheduler(config, scheduler.trigger_from("02:00", None, "Asia/Shanghai"), jobs,
                                          scheduler_cls=SteppedScheduler)
        submitted, executed = [], queue.SimpleQueue()
        built.add_listener(lambda e: submitted.extend(e.scheduled_run_times), EVENT_JOB_SUBMITTED)
        built.add_listener(lambda e: executed.put(e.scheduled_run_time), EVENT_JOB_EXECUTED)
        return built, submitted, executed

    def look_at(sched: SteppedScheduler, when: datetime) -> None:
        """Set the clock to `when`, wake the scheduler, and wait until it has looked at `when`."""
        with sched.clock:
            clock.move_to(when)
        sched.wakeup()
        try:
            while sched.passes.get(timeout=HANG) != when:
                pass  # a pass that saw an earlier time
        except queue.Empty:
            raise AssertionError(f"the scheduler never looked at {when}") from None

    # Frozen, not ticking: however long building and starting take, the scheduler sees the
    # times the test gives it, and nothing else.
    with freeze_time(datetime(2026, 11, 29, 1, 59, 59, tzinfo=SHANGHAI)) as clock:
        sched, submitted, executed = build()
        sched.start()
        try:
            job = sched.get_job(scheduler.JOB_ID)
            assert job.next_run_time == two_am
            assert (job.max_instances, job.coalesce, job.misfire_grace_time) == (1, True, 6 * 3600)
            # not before: the last instant before 02:00 submits nothing
            look_at(sched, datetime(2026, 11, 29, 1, 59, 59, 999999, tzinfo=SHANGHAI))
            assert submitted == [] and fired == []
            # at 02:00: submitted for 02:00 (not for tomorrow), and run once
            look_at(sched, two_am)
            assert submitted == [two_am]
            try:
                assert executed.get(timeout=HANG) == two_am
            except queue.Empty:
                raise AssertionError("the job was submitted at 02:00 but never ran") from None
            assert fired == [two_am]
            assert sched.get_job(scheduler.JOB_ID).next_run_time == next_two_am
            # not twice: another pass at 02:00 and one an hour later submit nothing more
            look_at(sched, two_am)
            look_at(sched, datetime(2026, 11, 29, 3, 0, tzinfo=SHANGHAI))
            assert submitted == [two_am] and fired == [two_am]
        finally:
            sched.shutdown(wait=True)
        # Restarts (at 03:00, after the night's run) replace the job under its fixed id: still
        # exactly one, due tomorrow at 02:00, and a restart does not run tonight's cycle again.
        for _ in range(2):
            again, submitted, _executed = build()
            again.start()
            try:
                look_at(again, datetime(2026, 11, 29, 3, 0, tzinfo=SHANGHAI))
                assert [(j.id, j.next_run_time) for j in again.get_jobs()] == [(scheduler.JOB_ID, next_two_am)]
                assert submitted == []
            finally:
                again.shutdown(wait=True)
            assert sqlite3.connect(jobs).execute("SELECT count(*) FROM apscheduler_jobs").fetchone()[0] == 1
    assert fired == [two_am]


# -- one cycle at a time ---------------------------------------------------------------------------

def test_second_cycle_or_crawl_cannot_start_while_one_runs(tmp_path):
    with RunLock(tmp_path / "zfxxgk.lock", "cycle"):
        once = subprocess.run([sys.executable, "scheduler.py", "--once", "--data", str(tmp_path)], cwd=ROOT,
                              capture_output=True, text=True, timeout=HANG)
        assert once.returncode == 2 and "another crawl or cycle is running" in once.stdout
        crawl = zfxxgk("crawl", "--db", tmp_path / "zfxxgk.db", "--archive", tmp_path / "archive")
        assert crawl.returncode == 2 and "another crawl or cycle is running" in crawl.stderr
        with pytest.raises(LockBusy):
            with RunLock(tmp_path / "zfxxgk.lock"):
                pass
        assert "cycle pid" in holder(tmp_path / "zfxxgk.lock")


def test_killed_holder_frees_the_lock(tmp_path):
    lock = tmp_path / "zfxxgk.lock"
    # the child holds the lock until it is killed (it waits for its stdin, which stays open)
    child = subprocess.Popen([sys.executable, "-c", (
        "import sys; from zfxxgk.lock import RunLock\n"
        f"with RunLock(__import__('pathlib').Path({str(lock)!r}), 'cycle'):\n"
        "    print('held', flush=True); sys.stdin.read()")], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True)
    try:
        assert child.stdout.readline().strip() == "held"
        assert holder(lock) is not None
        with pytest.raises(LockBusy):
            RunLock(lock).__enter__()
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=HANG)
        child.stdin.close()
        child.stdout.close()
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
        alarm = next((line for line in status.stdout.splitlines() if "[failing] demo_broken:" in line), "")
        # the reason is the portal's first error: its robots.txt answers 500 (RFC 9309: nothing fetched)
        assert "failed 3 runs in a row (" in alarm and "HTTP 500" in alarm, status.stdout
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
    out, _ = proc.communicate(timeout=HANG)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, "")


class HeldPortal:
    """One more portal, on a port of its own, that answers only when the test lets it.

    Every request it gets waits for `release()`: a crawl that includes it cannot finish, so
    the test acts while the cycle is known to be crawling, however fast or slow the machine.
    (A held request must not time out meanwhile: crawls that include it get a download timeout
    as long as the test's bound on a hang.) Released, it answers a page with no report link.
    """

    def __init__(self):
        self.arrived = threading.Event()
        self._released = threading.Event()
        portal = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                portal.arrived.set()
                portal._released.wait(HANG)
                if self.path == "/robots.txt":
                    body, kind = b"User-agent: *\nDisallow:\n", "text/plain"
                else:
                    body = "<html><body><p>本站暂无内容</p></body></html>".encode()
                    kind = "text/html; charset=utf-8"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="held-portal", daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def registry(self, base: Path, out: Path) -> Path:
        """`base` (a registry CSV) with this portal added."""
        with open(base, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        rows.append({**{k: "" for k in rows[0]}, "id": "held", "name": "测试用暂停门户", "level": "county",
                     "region_code": "000000", "start_url": self.url, "render": "static"})
        with open(out, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        return out

    def release(self) -> None:
        self._released.set()

    def close(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()


class Output:
    """What a child process prints, read as it comes (so its pipe never fills up)."""

    def __init__(self, proc: subprocess.Popen):
        self.seen: list[str] = []
        self._lines: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._read, args=(proc.stdout,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            self._lines.put(line)
        self._lines.put(None)

    def wait_for(self, text: str, timeout: float = HANG) -> str:
        """The first line (from here on) that contains `text`."""
        try:
            while (line := self._lines.get(timeout=timeout)) is not None:
                self.seen.append(line)
                if text in line:
                    return line
        except queue.Empty:
            pass
        raise AssertionError(f"no line with {text!r} in the output:\n" + "".join(self.seen[-40:]))


def _cycle_step(db_path: Path) -> str | None:
    """The step the last cycle is in (crawl, reparse, index, publish), "done" once it finished."""
    try:
        conn = sqlite3.connect(db_path, timeout=HANG)
        try:
            row = conn.execute("SELECT status, steps FROM cycles ORDER BY id DESC LIMIT 1").fetchone()
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return None  # not created yet
    if row is None:
        return None
    status, steps = row
    return json.loads(steps or "{}").get("current") if status == "running" else "done"


def _count(db_path: Path, table: str) -> int:
    try:
        conn = sqlite3.connect(db_path, timeout=HANG)
        try:
            return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return 0  # the database or the table is not there yet


def test_scheduler_once_crawls_parses_publishes_then_adds_nothing(demo):
    net, data = demo
    first = _once(data, net.registry)
    assert first.returncode == 0, first.stdout[-3000:]
    published = data / "published" / "zfxxgk.db"
    conn = sqlite3.connect(published)
    assert conn.execute("SELECT count(*) FROM report_sightings").fetchone()[0] == len(net.manifest["reports"])
    # every report indexed once (a report seen on two portals is one report)
    assert conn.execute("SELECT count(*) FROM report_search").fetchone()[0] == \
        conn.execute("SELECT count(*) FROM reports").fetchone()[0]
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
    assert [set(json.loads(steps)) for (steps,) in conn.execute("SELECT steps FROM cycles ORDER BY id")] == \
        [{"crawl", "reparse", "index", "publish"}, {"crawl", "reparse", "index"}]  # none left "current"
    assert conn.execute("SELECT count(*) FROM report_sightings").fetchone()[0] == len(net.manifest["reports"])
    assert (data / "logs" / "zfxxgk.log").read_text(encoding="utf-8").count("cycle ok") == 1


def test_sigterm_stops_a_cycle_cleanly_and_the_next_one_completes(demo, tmp_path):
    net, data = demo
    db_path = data / "zfxxgk.db"
    held = HeldPortal()
    proc = _spawn_once(data, held.registry(net.registry, tmp_path / "with-held.csv"), 0, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, env={**os.environ, "ZFXXGK_DOWNLOAD_TIMEOUT": str(HANG)})
    out = Output(proc)
    try:
        # The state to interrupt, waited for, not timed: the cycle is in its crawl step, the
        # crawl has stored reports, and it cannot have finished (the held portal has not answered).
        assert held.arrived.wait(HANG), "the crawl never asked the held portal"
        wait_for(lambda: _cycle_step(db_path) == "crawl" and _count(db_path, "reports") >= 2, timeout=HANG)
        proc.send_signal(signal.SIGTERM)
        out.wait_for("shutting down gracefully")  # the crawl got the signal passed on; its last request may end
        held.release()
        assert proc.wait(timeout=HANG) == 143
    finally:
        held.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    status, message, steps = conn.execute("SELECT status, message, steps FROM cycles").fetchone()
    assert status == "interrupted" and "during the crawl" in message
    assert set(json.loads(steps)) == {"crawl"}  # where it stopped; no step left "current"
    assert conn.execute("SELECT status, finish_reason FROM crawl_runs").fetchone() == ("aborted", "shutdown")
    assert not (data / "published" / "zfxxgk.db").exists()  # nothing published from a stopped cycle
    assert holder(data / "zfxxgk.lock") is None
    conn.close()
    again = _once(data, net.registry)
    assert again.returncode == 0, again.stdout[-3000:]
    conn = sqlite3.connect(data / "published" / "zfxxgk.db")
    urls = [u for (u,) in conn.execute("SELECT url FROM report_sightings")]
    assert sorted(urls) == sorted(r["url"] for r in net.manifest["reports"])


def test_datasette_keeps_serving_the_previous_copy_while_a_cycle_writes(demo, tmp_path):
    net, data = demo
    first = _once(data, net.registry)
    assert first.returncode == 0, first.stdout[-3000:]
    db_path = data / "zfxxgk.db"
    port = free_port()
    serve = subprocess.Popen([sys.executable, "-m", "zfxxgk.cli", "serve", "--db", str(data / "published" / "zfxxgk.db"),
                              "--archive", str(data / "archive"), "--port", str(port), "--immutable"], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env={**os.environ, "ZFXXGK_RELOAD_SECONDS": "0.5"})
    url = f"http://127.0.0.1:{port}/zfxxgk.json?sql=select+count(*)+as+n+from+reports&_shape=array"

    def count() -> int:
        # every question must be answered: a slow answer is waited for, only a hang fails
        return json.loads(urllib.request.urlopen(url, timeout=HANG).read())[0]["n"]

    held = HeldPortal()
    cycle = None
    try:
        wait_for(lambda: _answers(url), timeout=HANG)
        before = count()
        assert before == _count(db_path, "reports")  # the published copy holds what the crawl stored
        # a corrected re-publication, then a cycle that re-checks every report
        trs = net.port("demo_trs")
        target = next(r for r in net.manifest["reports"] if r["portal"] == "demo_trs" and r["year"] == 2021)
        urllib.request.urlopen(urllib.request.Request(
            f"http://127.0.0.1:{trs}/__demo__/republish?path={target['url'].split(str(trs), 1)[1]}", method="POST"),
            timeout=HANG)
        cycle = _spawn_once(data, held.registry(net.registry, tmp_path / "with-held.csv"), 0,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "ZFXXGK_RECHECK_DAYS": "0", "ZFXXGK_DOWNLOAD_TIMEOUT": str(HANG)})
        # 1. The cycle has written the corrected version into the working database, and it is
        #    held in its crawl: Datasette answers from the published copy, as it was.
        assert held.arrived.wait(HANG), "the crawl never asked the held portal"
        wait_for(lambda: _count(db_path, "reports") == before + 1, timeout=HANG)
        for _ in range(3):
            assert count() == before
        assert _cycle_step(db_path) == "crawl"
        # 2. Let it go on, and ask all along. An answer given before the cycle reached its
        #    publish step (the step is read after the answer) must be the old copy; any answer
        #    is one copy or the other, whole.
        held.release()
        answers: dict[str, set[int]] = {}
        while cycle.poll() is None:
            n = count()
            answers.setdefault(_cycle_step(db_path) or "?", set()).add(n)
        assert cycle.wait() == 0
        for step in ("crawl", "reparse", "index"):
            assert answers.get(step, {before}) == {before}, answers
        assert set().union(*answers.values()) <= {before, before + 1}, answers
        # 3. The new copy is served once swapped in (the watcher looks every 0.5 s).
        wait_for(lambda: count() == before + 1, timeout=HANG)
        status, steps = sqlite3.connect(db_path).execute(
            "SELECT status, steps FROM cycles ORDER BY id DESC LIMIT 1").fetchone()
        assert status == "ok" and set(json.loads(steps)) == {"crawl", "reparse", "index", "publish"}
    finally:
        held.close()
        if cycle is not None and cycle.poll() is None:
            cycle.kill()
            cycle.wait()
        serve.terminate()
        serve.wait(timeout=HANG)


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=HANG)
        return True
    except OSError:
        return False

