"""`zfxxgk probe`: one portal crawled, its pages kept as fixtures, its registry row verified."""

from __future__ import annotations

import json
import shutil
import urllib.request

import pytest

from tests.conftest import DemoNetwork, zfxxgk

pytestmark = pytest.mark.slow


def test_probe_saves_the_pages_as_served_and_marks_the_row_verified(tmp_path):
    net = DemoNetwork(tmp_path / "demo")
    try:
        registry = tmp_path / "portals.csv"
        shutil.copy(net.registry, registry)
        fixtures = tmp_path / "fixtures"
        done = zfxxgk("probe", "demo_hanweb", "--portals", registry, "--fixtures", fixtures, "--delay", "0")
        assert done.returncode == 0, done.stdout + done.stderr
        folder = fixtures / "demo_hanweb"
        portal = json.loads((folder / "portal.json").read_text(encoding="utf-8"))
        assert portal["id"] == "demo_hanweb" and portal["start_url"].startswith("http://127.0.0.1:")
        found = {r["url"] for r in json.loads((folder / "reports.json").read_text(encoding="utf-8"))}
        assert found == {r["url"] for r in net.manifest["reports"] if r["portal"] == "demo_hanweb"}
        bodies = sorted(folder.glob("*.body"))
        assert any(b.name.startswith("listing-") for b in bodies)
        assert sum(b.name.startswith("report-") for b in bodies) == len(found)
        for body in bodies:  # bytes as the portal serves them
            meta = json.loads(body.with_suffix(".meta.json").read_text(encoding="utf-8"))
            if meta["kind"] == "report":
                with urllib.request.urlopen(meta["url"], timeout=10) as r:
                    assert r.read() == body.read_bytes(), meta["url"]
        row = [line for line in registry.read_text(encoding="utf-8").splitlines() if line.startswith("demo_hanweb,")][0]
        assert "verified" in row and f"{len(found)} reports" in row
        assert "demo_hanweb" in done.stdout and f"{len(found)} reports found" in done.stdout
        unknown = zfxxgk("probe", "no_such_portal", "--portals", registry, "--fixtures", fixtures)
        assert unknown.returncode == 2 and "no portal with id 'no_such_portal'" in unknown.stderr
    finally:
        net.stop()
