"""Bulk data: the published copy downloadable whole, and CSV exports of reports and cells
built with it (UTF-8 with a BOM), served by a real `zfxxgk serve --immutable`."""

from __future__ import annotations

import csv
import gzip
import io
import os
import signal
import sqlite3
import subprocess
import sys
import urllib.request

import pytest

from tests.conftest import ROOT, free_port, wait_for
from zfxxgk.publish import publish

pytestmark = pytest.mark.slow


def _rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the mark
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"))))


def test_published_copy_and_exports_download_whole(sample_archive, tmp_path):
    published = tmp_path / "published" / "zfxxgk.db"
    publish(sample_archive["db"], published)
    conn = sqlite3.connect(published)
    latest = conn.execute("SELECT count(*) FROM report_overview WHERE is_latest = 1").fetchone()[0]
    cells = conn.execute("SELECT count(*) FROM cells_long WHERE is_latest = 1").fetchone()[0]
    conn.close()
    exports = published.parent / "exports"
    reports = _rows((exports / "reports.csv").read_bytes())
    assert reports[0][:3] == ["report_id", "portal_id", "portal_name"] and len(reports) - 1 == latest
    assert "上海市人民政府办公厅" in {r[reports[0].index("agency")] for r in reports[1:]}
    all_cells = _rows(gzip.decompress((exports / "cells.csv.gz").read_bytes()))
    assert len(all_cells) - 1 == cells > 0

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "zfxxgk.cli", "serve", "--db", str(published), "--archive",
                             str(sample_archive["archive"]), "--port", str(port), "--immutable"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def get(path: str) -> bytes | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as r:
                return r.read()
        except OSError:
            return None

    try:
        wait_for(lambda: get("/-/versions.json") is not None or proc.poll() is not None, timeout=60)
        assert proc.poll() is None
        assert get("/zfxxgk.db") == published.read_bytes()  # the whole checked copy
        assert get("/exports/reports.csv") == (exports / "reports.csv").read_bytes()  # one BOM, not two
        assert get("/exports/cells.csv.gz") == (exports / "cells.csv.gz").read_bytes()
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)


def _as_csv_text(value) -> str:
    """A Parquet value as the CSV writer prints it."""
    return "" if value is None else str(value)


def test_parquet_exports_read_back_equal_to_the_csv(sample_archive, tmp_path):
    import pyarrow.parquet as pq

    published = tmp_path / "published" / "zfxxgk.db"
    publish(sample_archive["db"], published)
    exports = published.parent / "exports"
    for csv_name, data in (("reports.csv", (exports / "reports.csv").read_bytes()),
                           ("cells.csv.gz", gzip.decompress((exports / "cells.csv.gz").read_bytes()))):
        header, *rows = _rows(data)
        table = pq.read_table(exports / (csv_name.split(".")[0] + ".parquet"))
        assert table.column_names == header and table.num_rows == len(rows) > 0
        types = {f.name: str(f.type) for f in table.schema}
        got = table.to_pylist()
        for printed, parsed in zip(rows, got):
            for name, text in zip(header, printed):
                value = parsed[name]
                if types[name] == "double" and value is not None:
                    assert float(text) == value, (csv_name, name)
                else:
                    assert _as_csv_text(value) == text, (csv_name, name)
    cells = pq.read_table(exports / "cells.parquet")
    types = {f.name: str(f.type) for f in cells.schema}
    assert (types["report_id"], types["year"], types["value"], types["raw"]) == ("int64", "int64", "double", "string")
    # a researcher's question answered from the file alone: 驻马店's applications received in 2020
    rows = pq.read_table(exports / "cells.parquet", columns=["value"], filters=[
        ("agency", "=", "驻马店市人民政府"), ("key", "=", "applications.total.new_received")])
    assert rows["value"].to_pylist() == [372]


def test_exports_without_pyarrow_are_csv_only(sample_archive, tmp_path):
    """A stale Parquet file would disagree with the CSV beside it: without pyarrow it goes."""
    published = tmp_path / "published" / "zfxxgk.db"
    publish(sample_archive["db"], published)
    exports = published.parent / "exports"
    assert (exports / "cells.parquet").exists()
    code = ("import sys; sys.modules['pyarrow'] = None\n"  # what `import pyarrow` meets where it is not installed
            "from pathlib import Path; from zfxxgk.publish import write_exports\n"
            f"print(sorted(write_exports(Path({str(published)!r}), Path({str(exports)!r}))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['cells.csv.gz', 'reports.csv']"
    assert sorted(p.name for p in exports.iterdir()) == ["cells.csv.gz", "reports.csv"]


def test_a_failed_parquet_write_leaves_the_previous_exports_as_they_were(sample_archive, tmp_path):
    """Disk full or a pyarrow error while writing: neither the new CSV nor a stale Parquet stays
    beside the previous exports, and no temporary file is left behind."""
    published = tmp_path / "published" / "zfxxgk.db"
    publish(sample_archive["db"], published)
    exports = published.parent / "exports"
    before = os.stat(exports / "reports.csv").st_ino  # the file in place stays the same file
    code = ("import errno, pyarrow.parquet as pq\n"
            "class Full(pq.ParquetWriter):\n"
            "    def write_batch(self, *a, **k): raise OSError(errno.ENOSPC, 'No space left on device')\n"
            "pq.ParquetWriter = Full\n"
            "from pathlib import Path; from zfxxgk.publish import write_exports\n"
            f"write_exports(Path({str(published)!r}), Path({str(exports)!r}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode != 0 and "No space left on device" in done.stderr
    assert os.stat(exports / "reports.csv").st_ino == before
    assert sorted(p.name for p in exports.iterdir()) == ["cells.csv.gz", "cells.parquet", "reports.csv"]
