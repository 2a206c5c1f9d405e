"""WARC writing (ISO 28500, WARC/1.1, one gzip member per record) with warcio.

One `WarcArchive` per crawl run writes request/response pairs as they arrive, rotates to a
new file past a size limit, and closes cleanly at the end of the run. A file being written is
named `*.warc.gz.open`; only a closed file gets its final `.warc.gz` name. If the process is
killed, `recover_open_files` (run at the start of the next crawl) keeps every complete record
of the dead run's file, moves the torn tail - bytes of a record that was never finished -
to a `.torn` file beside it, and gives the file its final name. Nothing is deleted.

Several machines may write into one shared archive (`zfxxgk worker`): a file name carries the
writer's host as well as its pid, so names never collide across machines, and a crawl only
recovers files its own host left open (a pid says nothing about another machine's processes).
"""

from __future__ import annotations

import io
import logging
import os
import re
import socket
import zlib
from datetime import datetime, timezone
from http import HTTPStatus
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

log = logging.getLogger(__name__)

SOFTWARE = "zfxxgk-archive (warcio)"
OPEN_SUFFIX = ".warc.gz.open"
# this machine in WARC file names: no dashes, which separate the name's fields
HOST = re.sub(r"[^A-Za-z0-9]+", "_", socket.gethostname()) or "host"
# Bodies are stored de-chunked; a replay tool must not try to de-chunk them again.
_HOP_BY_HOP = {b"transfer-encoding"}


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class WarcArchive:
    def __init__(self, archive_root: str | Path, run_id: int | str, max_bytes: int = 100 * 2**20,
                 operator: str = ""):
        self.root = Path(archive_root) / "warc"
        self.run_id = run_id
        self.max_bytes = max_bytes
        self.operator = operator
        self.files: list[str] = []
        self._fh = None
        self._writer: WARCWriter | None = None
        self._path: Path | None = None
        self._serial = 0
        self.records = 0

    # -- files ------------------------------------------------------------------------------
    def _open(self) -> None:
        now = _now()
        directory = self.root / f"{now:%Y}" / f"{now:%m}"
        directory.mkdir(parents=True, exist_ok=True)
        self._serial += 1
        name = f"zfxxgk-{self.run_id}-{now:%Y%m%dT%H%M%S}-{HOST}-{os.getpid()}-{self._serial:05d}"
        self._path = directory / (name + OPEN_SUFFIX)
        self._fh = open(self._path, "xb")
        self._writer = WARCWriter(self._fh, gzip=True, warc_version="1.1")
        info = self._writer.create_warcinfo_record(name + ".warc.gz", {
            "software": SOFTWARE, "hostname": socket.gethostname(), "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "isPartOf": f"zfxxgk crawl run {self.run_id}", "operator": self.operator,
        })
        self._writer.write_record(info)
        self._fh.flush()

    def _finish(self) -> None:
        if self._fh is None:
            return
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        final = self._path.with_name(self._path.name[: -len(".open")])
        os.rename(self._path, final)
        self.files.append(str(final))
        self._fh = self._writer = self._path = None

    def close(self) -> None:
        self._finish()

    def relpath(self, path: Path) -> str:
        """Path relative to the archive root, as stored in the database."""
        return str(path.relative_to(self.root.parent))

    def _write(self, records) -> tuple[str, int, int]:
        if self._fh is None:
            self._open()
        start = self._fh.tell()
        for r in records:
            self._writer.write_record(r)
        self._fh.flush()
        end = self._fh.tell()
        self.records += len(records)
        # the name the file will have once closed: what the database should point at
        name = self.relpath(self._path.with_name(self._path.name[: -len(".open")]))
        if end >= self.max_bytes:
            self._finish()
        return name, start, end - start

    # -- records ----------------------------------------------------------------------------
    def write_exchange(self, *, url: str, method: str, request_headers: list[tuple[str, str]],
                       request_body: bytes, status: int, response_headers: list[tuple[str, str]],
                       body: bytes, protocol: str = "HTTP/1.1", ip: str | None = None,
                       fetched_at: datetime | None = None) -> tuple[str, int, int]:
        """A request record and the response record it produced. Returns (file, offset, length)."""
        w = self._writer_or_open()
        date = (fetched_at or _now()).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        headers = [(k, v) for k, v in response_headers if k.lower().encode() not in _HOP_BY_HOP]
        headers += [(f"X-Archive-Orig-{k}", v) for k, v in response_headers
                    if k.lower().encode() in _HOP_BY_HOP]
        warc_headers = {"WARC-Date": date}
        if ip:
            warc_headers["WARC-IP-Address"] = ip
        resp = w.create_warc_record(
            url, "response", payload=io.BytesIO(body), length=len(body),
            http_headers=StatusAndHeaders(f"{status} {_reason(status)}", headers, protocol=protocol),
            warc_headers_dict=warc_headers)
        path = url.split("/", 3)[3] if url.count("/") >= 3 else ""
        req = w.create_warc_record(
            url, "request", payload=io.BytesIO(request_body or b""), length=len(request_body or b""),
            http_headers=StatusAndHeaders(f"{method} /{path} {protocol}", request_headers,
                                          is_http_request=True),
            warc_headers_dict={"WARC-Date": date})
        req.rec_headers.add_header("WARC-Concurrent-To", resp.rec_headers.get_header("WARC-Record-ID"))
        return self._write([resp, req])

    def write_not_modified(self, *, url: str, response_headers: list[tuple[str, str]],
                           refers_to_date: str | None, protocol: str = "HTTP/1.1",
                           request_headers: list[tuple[str, str]] | None = None) -> tuple[str, int, int]:
        """A 304 answer to a conditional request, as a server-not-modified revisit record."""
        w = self._writer_or_open()
        rec = w.create_warc_record(
            url, "revisit",
            http_headers=StatusAndHeaders("304 Not Modified", response_headers, protocol=protocol),
            warc_headers_dict={"WARC-Profile": "http://netpreserve.org/warc/1.1/revisit/server-not-modified",
                               "WARC-Refers-To-Target-URI": url,
                               **({"WARC-Refers-To-Date": refers_to_date} if refers_to_date else {})})
        records = [rec]
        if request_headers is not None:
            req = w.create_warc_record(
                url, "request", payload=io.BytesIO(b""), length=0,
                http_headers=StatusAndHeaders(f"GET /{url.split('/', 3)[3] if url.count('/') >= 3 else ''} {protocol}",
                                              request_headers, is_http_request=True))
            req.rec_headers.add_header("WARC-Concurrent-To", rec.rec_headers.get_header("WARC-Record-ID"))
            records.append(req)
        return self._write(records)

    def write_rendered(self, *, url: str, body: bytes, content_type: str = "text/html; charset=utf-8",
                       note: str = "DOM serialised by headless Chromium after running the page's scripts"
                       ) -> tuple[str, int, int]:
        """A page rendered by the browser: a resource record, never passed off as a server response."""
        w = self._writer_or_open()
        rec = w.create_warc_record(
            url, "resource", payload=io.BytesIO(body), length=len(body),
            warc_content_type=content_type,
            warc_headers_dict={"WARC-Resource-Type": "rendered-dom", "WARC-Description": note})
        return self._write([rec])

    def _writer_or_open(self) -> WARCWriter:
        if self._fh is None:
            self._open()
        return self._writer


def recover_open_files(archive_root: str | Path) -> list[str]:
    """Finish the WARC files a killed run left open. Returns the files recovered.

    Only files whose writer process is gone are touched (the host and pid are in the name);
    files of another host are that host's to recover.
    """
    recovered = []
    root = Path(archive_root) / "warc"
    if not root.exists():
        return recovered
    for path in sorted(root.rglob("*" + OPEN_SUFFIX)):
        pid = _pid_of(path.name)
        if _host_of(path.name) not in (None, HOST) or (pid and pid_alive(pid)):
            continue
        good = _last_good_offset(path)
        size = path.stat().st_size
        if good < size:
            with open(path, "rb") as fh:
                fh.seek(good)
                tail = fh.read()
            torn = path.with_name(path.name[: -len(OPEN_SUFFIX)] + ".torn")
            torn.write_bytes(tail)
            with open(path, "r+b") as fh:
                fh.truncate(good)
            log.warning("WARC %s: %d torn bytes of an unfinished record moved to %s", path, size - good, torn.name)
        final = path.with_name(path.name[: -len(".open")])
        os.rename(path, final)
        recovered.append(str(final))
    return recovered


def _pid_of(name: str) -> int | None:
    parts = name.split("-")
    try:
        return int(parts[-2])
    except (IndexError, ValueError):
        return None


def _host_of(name: str) -> str | None:
    """The writer's host, or None in a name from before hosts were recorded (zfxxgk-run-time-pid-n)."""
    parts = name.split("-")
    return parts[-3] if len(parts) >= 6 else None


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists (this process counts as alive)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _last_good_offset(path: Path) -> int:
    """End offset of the last complete gzip member (one member = one WARC record).

    A record cut short by a kill is an unfinished gzip member: its deflate stream never
    reaches its end marker and CRC. Checking members, not just parsing records, catches a
    cut that lands in the gzip trailer, which a lenient reader would accept.
    """
    good = 0
    with open(path, "rb") as fh:
        pos = 0
        while True:
            fh.seek(pos)
            d = zlib.decompressobj(wbits=31)
            consumed = 0
            try:
                while not d.eof:
                    chunk = fh.read(1 << 16)
                    if not chunk:
                        return good
                    d.decompress(chunk)
                    consumed += len(chunk) - len(d.unused_data)
            except zlib.error:
                return good
            pos += consumed
            good = pos
            fh.seek(pos)
            if not fh.read(1):
                return good
