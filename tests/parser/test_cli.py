"""`zfxxgk parse` as a user runs it: a real subprocess, JSON on stdout, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import SAMPLES


def run(*args):
    return subprocess.run([sys.executable, "-m", "zfxxgk.cli", "parse", *map(str, args)],
                          capture_output=True, text=True, timeout=60)


def test_parse_prints_the_report_as_json():
    proc = run(SAMPLES / "fj_putian_ptcg_2022.html", "--url", "http://www.putian.gov.cn/x.htm")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert {"format_version", "year", "agency", "published_at", "parse_status", "sections", "cells", "qa"} <= set(out)
    assert out["format_version"] == "2021" and out["year"] == 2022
    assert out["cells"]["applications.natural_person.new_received"] == {
        "value": 8, "raw": "8", "status": "number", "origin": "t2 r4 c4"}  # 2nd table, 4th row, 4th column
    assert set(out["qa"]) >= {"identity_violations", "repairs", "warnings"}
    assert set(out["sections"]) == {"overview", "problems", "other"}


@pytest.mark.parametrize("name, status", [("README.md", "not_a_report"),
                                          ("derived/js_hongze_2023.truncated.pdf", "unreadable")])
def test_non_reports_exit_nonzero_with_one_line_reason(name, status):
    proc = run(SAMPLES / name)
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and status in lines[0] and "Traceback" not in proc.stderr


def test_garbage_and_missing_files(tmp_path):
    junk = tmp_path / "junk.html"
    junk.write_bytes(bytes(range(256)) * 20)
    proc = run(junk)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    proc = run(tmp_path / "absent.html")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
