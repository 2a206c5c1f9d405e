"""`zfxxgk serve` as a real process on 127.0.0.1, measured with psutil.

- Oversized queries are refused at once and the server stays small: unlimited, one
  `select zeroblob(100000000)` took it from 60 MB to 3 GB and stalled every other request for 8 s.
- SIGTERM, SIGINT and SIGHUP leave no process behind, in both ways of serving: `zfxxgk serve`
  (Datasette replaces the process) and the child mode `zfxxgk demo` uses, where a SIGKILL of the
  parent must take Datasette along too. The process tree is captured before the signal.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import psutil
import pytest

from tests.conftest import ROOT, free_port, wait_for

from .conftest import build_archive

pytestmark = pytest.mark.slow

# serve_datasette(replace_process=False), as `zfxxgk demo` runs it, in a process of its own
CHILD_MODE = ("import sys; from pathlib import Path; from zfxxgk.serve import serve_datasette; "
              "sys.exit(serve_datasette(db=Path(sys.argv[1]), archive=Path(sys.argv[2]), host='127.0.0.1', "
              "port=int(sys.argv[3]), replace_process=False))")



class Server:
    def __init__(self, archive: dict, mode: str, log):
        self.port = free_port()
        args = (str(archive["db"]), str(archive["archive"]), str(self.port))
        cmd = ([sys.executable, "-m", "zfxxgk.cli", "serve", "--db", args[0], "--archive", args[1], "--port", args[2]]
               if mode == "exec" else [sys.executable, "-c", CHILD_MODE, *args])
        # started as a user starts it: run under nohup, the server would inherit an ignored SIGHUP
        hup = signal.signal(signal.SIGHUP, signal.SIG_DFL)
        try:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        finally:
            signal.signal(signal.SIGHUP, hup)
        self.tree: list[psutil.Process] = []
        wait_for(lambda: self.get("/-/versions.json", timeout=1)[0] == 200 or self.proc.poll() is not None, timeout=60)
        assert self.proc.poll() is None, "zfxxgk serve did not start"
        root = psutil.Process(self.proc.pid)
        self.tree = [root, *root.children(recursive=True)]

    def get(self, path: str, timeout: float = 30) -> tuple[int | str, int, float]:
        """(status, body length, seconds); status "down" when nothing answers."""
        start = time.monotonic()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=timeout) as r:
                return r.status, len(r.read()), time.monotonic() - start
        except urllib.error.HTTPError as e:
            return e.code, len(e.read()), time.monotonic() - start
        except OSError:
            return "down", 0, time.monotonic() - start

    def alive(self) -> list[psutil.Process]:
        def running(p):
            try:
                return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
            except psutil.NoSuchProcess:
                return False
        return [p for p in self.tree if running(p)]

    def kill_all(self) -> None:
        for p in [*self.alive(), *([psutil.Process(self.proc.pid)] if self.proc.poll() is None else [])]:
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        if self.proc.poll() is None:
            self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return build_archive(tmp_path_factory.mktemp("serve"))


@pytest.fixture
def start(archive, tmp_path):
    servers = []

    def start_server(mode: str) -> Server:
        log = open(tmp_path / f"serve-{len(servers)}.log", "wb")
        servers.append((Server(archive, mode, log), log))
        return servers[-1][0]

    yield start_server
    for server, log in servers:
        server.kill_all()
        log.close()


def sql(query: str) -> str:
    return "/zfxxgk.json?sql=" + urllib.parse.quote(query)


OVERSIZED = [sql("select zeroblob(100000000)"), sql("select hex(zeroblob(50000000))"),
             sql("select replace(hex(zeroblob(20000000)), '0', 'xyz')"),
             sql("with recursive n(i) as (select 1 union all select i + 1 from n limit 2001) "
                 "select zeroblob(3000000) from n")]


def test_oversized_queries_are_refused_at_once_and_the_server_stays_small(start):
    server = start("exec")
    process = server.tree[0]
    assert "datasette" in " ".join(process.cmdline())
    before = process.memory_info().rss
    peak, done = [before], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], process.memory_info().rss)
            done.wait(0.01)

    results = []

    def attack(path):
        for _ in range(5):
            results.append(server.get(path))

    sampler = threading.Thread(target=sample)
    attackers = [threading.Thread(target=attack, args=(path,)) for path in OVERSIZED]  # 4 at once: every SQL thread
    sampler.start()
    for t in attackers:
        t.start()
    light = []
    while True:  # another request, answered meanwhile
        light.append(server.get("/zfxxgk/reports.json?_size=1"))
        if not any(t.is_alive() for t in attackers):
            break
    for t in attackers:
        t.join()
    done.set()
    sampler.join()
    assert len(results) == 20 and all(status == 400 and seconds < 2 for status, _, seconds in results), results
    assert all(status == 200 and seconds < 1 for status, _, seconds in light), light
    assert peak[0] < 300 * 2**20 and peak[0] - before < 150 * 2**20, (before >> 20, peak[0] >> 20)


@pytest.mark.parametrize("mode, sig", [
    ("exec", signal.SIGTERM), ("exec", signal.SIGINT), ("exec", signal.SIGHUP),
    ("child", signal.SIGTERM), ("child", signal.SIGINT), ("child", signal.SIGHUP), ("child", signal.SIGKILL),
])
def test_a_stop_signal_leaves_no_process_behind(start, mode, sig):
    server = start(mode)
    names = [" ".join(p.cmdline()) for p in server.tree]
    assert any("-m datasette serve" in n for n in names), names
    assert len(server.tree) == (1 if mode == "exec" else 2), names
    server.proc.send_signal(sig)
    server.proc.wait(timeout=30)
    wait_for(lambda: not server.alive(), timeout=30)
    assert server.get("/-/versions.json", timeout=1)[0] == "down"
