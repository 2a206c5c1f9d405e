"""A network of misbehaving portals, and a sentinel host no crawl may ever contact.

    python -m tests.crawl.faultnet --out DIR [--hold SECONDS]

prints one line with "ready" once every server listens, and writes

    DIR/portals.csv     the registry to crawl (id,name,level,region_code,start_url,render,...)
    DIR/manifest.json   per portal: port, start URL, fault, expectations; the sentinel's address
    DIR/sentinel.log    every request the sentinel received: one JSON object a line, flushed
    DIR/requests.log    every request a portal received (portal, method, path), the same way

then serves until SIGTERM/SIGINT.

The SENTINEL is an HTTP server on 127.0.0.2 (another host than the portals' 127.0.0.1) that
answers everything 200 with a small page and logs each request (method, path, headers). Every
off-site trap of the portals points at it, each under its own path (/<portal>/<what>), so its
log says which trap leaked. Each portal is one ThreadingHTTPServer on its own 127.0.0.1 port,
with one fault (see PORTALS). Report pages are the real samples of tests/samples, served as
they are: byte for byte, except that refresh_offsite's copy of sh_govoffice_2019.html gets a
<meta http-equiv=refresh> in its head, and the charset faults serve fj_putian_ptcg_2022.html's
text re-encoded as GBK. Every portal but the robots ones has a healthy robots.txt (http_500
too: its fault is the pages, not robots.txt).

`PORTALS` (ids, faults and what a correct crawl must leave behind) is importable without
starting anything, so tests can parametrize over it at collection time.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import html
import json
import os
import posixpath
import random
import re
import socket
import sys
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from zfxxgk.demo.server import serve_until_signalled

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SENTINEL_HOST = "127.0.0.2"
PORTAL_HOST = "127.0.0.1"
MAXSIZE = 50 * 2**20  # the crawl's DOWNLOAD_MAXSIZE
BOMB_SIZE = 200 * 2**20  # decompressed size of the gzip bomb
OVERSIZE = 60 * 2**20  # the Content-Length the oversize portal announces
REDIRECT_HOPS = 15  # the crawler follows at most 10
DEEP_PAGES = 12  # 下一页 chain length (DEPTH_LIMIT was 8)

# Paths of the real reports on every portal that serves them
SH_PATH = "/xxgk/nb/2020/t20200131_1.html"  # sh_govoffice_2019.html
FJ_PATH = "/xxgk/nb/202301/t20230113_1794760.htm"  # fj_putian_ptcg_2022.html
FJ_PDF = "/xxgk/nb/202301/P020230113577394383487.pdf"  # the attachment fj links (./P0202...pdf)
SH_TITLE = "2019年上海市人民政府办公厅政府信息公开工作年度报告"
FJ_TITLE = "莆田市城市管理局2022年度政府信息公开工作年度报告"
ATTACHMENT_PDF = "/xxgk/nb/P020240131.pdf"  # js_hongze_2023.pdf
ATTACHMENT_PAGE = "/xxgk/nb/t20240131_1.html"
ATTACHMENT_TITLE = "淮安市洪泽区人民政府2023年政府信息公开工作年度报告"
SPELLING_REPORT = "/xxgk/nb/report.html"


# -- what a correct crawl leaves behind, per portal ---------------------------------------------
#   fault     what is wrong with the portal
#   events    crawl_events kinds the portal must have (each with a reason and a url)
#   blocks    the fault blocks the whole portal: its run is not 'ok' and says why
#   reports   path -> sample stem (None: no expected cells): exactly the reports stored for it
#   render    the registry's render column
PORTALS: dict[str, dict] = {
    "healthy": dict(fault="none: listing -> one real report", events=[], blocks=False,
                    reports={SH_PATH: "sh_govoffice_2019"}),
    "redirect_offsite": dict(fault="report links answer 302 / 301 to the sentinel host", events=["offsite"],
                             blocks=False, reports={SH_PATH: "sh_govoffice_2019"}),
    "refresh_offsite": dict(fault="<meta http-equiv=refresh> to the sentinel on the listing and on a report",
                            events=["offsite"], blocks=False, reports={SH_PATH: "sh_govoffice_2019"}),
    "link_offsite": dict(fault="a report-titled <a>, an <iframe>, <img>, <script src>, <link> on the sentinel",
                         events=["offsite"], blocks=False, reports={SH_PATH: "sh_govoffice_2019"},
                         render="static"),
    "js_offsite": dict(fault="JS-built listing that loads script/iframe/img/fetch/XHR/stylesheet from the sentinel",
                       events=["offsite"], blocks=False, reports={SH_PATH: "sh_govoffice_2019"}, render="js"),
    "js_redirect_offsite": dict(fault="JS-built listing whose on-site script, stylesheet, image, fetch and XHR "
                                      "answer 302 / 301 / 307 to the sentinel", events=["offsite"], blocks=False,
                                reports={SH_PATH: "sh_govoffice_2019"}, render="js"),
    "robots_disallow_all": dict(fault="robots.txt: User-agent: * / Disallow: /", events=["robots"], blocks=True,
                                reports={}),
    "robots_5xx": dict(fault="robots.txt answers 503 every time (RFC 9309: disallow all)", events=["robots"],
                       blocks=True, reports={}),
    "robots_timeout": dict(fault="robots.txt never answers within the download timeout", events=["robots"],
                           blocks=True, reports={}),
    "redirect_loop": dict(fault="start URL /a 302 -> /b 302 -> /a ...", events=["redirect"], blocks=True,
                          reports={}),
    "redirect_chain": dict(fault=f"start URL: a {REDIRECT_HOPS}-hop redirect chain", events=["redirect"],
                           blocks=True, reports={}),
    "decompression_bomb": dict(fault="listing gzip-encoded, 200 MB of zeros decompressed", events=["too_large"],
                               blocks=True, reports={}),
    "binary_listing": dict(fault="start URL serves random bytes as application/octet-stream", events=["not_text"],
                           blocks=True, reports={}),
    "oversize": dict(fault="start URL announces Content-Length 60 MB, sends a little, closes", events=["too_large"],
                     blocks=True, reports={}),
    "gbk_header_utf8": dict(fault="GBK listing and report served as text/html; charset=utf-8",
                            events=["charset"], blocks=False, reports={FJ_PATH: "fj_putian_ptcg_2022"}),
    "gbk_meta_utf8": dict(fault="GBK listing and report with <meta charset=utf-8>, no charset in the header",
                          events=["charset"], blocks=False, reports={FJ_PATH: "fj_putian_ptcg_2022"}),
    "url_spellings": dict(fault="one report linked under 20 spellings of its URL", events=[], blocks=False,
                          reports={SPELLING_REPORT: "sh_govoffice_2019"}),
    "deep_chain": dict(fault=f"a {DEEP_PAGES}-page 下一页 chain, a report on page 1 and one on page {DEEP_PAGES}",
                       events=[], blocks=False,
                       reports={SH_PATH: "sh_govoffice_2019", FJ_PATH: "fj_putian_ptcg_2022"}),
    "http_500": dict(fault="every URL but robots.txt answers 500", events=["http"], blocks=True, reports={}),
    "refused": dict(fault="nothing listens on its port (connection refused)", events=["network"], blocks=True,
                    reports={}),
    "slow_report": dict(fault="one report page never answers within the timeout", events=["network"],
                        blocks=False, reports={FJ_PATH: "fj_putian_ptcg_2022"}),
    "missing_report": dict(fault="one report link answers 404", events=["http"], blocks=False,
                           reports={SH_PATH: "sh_govoffice_2019"}),
    "attachment": dict(fault="none: a 详见附件 report page with a PDF attachment", events=[], blocks=False,
                       reports={ATTACHMENT_PAGE: None}),
}
REGION_CODES = {pid: f"{350100 + 100 * i}" if i < 9 else f"{320100 + 100 * (i - 9)}"
                for i, pid in enumerate(PORTALS)}
NAMES = {pid: f"故障演示{i + 1:02d}市人民政府（{pid}）" for i, pid in enumerate(PORTALS)}


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def sha256_of(name: str) -> str:
    return hashlib.sha256(sample(name)).hexdigest()


# -- HTTP plumbing --------------------------------------------------------------------------------

class JsonLog:
    """Append-only JSON lines, one per request, flushed as written (readers tail it)."""

    def __init__(self, path: Path):
        self._fh = open(path, "a", encoding="utf-8")
        self._lock = threading.Lock()

    def write(self, record: dict) -> None:
        line = json.dumps(record)  # ASCII: header bytes decoded as latin-1 may hold U+0085 (a line break to splitlines)
        with self._lock:
            self._fh.write(line + "\n")
            self._fh.flush()


STOP = threading.Event()  # set on shutdown: held connections let go at once


class Handler(BaseHTTPRequestHandler):
    """One request to a portal: log it, then ask the portal's route for the answer."""

    server_version = "FaultCMS/1.0"
    protocol_version = "HTTP/1.1"
    portal: "Portal"
    log: JsonLog

    def log_message(self, *args):
        pass

    def send(self, status: int, body: bytes = b"", content_type: str | None = "text/html; charset=utf-8",
             headers: dict | None = None) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def redirect(self, status: int, location: str) -> None:
        self.send(status, f"<html><body><a href='{html.escape(location)}'>moved</a></body></html>".encode(),
                  headers={"Location": location})

    def hold(self) -> None:
        """Accept the request, answer nothing, close after `hold` seconds."""
        STOP.wait(self.portal.hold)
        self.close_connection = True

    def _dispatch(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) if self.command == "POST" else b""
        self.log.write({"t": time.time(), "portal": self.portal.id, "method": self.command, "path": self.path,
                        "len": len(body)})
        self.portal.answer(self)

    do_GET = do_HEAD = do_POST = _dispatch


class SentinelHandler(BaseHTTPRequestHandler):
    """Another host: answers everything 200, remembers every request."""

    server_version = "Sentinel/1.0"
    protocol_version = "HTTP/1.1"
    log: JsonLog

    def log_message(self, *args):
        pass

    def _any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.log.write({"t": time.time(), "client": self.client_address[0], "method": self.command,
                        "path": self.path, "headers": dict(self.headers.items()), "body_len": len(body)})
        page = (b"<!DOCTYPE html><html><head><meta charset='utf-8'><title>sentinel</title></head>"
                b"<body><p>another host: no crawl of the portals may ever ask it anything</p></body></html>")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(page)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_OPTIONS = do_PATCH = _any


# -- pages ---------------------------------------------------------------------------------------

def page(title: str, body: str, *, site: str = "故障演示市人民政府", head: str = "", charset: str = "utf-8") -> str:
    """A plain portal page: a header with neutral links (none a crawl would follow), the body, a footer."""
    e = html.escape
    return (f"<!DOCTYPE html><html><head><meta charset=\"{charset}\">{head}<title>{e(title)}_{e(site)}</title></head>"
            f"<body><div class='header'><a href='/'>首页</a> | <a href='/hdjl/'>互动交流</a> | "
            f"<a href='/bsfw/'>办事服务</a><p>{e(site)}</p></div>"
            f"<div class='main'><h2>{e(title)}</h2>{body}</div>"
            f"<div class='footer'><p>主办：{e(site)} 网站标识码：3500000000</p></div></body></html>")


def li(href: str, title: str, date: str = "2020-01-31") -> str:
    e = html.escape
    return f"<li><a href='{e(href)}' title='{e(title)}'>{e(title)}</a><span>{date}</span></li>"


def listing(items: list[tuple[str, str]], *, extra: str = "", head: str = "", charset: str = "utf-8") -> str:
    return page("政府信息公开年报", "<ul class='list'>" + "".join(li(h, t) for h, t in items) + "</ul>" + extra,
                head=head, charset=charset)


def fj_gbk(charset_meta: str | None) -> bytes:
    """The real 莆田 page, its text re-encoded as GBK, its <meta charset> rewritten (or kept)."""
    text = sample("fj_putian_ptcg_2022.html").decode("utf-8")
    if charset_meta is not None:
        text, n = re.subn(r'<meta charset="UTF-8">', f'<meta charset="{charset_meta}">', text, count=1)
        assert n == 1
    return text.encode("gbk")


def gzip_bomb(size: int = BOMB_SIZE) -> bytes:
    """`size` bytes (an HTML start, then zeros) gzip-compressed, built a megabyte at a time."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    head = b"<!DOCTYPE html><html><head><meta charset='utf-8'><title>bomb</title></head><body>"
    out = [z.compress(head)]
    chunk = bytes(2**20)
    left = size - len(head)
    while left > 0:
        out.append(z.compress(chunk[:min(left, len(chunk))]))
        left -= len(chunk)
    out.append(z.flush())
    return b"".join(out)


_UNRESERVED = re.compile(r"%(2[dDeE]|3[0-9]|4[1-9a-fA-F]|5[0-9aA]|5[fF]|6[1-9a-fA-F]|7[0-9aA]|7[eE])")


def canonical_path(raw: str) -> str:
    """The resource a request path names: no fragment or query, no ;jsessionid, unreserved
    characters decoded, dot segments removed (what the url_spellings portal answers by)."""
    path = urlsplit(raw).path
    path = re.sub(r";jsessionid=[^/?#;]*", "", path, flags=re.I)
    path = _UNRESERVED.sub(lambda m: chr(int(m.group(1), 16)), path)
    trailing = path.endswith("/")
    path = posixpath.normpath(path) if path else "/"
    if path.startswith("//"):
        path = "/" + path.lstrip("/")
    return path + ("/" if trailing and not path.endswith("/") else "")


# -- portals --------------------------------------------------------------------------------------

@dataclass
class Portal:
    id: str
    start_path: str = "/xxgk/nb/index.html"
    render: str = "auto"
    pages: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # path -> (body, content type)
    routes: dict[str, Callable[[Handler], None]] = field(default_factory=dict)  # path -> custom answer
    robots: bytes | None = b"User-agent: *\nDisallow:\n"  # None: answered by a route
    fallback: Callable[[Handler], None] | None = None  # every path not in pages/routes (default 404)
    canonical: Callable[[str], str] | None = None  # map a request path before lookup
    listen: bool = True
    hold: float = 8.0
    port: int = 0
    _reserved: socket.socket | None = None

    def url(self, path: str) -> str:
        return f"http://{PORTAL_HOST}:{self.port}{path}"

    def add(self, path: str, body: bytes | str, content_type: str = "text/html; charset=utf-8") -> None:
        self.pages[path] = (body.encode("utf-8") if isinstance(body, str) else body, content_type)

    def answer(self, h: Handler) -> None:
        path = urlsplit(h.path).path
        if self.canonical:
            path = self.canonical(h.path)
        if path in self.routes:
            return self.routes[path](h)
        if path == "/robots.txt" and self.robots is not None:
            return h.send(200, self.robots, "text/plain; charset=utf-8")
        if path in self.pages:
            body, ctype = self.pages[path]
            return h.send(200, body, ctype)
        if self.fallback:
            return self.fallback(h)
        h.send(404, b"<html><body>404 Not Found</body></html>")


def build(sentinel: str, hold: float) -> list[Portal]:
    """The portals, their pages pointing at `sentinel` (http://127.0.0.2:port) for off-site traps."""
    sh = sample("sh_govoffice_2019.html")
    fj = sample("fj_putian_ptcg_2022.html")
    pdf = sample("js_hongze_2023.pdf")
    out: list[Portal] = []

    def portal(pid: str, **kw) -> Portal:
        p = Portal(pid, render=PORTALS[pid].get("render", "auto"), hold=hold, **kw)
        out.append(p)
        return p

    def trap(pid: str, what: str) -> str:
        return f"{sentinel}/{pid}/{what}"

    # healthy: listing -> one real report, byte for byte
    p = portal("healthy")
    p.add(p.start_path, listing([(SH_PATH, SH_TITLE)]))
    p.add(SH_PATH, sh)

    # redirect_offsite: two report links redirect (302, 301) to the sentinel; one real report on site
    p = portal("redirect_offsite")
    p.add(p.start_path, listing([(SH_PATH, SH_TITLE),
                                 ("/xxgk/nb/2022/t20220120_1.html", "故障演示市人民政府2021年政府信息公开工作年度报告"),
                                 ("/xxgk/nb/2021/t20210125_1.html", "故障演示市人民政府2020年政府信息公开工作年度报告")]))
    p.add(SH_PATH, sh)
    p.routes["/xxgk/nb/2022/t20220120_1.html"] = lambda h: h.redirect(302, trap("redirect_offsite", "r302.html"))
    p.routes["/xxgk/nb/2021/t20210125_1.html"] = lambda h: h.redirect(301, trap("redirect_offsite", "r301.html"))

    # refresh_offsite: the listing refreshes to the sentinel at once; so does its report page
    p = portal("refresh_offsite")
    refresh = '<meta http-equiv="refresh" content="0; url={}">'
    p.add(p.start_path, listing([(SH_PATH, SH_TITLE)], head=refresh.format(trap("refresh_offsite", "listing"))))
    p.add(SH_PATH, sh.replace(b"<head>", b"<head>" + refresh.format(trap("refresh_offsite", "report")).encode(), 1))
    assert p.pages[SH_PATH][0] != sh

    # link_offsite: off-site report link and embedded resources; a static crawl reads none of them
    p = portal("link_offsite")
    p.add(p.start_path, listing(
        [(SH_PATH, SH_TITLE),
         (trap("link_offsite", "xxgk/nb/t20220120_1.html"), "故障演示市人民政府2021年政府信息公开工作年度报告")],
        head=f"<link rel='stylesheet' href='{trap('link_offsite', 'site.css')}'>",
        extra=f"<iframe src='{trap('link_offsite', 'frame.html')}'></iframe>"
              f"<img src='{trap('link_offsite', 'logo.png')}'>"
              f"<script src='{trap('link_offsite', 'stat.js')}'></script>"))
    p.add(SH_PATH, sh)

    # the start of a listing built by inline JS: one link, to a real report on site
    build_list = ("<script>"
                  f"var items = {json.dumps([{'url': SH_PATH, 'title': SH_TITLE}], ensure_ascii=False)};"
                  "var ul = document.getElementById('list');"
                  "for (var i = 0; i < items.length; i++) { var li = document.createElement('li');"
                  " var a = document.createElement('a'); a.href = items[i].url; a.textContent = items[i].title;"
                  " li.appendChild(a); ul.appendChild(li); }")

    # js_offsite: links built by inline JS (on site, a real report); the page also reaches out
    p = portal("js_offsite")
    t = lambda what: json.dumps(trap("js_offsite", what))  # noqa: E731
    script = (
        build_list +
        f"try {{ fetch({t('api/fetch.json')}).catch(function () {{}}); }} catch (e) {{}}"
        f"try {{ var x = new XMLHttpRequest(); x.open('GET', {t('api/xhr.json')}); x.send(); }} catch (e) {{}}"
        f"var img = document.createElement('img'); img.src = {t('injected.gif')}; document.body.appendChild(img);"
        "</script>")
    p.add(p.start_path, page(
        "政府信息公开年报",
        "<ul id='list'></ul>" + script +
        f"<script src='{trap('js_offsite', 'stat.js')}'></script>"
        f"<iframe src='{trap('js_offsite', 'frame.html')}'></iframe>"
        f"<img src='{trap('js_offsite', 'logo.png')}'>",
        head=f"<link rel='stylesheet' href='{trap('js_offsite', 'site.css')}'>"))
    p.add(SH_PATH, sh)

    # js_redirect_offsite: as js_offsite, but every resource the page loads is on the portal's own
    # site and answers a redirect to the sentinel (Chromium follows a redirect without routing it)
    p = portal("js_redirect_offsite")
    moved = {"/res/stat.js": 302, "/res/site.css": 301, "/res/logo.png": 302, "/api/fetch.json": 307,
             "/api/xhr.json": 302, "/res/hop.js": 302}
    for path, status in moved.items():
        p.routes[path] = lambda h, status=status, path=path: h.redirect(status, trap("js_redirect_offsite", path[1:]))
    p.routes["/res/on-site.js"] = lambda h: h.redirect(302, "/res/hop.js")  # on site, then off
    # a Location Python reads as this portal (after the @) and a browser as the sentinel (a \\ ends
    # the host there), and one with a tab inside the host
    p.routes["/res/backslash.js"] = lambda h, p=p: h.redirect(
        302, f"{sentinel}\\@{PORTAL_HOST}:{p.port}/res/x.js")
    p.routes["/res/tab.js"] = lambda h, p=p: h.redirect(302, f"{sentinel}\t@{PORTAL_HOST}:{p.port}/res/y.js")
    script = (
        build_list +
        "try { fetch('/api/fetch.json').catch(function () {}); } catch (e) {}"
        "try { var x = new XMLHttpRequest(); x.open('GET', '/api/xhr.json'); x.send(); } catch (e) {}"
        "</script>")
    p.add(p.start_path, page(
        "政府信息公开年报",
        "<ul id='list'></ul>" + script +
        "<script src='/res/stat.js'></script><script src='/res/on-site.js'></script><img src='/res/logo.png'>"
        "<script src='/res/backslash.js'></script><script src='/res/tab.js'></script>",
        head="<link rel='stylesheet' href='/res/site.css'>"))
    p.add(SH_PATH, sh)

    # robots: disallow all / 503 / never answers; each listing links a report no crawl may fetch
    for pid in ("robots_disallow_all", "robots_5xx", "robots_timeout"):
        p = portal(pid)
        p.add(p.start_path, listing([(SH_PATH, SH_TITLE)]))
        p.add(SH_PATH, sh)
    out[-3].robots = b"User-agent: *\nDisallow: /\n"
    out[-2].robots = None
    out[-2].routes["/robots.txt"] = lambda h: h.send(503, b"<html><body>503 Service Unavailable</body></html>",
                                                     headers={"Retry-After": "3600"})
    out[-1].robots = None
    out[-1].routes["/robots.txt"] = lambda h: h.hold()

    # redirect_loop: /a -> /b -> /a
    p = portal("redirect_loop", start_path="/xxgk/nb/a")
    p.routes["/xxgk/nb/a"] = lambda h: h.redirect(302, "/xxgk/nb/b")
    p.routes["/xxgk/nb/b"] = lambda h: h.redirect(302, "/xxgk/nb/a")
    p.add(SH_PATH, sh)

    # redirect_chain: /hop/0 -> /hop/1 -> ... -> /hop/15, a listing
    p = portal("redirect_chain", start_path="/xxgk/nb/hop/0")
    for i in range(REDIRECT_HOPS):
        p.routes[f"/xxgk/nb/hop/{i}"] = (lambda n: lambda h: h.redirect(302, f"/xxgk/nb/hop/{n + 1}"))(i)
    p.add(f"/xxgk/nb/hop/{REDIRECT_HOPS}", listing([(SH_PATH, SH_TITLE)]))
    p.add(SH_PATH, sh)

    # decompression_bomb: whatever Accept-Encoding said
    bomb = gzip_bomb()
    p = portal("decompression_bomb")
    p.routes[p.start_path] = lambda h: h.send(200, bomb, headers={"Content-Encoding": "gzip"})
    p.add(SH_PATH, sh)

    # binary_listing
    noise = random.Random(2019).randbytes(64 * 1024)
    p = portal("binary_listing")
    p.add(p.start_path, noise, "application/octet-stream")

    # oversize: headers announce 60 MB, 64 KB follow, then the connection closes
    def oversize(h: Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(OVERSIZE))
        h.end_headers()
        try:
            h.wfile.write(b"<!DOCTYPE html><html><body>" + b" " * (64 * 1024))
            h.wfile.flush()
        except OSError:
            pass
        h.close_connection = True

    p = portal("oversize")
    p.routes[p.start_path] = oversize

    # gbk_header_utf8: GBK bytes (meta says gbk), header says utf-8
    p = portal("gbk_header_utf8")
    p.add(p.start_path, listing([(FJ_PATH, FJ_TITLE)], charset="gbk").encode("gbk"), "text/html; charset=utf-8")
    p.add(FJ_PATH, fj_gbk("gbk"), "text/html; charset=utf-8")
    p.add(FJ_PDF, pdf, "application/pdf")

    # gbk_meta_utf8: GBK bytes that say <meta charset=utf-8>, header without charset
    p = portal("gbk_meta_utf8")
    p.add(p.start_path, listing([(FJ_PATH, FJ_TITLE)], charset="utf-8").encode("gbk"), "text/html")
    p.add(FJ_PATH, fj_gbk(None), "text/html")
    p.add(FJ_PDF, pdf, "application/pdf")

    # url_spellings: one report, twenty spellings of its URL, one answer (the listing names the
    # port, so FaultNetwork.start adds it once the port is known: see spellings())
    p = portal("url_spellings")
    p.canonical = canonical_path
    p.add(SPELLING_REPORT, sh)

    # deep_chain: page 1 (a report) -> ... -> page 12 (a report), by 下一页
    p = portal("deep_chain", start_path="/xxgk/nb/list_1.html")
    for n in range(1, DEEP_PAGES + 1):
        items = [(SH_PATH, SH_TITLE)] if n == 1 else [(FJ_PATH, FJ_TITLE)] if n == DEEP_PAGES else []
        nxt = f"<div class='page'><a href='list_{n + 1}.html'>下一页</a></div>" if n < DEEP_PAGES else ""
        body = listing(items, extra=(f"<p>第{n}页</p>" if not items else "") + nxt)
        p.add(f"/xxgk/nb/list_{n}.html", body)
    p.add(SH_PATH, sh)
    p.add(FJ_PATH, fj)
    p.add(FJ_PDF, pdf, "application/pdf")

    # http_500: robots.txt is fine, everything else fails
    p = portal("http_500")
    p.fallback = lambda h: h.send(500, b"<html><body>Internal Server Error</body></html>")

    # refused: a port kept bound but not listening
    portal("refused", listen=False)

    # slow_report: one report page is held; the other one answers
    p = portal("slow_report")
    p.add(p.start_path, listing([(SH_PATH, SH_TITLE), (FJ_PATH, FJ_TITLE)]))
    p.routes[SH_PATH] = lambda h: h.hold()
    p.add(FJ_PATH, fj)
    p.add(FJ_PDF, pdf, "application/pdf")

    # missing_report: one report link is a 404; the other one answers
    p = portal("missing_report")
    p.add(p.start_path, listing([(SH_PATH, SH_TITLE),
                                 ("/xxgk/nb/2021/t20210125_9.html", "故障演示市人民政府2020年政府信息公开工作年度报告")]))
    p.add(SH_PATH, sh)

    # attachment: a 详见附件 report page, its PDF
    p = portal("attachment")
    p.add(p.start_path, listing([(ATTACHMENT_PAGE, ATTACHMENT_TITLE)]))
    p.add(ATTACHMENT_PAGE, page(ATTACHMENT_TITLE,
                                f"<p style='text-align:center'><b>{ATTACHMENT_TITLE}</b></p>"
                                "<p>发布日期：2024-01-31</p><p>详见附件。</p>"
                                f"<p>附件：<a href='./P020240131.pdf'>{ATTACHMENT_TITLE}.pdf</a></p>"))
    p.add(ATTACHMENT_PDF, pdf, "application/pdf")

    assert [q.id for q in out] == list(PORTALS), "build() and PORTALS disagree"
    return out


def spellings(port: int) -> list[str]:
    """Twenty hrefs of http://127.0.0.1:<port>/xxgk/nb/report.html, as the listing
    /xxgk/nb/index.html writes them: every one the same resource to a URL canonicaliser."""
    host = f"{PORTAL_HOST}:{port}"
    return [
        f"http://{host}/xxgk/nb/report.html",
        "/xxgk/nb/report.html",
        "report.html",
        "./report.html",
        f"HTTP://{host}/xxgk/nb/report.html",
        f"HtTp://{host}/xxgk/nb/report.html",
        f"http://{host}/xxgk/nb/report.html#p1",
        "/xxgk/nb/report.html#",
        "/xxgk/./nb/../nb/report.html",
        "../nb/report.html",
        f"http://{host}/xxgk/nb/./report.html",
        "/xxgk/nb/%72eport.html",
        "/xxgk/nb/repor%74.html",
        "/%78xgk/nb/report%2Ehtml",
        "/xxgk/nb/report%2ehtml",
        "/xxgk/nb/report.html;jsessionid=ABC123",
        "/xxgk/nb/report.html;jsessionid=0F3A9B77C1D2E4F5A6B7C8D9E0F1A2B3",
        f"//{host}/xxgk/nb/report.html",
        f"HTTP://{host}/xxgk/./nb/%72eport.html;jsessionid=ABC123#p2",
        "/xxgk/nb/../../xxgk/nb/%72ep%6Frt.html",
    ]


# -- the network ----------------------------------------------------------------------------------

class FaultNetwork:
    def __init__(self, out: Path, hold: float = 8.0):
        self.out = out
        self.hold = hold
        self.servers: list[ThreadingHTTPServer] = []
        self.portals: list[Portal] = []

    def _serve(self, host: str, handler: type, name: str) -> ThreadingHTTPServer:
        server = ThreadingHTTPServer((host, 0), handler)
        server.daemon_threads = True
        self.servers.append(server)
        threading.Thread(target=server.serve_forever, name=name, daemon=True).start()
        return server

    def start(self) -> "FaultNetwork":
        self.out.mkdir(parents=True, exist_ok=True)
        sentinel_log = JsonLog(self.out / "sentinel.log")
        portal_log = JsonLog(self.out / "requests.log")
        sentinel_handler = type("Sentinel", (SentinelHandler,), {"log": sentinel_log})
        self.sentinel = self._serve(SENTINEL_HOST, sentinel_handler, "sentinel")
        self.sentinel_url = f"http://{SENTINEL_HOST}:{self.sentinel.server_address[1]}"
        self.portals = build(self.sentinel_url, self.hold)
        for p in self.portals:
            if not p.listen:
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.bind((PORTAL_HOST, 0))  # bound, never listening: connecting is refused
                p._reserved, p.port = s, s.getsockname()[1]
                continue
            handler = type(f"Handler_{p.id}", (Handler,), {"portal": p, "log": portal_log})
            p.port = self._serve(PORTAL_HOST, handler, f"portal-{p.id}").server_address[1]
        spell = next(p for p in self.portals if p.id == "url_spellings")
        spell.add(spell.start_path, listing([(href, SH_TITLE) for href in spellings(spell.port)]))
        return self

    def stop(self) -> None:
        STOP.set()
        for s in self.servers:
            s.shutdown()
            s.server_close()
        for p in self.portals:
            if p._reserved:
                p._reserved.close()

    def registry_rows(self) -> list[dict]:
        return [{"id": p.id, "name": NAMES[p.id], "level": "city", "region_code": REGION_CODES[p.id],
                 "start_url": p.url(p.start_path), "render": p.render, "cms": "",
                 "url_status": "fault portal on 127.0.0.1", "seen_report_url": "",
                 "notes": "fault: " + PORTALS[p.id]["fault"]} for p in self.portals]

    def manifest(self) -> dict:
        return {
            "sentinel": {"url": self.sentinel_url, "host": SENTINEL_HOST, "port": self.sentinel.server_address[1],
                         "log": str(self.out / "sentinel.log")},
            "requests_log": str(self.out / "requests.log"),
            "hold_seconds": self.hold,
            "portals": {p.id: {"port": p.port, "listen": p.listen, "start_url": p.url(p.start_path),
                               "render": p.render, **PORTALS[p.id],
                               "reports": {p.url(path): stem for path, stem in PORTALS[p.id]["reports"].items()}}
                        for p in self.portals},
            "attachment": {"report_url": next(p for p in self.portals if p.id == "attachment").url(ATTACHMENT_PAGE),
                           "url": next(p for p in self.portals if p.id == "attachment").url(ATTACHMENT_PDF),
                           "sha256": sha256_of("js_hongze_2023.pdf")},
        }

    def write(self) -> None:
        tmp = self.out / "portals.csv.tmp"
        rows = self.registry_rows()
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        os.replace(tmp, self.out / "portals.csv")
        (self.out / "manifest.json").write_text(json.dumps(self.manifest(), ensure_ascii=False, indent=1),
                                                encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.crawl.faultnet")
    ap.add_argument("--out", type=Path, required=True, help="where to write portals.csv, manifest.json, logs")
    ap.add_argument("--hold", type=float, default=8.0,
                    help="seconds a never-answering URL holds its connection before closing it "
                         "(the crawl's download timeout plus a few)")
    args = ap.parse_args(argv)
    net = FaultNetwork(args.out, hold=args.hold).start()
    net.write()
    return serve_until_signalled(net, f"fault network ready: {len(net.portals)} portals, sentinel "
                                      f"{net.sentinel_url}, registry {args.out / 'portals.csv'}")


if __name__ == "__main__":
    sys.exit(main())
