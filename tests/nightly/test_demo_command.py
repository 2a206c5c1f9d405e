"""`zfxxgk demo`, the README's one command: it crawls, publishes and serves, and stops cleanly."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import urllib.request

import psutil
import pytest

from zfxxgk.demo.sites import demo_sites
from tests.conftest import ROOT, wait_for

pytestmark = pytest.mark.slow


def _free_ports(n: int) -> int:
    """The first of n consecutive free ports on 127.0.0.1."""
    for base in range(21000, 60000, 97):
        try:
            socks = []
            for p in range(base, base + n):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", p))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free ports")


def _reports(port: int, timeout: float = 2):
    url = f"http://127.0.0.1:{port}/zfxxgk.json?sql=select+count(*)+as+n+from+report_sightings&_shape=array"
    try:
        return json.loads(urllib.request.urlopen(url, timeout=timeout).read())[0]["n"]
    except OSError:
        return None


def test_demo_serves_every_demo_report_and_sigterm_stops_its_server_too(tmp_path):
    port = _free_ports(1)
    base = _free_ports(7) + 1  # away from the Datasette port
    proc = subprocess.Popen([sys.executable, "-m", "zfxxgk.cli", "demo", "--data", str(tmp_path / "data"),
                             "--port-base", str(base), "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: _reports(port) is not None or proc.poll() is not None, timeout=240, interval=0.5)
        assert proc.poll() is None, proc.stdout.read()[-3000:]
        # a slow answer is waited for (the limit bounds a hang, not the machine's speed)
        assert _reports(port, timeout=300) == sum(len(site.reports) for site in demo_sites())
        helpers = psutil.Process(proc.pid).children(recursive=True)  # Datasette
        assert helpers
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=300)
        wait_for(lambda: not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in helpers),
                 timeout=300)
        assert _reports(port) is None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
