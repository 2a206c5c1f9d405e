"""The run lock across the cluster, a dead holder's lock, and the single-machine path without Celery."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from tests.cluster.conftest import HANG
from tests.conftest import ROOT, wait_for, zfxxgk
from zfxxgk.lock import RUN_KEY, ClusterLock, LockBusy, RunLock, holder, redis_client


def test_with_a_broker_the_run_lock_is_the_clusters(redis_server, tmp_path, monkeypatch):
    """A cycle holding the run lock on one machine keeps `zfxxgk crawl` from starting on any other
    (here: another data folder, so no flock could be what stops it)."""
    monkeypatch.setenv("ZFXXGK_BROKER", redis_server.url)
    registry = tmp_path / "portals.csv"
    registry.write_text("id,name,level,region_code,start_url\np1,某县人民政府,county,350300,http://127.0.0.2:9/\n",
                        encoding="utf-8")
    with RunLock(tmp_path / "a" / "zfxxgk.lock", "cycle"):
        assert holder(tmp_path / "elsewhere.lock").startswith(f"cycle pid {os.getpid()} on ")
        busy = zfxxgk("crawl", "--portals", registry, "--db", tmp_path / "b" / "zfxxgk.db",
                      "--archive", tmp_path / "b" / "archive", env={**os.environ})
        assert busy.returncode == 2
        assert busy.stderr.startswith("zfxxgk crawl: another crawl or cycle is running in the cluster: held by cycle pid")
        with pytest.raises(LockBusy):
            RunLock(tmp_path / "c" / "zfxxgk.lock", "crawl").__enter__()
    assert holder(tmp_path / "a" / "zfxxgk.lock") is None
    assert redis_server.client.get(RUN_KEY) is None


def test_a_dead_holders_lock_expires_and_a_waiter_takes_it(redis_server):
    key = "zfxxgk:lock:portal:test-dead"
    holder_code = ("import sys, time; from zfxxgk.lock import ClusterLock, redis_client; "
                   f"lock = ClusterLock(redis_client({redis_server.url!r}), {key!r}, 'doomed', ttl=2).__enter__(); "
                   "print('held', flush=True); time.sleep(600)")
    proc = subprocess.Popen([sys.executable, "-c", holder_code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        client = redis_client(redis_server.url)
        # alive, it renews the lock past its time to live
        wait_for(lambda: client.pttl(key) > 1500 and client.get(key).startswith(b"doomed"), timeout=HANG)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        with pytest.raises(LockBusy, match="held by doomed"):
            ClusterLock(client, key, "too early").__enter__()
        with ClusterLock(client, key, "successor", ttl=2, wait=HANG) as lock:
            assert client.get(key).decode() == lock.token and lock.token.startswith("successor on ")
        assert client.get(key) is None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_the_single_machine_path_never_imports_celery():
    code = ("import sys, zfxxgk.cli, zfxxgk.cycle, zfxxgk.lock, zfxxgk.status, zfxxgk.pipelines.reparse, "
            "zfxxgk.pipelines.merge; assert not [m for m in sys.modules if m.split('.')[0] in ('celery', 'kombu', "
            "'redis')], sorted(m for m in sys.modules if m.startswith(('celery', 'kombu', 'redis')))")
    env = {k: v for k, v in os.environ.items() if k != "ZFXXGK_BROKER"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
