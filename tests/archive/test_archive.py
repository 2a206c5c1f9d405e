"""The raw archive: content-addressed blobs that are never overwritten, and WARC files that
survive a killed writer."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest
from warcio.archiveiterator import ArchiveIterator

from zfxxgk.archive import BlobStore, WarcArchive, recover_open_files
from zfxxgk.archive.warc import OPEN_SUFFIX


def test_blobs_are_content_addressed_and_immutable(tmp_path):
    store = BlobStore(tmp_path)
    sha, new = store.put(b"report v1")
    assert new and sha == hashlib.sha256(b"report v1").hexdigest()
    assert store.put(b"report v1") == (sha, False)
    sha2, new2 = store.put(b"report v2")
    assert new2 and sha2 != sha and store.get(sha) == b"report v1"
    assert store.path(sha).relative_to(tmp_path).parts[:4] == ("blobs", "sha256", sha[:2], sha[2:4])
    with pytest.raises(PermissionError):
        open(store.path(sha), "wb") if os.geteuid() != 0 else (_ for _ in ()).throw(PermissionError)
    assert not [p for p in store.path(sha).parent.iterdir() if p.name.startswith(".tmp")]


@pytest.mark.parametrize("bad", ["../../etc/passwd", "abc", "g" * 64, "A" * 64])
def test_blob_paths_cannot_escape(tmp_path, bad):
    with pytest.raises(ValueError):
        BlobStore(tmp_path).path(bad)


def _write_some(archive: WarcArchive, n: int = 3):
    for i in range(n):
        archive.write_exchange(url=f"http://127.0.0.1:9/p{i}", method="GET", request_headers=[("Host", "x")],
                               request_body=b"", status=200, response_headers=[("Content-Type", "text/html")],
                               body=("<p>页面%d</p>" % i).encode() * 100)


def test_warc_rotates_by_size_and_passes_warcio_check(tmp_path):
    w = WarcArchive(tmp_path, run_id=1, max_bytes=1)  # rotate after every exchange
    _write_some(w, 6)
    w.close()
    files = sorted((tmp_path / "warc").rglob("*.warc.gz"))
    assert len(files) == 6 and w.files == [str(f) for f in files]
    for f in files:
        assert subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(f)]).returncode == 0
        with open(f, "rb") as fh:
            assert next(iter(ArchiveIterator(fh))).rec_type == "warcinfo"


@pytest.mark.parametrize("cut", [1, 25, 300])
def test_torn_warc_of_a_dead_writer_is_finished_without_losing_bytes(tmp_path, cut):
    w = WarcArchive(tmp_path, run_id=7)
    _write_some(w, 3)
    path = next((tmp_path / "warc").rglob("*" + OPEN_SUFFIX))
    w._fh.close()  # the process "dies": no close(), the file stays .open
    original = path.read_bytes()
    path.write_bytes(original[:-cut])
    dead = path.with_name(path.name.replace(f"-{os.getpid()}-", "-999999-"))
    os.rename(path, dead)
    (final,) = recover_open_files(tmp_path)
    torn = list((tmp_path / "warc").rglob("*.torn"))
    kept = open(final, "rb").read()
    assert kept + (torn[0].read_bytes() if torn else b"") == original[:-cut]  # nothing deleted
    assert subprocess.run([sys.executable, "-m", "warcio.cli", "check", final]).returncode == 0
    with open(final, "rb") as fh:
        uris = [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(fh) if r.rec_type == "response"]
    assert uris[:2] == ["http://127.0.0.1:9/p0", "http://127.0.0.1:9/p1"]


def test_open_files_of_a_live_writer_are_left_alone(tmp_path):
    w = WarcArchive(tmp_path, run_id=8)
    _write_some(w, 1)
    assert recover_open_files(tmp_path) == []
    w.close()
