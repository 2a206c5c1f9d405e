"""A local network of demo portals: one HTTP server per portal, on 127.0.0.1, one port each.

Each portal is a `Site`: a dict of paths to pages, optional POST handlers, a robots.txt, and
switches to misbehave (always 500). Pages carry ETag and Last-Modified and answer conditional
requests with 304, as real CMS front ends do, so incremental re-crawls can be tested.

For tests, on these demo servers only: `POST /__demo__/republish?path=...` changes the
content of one page (a corrected re-publication at the same URL); `POST /__demo__/hold?path=...`
makes requests for a path wait until `POST /__demo__/release?path=...`, and
`GET /__demo__/seen?path=...` says how many requests for it arrived, so a test can stop a crawl
at a chosen moment (while it downloads a report's attachment, say) without guessing at timing.

Each site may have a loopback address of its own (`Network(..., spread=True)`: 127.0.0.2,
127.0.0.3 ...; Linux routes all of 127/8 to lo), so a crawl sees as many hosts as portals, and a
request log (`request_log=`) records every request (host, port, method, path, start and end
time) as a JSON line: the cluster tests read it to prove that no portal was fetched by two
workers at once.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import json
import signal
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, urlsplit


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    modified: float = field(default_factory=lambda: time.time() - 86400 * 30)

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


@dataclass
class Site:
    id: str
    name: str
    level: str
    region_code: str
    start_path: str
    render: str = "auto"
    cms: str = ""
    notes: str = ""
    pages: dict[str, Page] = field(default_factory=dict)
    post: dict[str, Callable[[dict, dict], Page]] = field(default_factory=dict)
    robots: str = "User-agent: *\nDisallow:\n"
    always_500: bool = False
    gzip: bool = False
    listen: bool = True  # False: a registry row pointing at a port where nothing answers
    latency: float = 0.0  # seconds before each answer, as a distant portal takes
    reports: list[dict] = field(default_factory=list)  # what a crawl must find: path, agency, year
    decoys: list[str] = field(default_factory=list)  # paths a crawl must not take as reports
    republish: Callable[[str], None] | None = None
    port: int = 0
    host: str = "127.0.0.1"
    holds: dict[str, threading.Event] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def add(self, path: str, body: bytes | str, content_type: str = "text/html; charset=utf-8") -> None:
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.pages[path] = Page(body, content_type)


class RequestLog:
    """One JSON line per request answered, appended under a lock (the servers are threaded)."""

    def __init__(self, path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(path, "a", encoding="utf-8", buffering=1)
        self._lock = threading.Lock()

    def write(self, **entry) -> None:
        with self._lock:
            self._fh.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def close(self) -> None:
        with self._lock:
            self._fh.close()


def _handler(site: Site, request_log: RequestLog | None = None):
    class Handler(BaseHTTPRequestHandler):
        server_version = "DemoCMS/1.0"
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet: tests read the crawl's records, not this log
            pass

        def parse_request(self):
            # the request starts once its line has arrived: a kept-alive connection idles before it
            self._started = time.time()
            return super().parse_request()

        def handle_one_request(self):
            self._started = self._ended = None
            try:
                super().handle_one_request()
            finally:  # a request whose client went away (a killed crawler) is logged too
                if request_log is not None and self._started is not None:
                    request_log.write(host=site.host, port=site.port, site=site.id, method=self.command,
                                      path=self.path, client=self.client_address[1], start=self._started,
                                      end=self._ended or time.time())

        def _send(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
            if site.latency:
                time.sleep(site.latency)
            headers = dict(headers or {})
            if body and site.gzip and "gzip" in (self.headers.get("Accept-Encoding") or ""):
                body = gzip.compress(body, mtime=0)
                headers["Content-Encoding"] = "gzip"
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            self.wfile.flush()
            self._ended = time.time()  # answered: the client may send its next request from now on

        def do_HEAD(self):
            self.do_GET()

        def do_GET(self):
            path = urlsplit(self.path).path
            if path == "/__demo__/seen":
                asked = parse_qs(urlsplit(self.path).query).get("path", [""])[0]
                self._send(200, str(site.seen.get(asked, 0)).encode(), {"Content-Type": "text/plain"})
                return
            site.seen[path] = site.seen.get(path, 0) + 1
            hold = site.holds.get(path)
            if hold is not None:
                hold.wait(timeout=300)
            if site.always_500:
                self._send(500, b"<html><body>Internal Server Error</body></html>", {"Content-Type": "text/html"})
                return
            # a page added with its query ("list.jsp?cur_page=2") answers that query only; every
            # other query of a path is answered by the path's own page, as static servers do
            query = urlsplit(self.path).query
            page = (site.pages.get(f"{path}?{query}") if query else None) or site.pages.get(path)
            if page is None and path == "/robots.txt":
                page = site.pages.setdefault(path, Page(site.robots.encode(), "text/plain; charset=utf-8"))
            if page is None:
                self._send(404, b"<html><body>404 Not Found</body></html>", {"Content-Type": "text/html"})
                return
            last_modified = email.utils.formatdate(page.modified, usegmt=True)
            validators = {"ETag": page.etag, "Last-Modified": last_modified}
            inm = self.headers.get("If-None-Match")
            ims = self.headers.get("If-Modified-Since")
            if inm == page.etag or (not inm and ims and _not_after(page.modified, ims)):
                self._send(304, b"", validators)
                return
            self._send(200, page.body, {"Content-Type": page.content_type, **validators})

        def do_POST(self):
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode("utf-8", "replace")) if length else {}
            query = parse_qs(parts.query)
            if parts.path == "/__demo__/republish" and site.republish:
                site.republish(query.get("path", [""])[0])
                self._send(200, b"republished", {"Content-Type": "text/plain"})
                return
            if parts.path == "/__demo__/hold":
                site.holds[query.get("path", [""])[0]] = threading.Event()
                self._send(200, b"held", {"Content-Type": "text/plain"})
                return
            if parts.path == "/__demo__/release":
                hold = site.holds.pop(query.get("path", [""])[0], None)
                if hold is not None:
                    hold.set()
                self._send(200, b"released", {"Content-Type": "text/plain"})
                return
            handler = site.post.get(parts.path)
            if handler is None or site.always_500:
                self._send(405 if handler is None else 500, b"", {"Content-Type": "text/plain"})
                return
            page = handler({k: v[0] for k, v in query.items()}, {k: v[0] for k, v in form.items()})
            self._send(200, page.body, {"Content-Type": page.content_type})

    return Handler


def _not_after(modified: float, header: str) -> bool:
    try:
        since = email.utils.parsedate_to_datetime(header).timestamp()
    except (TypeError, ValueError):
        return False
    return int(modified) <= int(since)


def spread_host(i: int) -> str:
    """The i-th loopback address after 127.0.0.1: 127.0.0.2 ... 127.0.0.254, 127.0.1.1 ..."""
    return f"127.0.{(i + 1) // 254}.{(i + 1) % 254 + 1}"


class Network:
    """Serve sites on 127.0.0.1 (or each on its own loopback address: spread); base_port 0 lets
    the OS pick free ports."""

    def __init__(self, sites: list[Site], base_port: int = 0, spread: bool = False, request_log=None):
        self.sites = sites
        self.base_port = base_port
        self.spread = spread
        self.request_log = RequestLog(request_log) if request_log else None
        self.servers: list[ThreadingHTTPServer] = []

    def start(self) -> "Network":
        for i, site in enumerate(self.sites):
            port = self.base_port + i if self.base_port else 0
            if self.spread:
                site.host = spread_host(i)
            server = ThreadingHTTPServer((site.host, port), _handler(site, self.request_log))
            server.daemon_threads = True
            site.port = server.server_address[1]
            if not site.listen:
                server.server_close()  # keep the port number, answer nothing
                continue
            self.servers.append(server)
            threading.Thread(target=server.serve_forever, name=f"demo-{site.id}", daemon=True).start()
        return self

    def stop(self) -> None:
        for site in self.sites:
            for hold in site.holds.values():
                hold.set()
        for s in self.servers:
            s.shutdown()
            s.server_close()
        if self.request_log is not None:
            self.request_log.close()

    def registry_rows(self) -> list[dict]:
        return [{"id": s.id, "name": s.name, "level": s.level, "region_code": s.region_code,
                 "start_url": s.url(s.start_path), "render": s.render, "cms": s.cms,
                 "url_status": f"demo portal on {s.host}", "seen_report_url": "", "notes": s.notes}
                for s in self.sites]

    def manifest(self) -> dict:
        return {
            "reports": [{"portal": s.id, "url": s.url(r["path"]), **{k: v for k, v in r.items() if k != "path"}}
                        for s in self.sites for r in s.reports],
            "decoys": [{"portal": s.id, "url": s.url(p)} for s in self.sites for p in s.decoys],
            "portals": {s.id: {"host": s.host, "port": s.port, "broken": s.always_500 or not s.listen}
                        for s in self.sites},
        }


def serve_until_signalled(network, ready: str) -> int:
    """Print the line a test waits for, then serve until SIGTERM or SIGINT, then stop."""
    print(ready, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    stop.wait()
    network.stop()
    return 0
