"""Listings filled from a JSON list API: the page is a shell, its links come from /api/...?page=N.

How the API is found on the static page, first found first:

* an attribute: `<div id="list" data-url="/api/list?chnlid=1377&page=1">` (also data-api,
  data-list-url, data-source, data-src where the value is not an image);
* a script that builds it: `$.ajax({url: '/fjdzapp/data', data: {channelid: 100000, classsql:
  'chnlid=' + chnlid, prepage: 15, page: 1}})`, `$.getJSON(url, {...})`, `$.get`, `fetch(...)`,
  `axios.get(url, {params: {...}})`, the URL and the values joined from string literals and
  variables the page declares (`var chnlid = '1377';`); a variable it cannot resolve that names
  the page (`page`, `pageNo` ...) is page 1;
* a known list-API path in any script string (`/fjdzapp/data`, `*.json`).

A script that POSTs (`$.post`, `$.ajax({type: 'POST'})`) gets its form POSTed, the page number
changed in the form. Script calls to counters, weather, sign-in and the like are not fetched.

Where the API is only built by an external script or after user actions, only a browser finds
it: such portals need render=js (the Chromium fallback) or an override naming the API
(scraper/spiders/overrides/). What the browser saw it fetch is remembered (listing_memory);
when the static page is unchanged but the remembered API answers differently, the nightly
run reads the API's new answers here, with its own paging, and renders the page again only
where they cannot be read (not JSON, no records, an error, more pages than the browser saw
and no page parameter to ask for them), with that as the reason (`api_changed`). Only an API
that answered JSON when the browser saw it can be unreadable: the HTML fragments and text
counters the page fetched too are not the list.

What is read from the answer (JSON, or JSONP): the first list of objects under data / datas /
list / rows / records / result(s) / items / docs (one level down too, e.g. data.list); of each
object, its URL (docpuburl, chnldocurl, url, docurl, link, href ...) and title (doctitle,
title, name ...). Paging: page / pageNo / pageNum / currentPage, pageCount / totalPage / pages,
recordCount / total / totalCount with prepage / pageSize / rows; from the first answer the
remaining pages are requested by setting the page parameter (the one the API URL used, else
`page`).
"""

from __future__ import annotations

import json
import math
import re
from html import escape
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from parsel import Selector
from scrapy.http import HtmlResponse, Response, TextResponse

from zfxxgk.pipelines.urls import canonical_url

from ... import links as report_links
from ...render import static_sha
from ..base import answered_json
from .family import mode

_ATTRS = ("data-url", "data-api", "data-list-url", "data-listurl", "data-source", "data-src", "data-action")
_CALLS = re.compile(
    r"""(?:\$|jQuery)\s*\.\s*(?:ajax|getJSON|get|post)\s*\(|\bfetch\s*\(|\baxios(?:\s*\.\s*get)?\s*\(""")
_ASSIGN = re.compile(r"""\b(?:var|let|const)\s+([A-Za-z_$][\w$]*)\s*=\s*(-?\d+(?:\.\d+)?|'[^'\n]*'|"[^"\n]*")""")
_KNOWN_PATHS = re.compile(r"""["']([^"'\s]*(?:/fjdzapp/data|\.json)(?:\?[^"'\s]*)?)["']""")
_PAGE_NAMES = ("page", "pageNo", "pageNum", "pageIndex", "pageindex", "currentPage", "curPage", "currPage",
               "pageno", "pagenum", "p")
_LIST_KEYS = ("data", "datas", "list", "rows", "records", "result", "results", "items", "docs", "dataList",
              "content", "infolist", "docList")
_URL_KEYS = ("docpuburl", "chnldocurl", "url", "docurl", "DOCPUBURL", "DOCURL", "link", "href", "puburl", "linkurl",
             "linkUrl", "pageUrl", "detailUrl", "path")
_TITLE_KEYS = ("doctitle", "title", "DOCTITLE", "TITLE", "name", "subject", "topic", "fileName", "docTitle")
_PAGE_KEYS = ("page", "pageNo", "pageNum", "currPage", "currentPage", "current", "pageIndex", "curPage")
_COUNT_KEYS = ("pageCount", "totalPage", "totalPages", "pages", "pagecount", "pageTotal", "totalpage")
_RECORD_KEYS = ("recordCount", "total", "totalCount", "totalRecord", "totalElements", "count", "recordcount", "totalNum")
_SIZE_KEYS = ("prepage", "pageSize", "pagesize", "size", "perPage", "perpage", "rows", "limit")
MAX_API_PAGES = 200
# script calls that are not a list: counters, weather, sign-in, votes ... (not fetched)
_NOT_A_LIST = re.compile(r"visit|counter|count\.|hits|click|stat(?:istic)?s?\b|weather|login|logout|user|captcha|"
                         r"verify|vote|comment|share|like|token|session|heartbeat|track|log\b|\.js(?:\?|$)|\.css", re.I)


# -- finding the API on a page -----------------------------------------------------------------

def _split_args(s: str) -> list[str]:
    """Top-level comma-separated parts of a JS argument list or object body."""
    out, depth, cur, quote, i = [], 0, [], None, 0
    while i < len(s):
        c = s[i]
        if quote:
            cur.append(c)
            if c == "\\" and i + 1 < len(s):
                cur.append(s[i + 1])
                i += 1
            elif c == quote:
                quote = None
        elif c in "'\"`":
            quote = c
            cur.append(c)
        elif c in "([{":
            depth += 1
            cur.append(c)
        elif c in ")]}":
            if depth == 0:
                break
            depth -= 1
            cur.append(c)
        elif c == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    if "".join(cur).strip():
        out.append("".join(cur).strip())
    return out


def _eval(expr: str, names: dict):
    """A JS expression of string/number literals and variables joined by +; None if anything else."""
    parts = [p.strip() for p in re.split(r"\+(?=(?:[^'\"]*['\"][^'\"]*['\"])*[^'\"]*$)", expr)]
    out = []
    for p in parts:
        p = p.strip("() ")
        if re.fullmatch(r"-?\d+(?:\.\d+)?", p):
            out.append(p)
        elif len(p) >= 2 and p[0] == p[-1] and p[0] in "'\"`" and "${" not in p:
            out.append(p[1:-1])
        elif re.fullmatch(r"[A-Za-z_$][\w$]*", p):
            if p in names:
                out.append(str(names[p]))
            elif p in _PAGE_NAMES:
                out.append("1")
            else:
                return None
        else:
            return None
    return "".join(out)


def _object(body: str, names: dict) -> dict[str, str] | None:
    body = body.strip()
    if not (body.startswith("{") and body.endswith("}")):
        return None
    out = {}
    for item in _split_args(body[1:-1]):
        m = re.match(r"""\s*["']?([\w$]+)["']?\s*:\s*(.*)$""", item, re.S)
        if not m:
            continue
        if m.group(1) in ("success", "error", "complete", "beforeSend", "type", "method", "dataType",
                          "async", "cache", "headers", "contentType", "jsonp", "jsonpCallback", "timeout"):
            continue
        value = _eval(m.group(2), names)
        if value is not None:
            out[m.group(1)] = value
    return out


def _with_params(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(k, v) for k, v in params.items() if k not in dict(query)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def api_requests(text: str, base_url: str) -> list[tuple[str, str, dict | None]]:
    """Every list API the page names statically: (method, URL joined to the page's, POST form
    or None), first found first."""
    found: list[tuple[str, str, dict | None]] = []
    sel = Selector(text=text)
    for attr in _ATTRS:
        for value in sel.xpath(f"//@{attr}").getall():
            value = value.strip()
            if value and not value.startswith(("javascript:", "#", "data:")) and not re.search(
                    r"\.(?:png|jpe?g|gif|svg|webp|css|js)(?:\?|$)", value, re.I):
                found.append(("GET", value, None))
    scripts = "\n".join(sel.xpath("//script[not(@src)]/text()").getall())
    names = {m.group(1): m.group(2).strip("'\"") for m in _ASSIGN.finditer(scripts)}
    for m in _CALLS.finditer(scripts):
        args = _split_args(scripts[m.end():])
        if not args:
            continue
        first = args[0]
        method = "POST" if re.search(r"\.\s*post\s*\($", m.group(0), re.I) else "GET"
        if first.startswith("{"):  # $.ajax({url: ..., type: 'POST', data: {...}})
            obj_items = {}
            for item in _split_args(first.strip()[1:-1]):
                km = re.match(r"""\s*["']?(\w+)["']?\s*:\s*(.*)$""", item, re.S)
                if km:
                    obj_items[km.group(1)] = km.group(2).strip()
            url = _eval(obj_items.get("url", ""), names) if "url" in obj_items else None
            params = _object(obj_items.get("data", ""), names) or {}
            kind = (_eval(obj_items.get("type") or obj_items.get("method") or "'GET'", names) or "GET").upper()
            method = "POST" if kind == "POST" else "GET"
        else:
            url = _eval(first, names)
            params = {}
            if len(args) > 1:
                second = args[1].strip()
                inner = re.match(r"\{\s*params\s*:\s*(\{.*\})\s*\}$", second, re.S)
                params = _object(inner.group(1) if inner else second, names) or {}
        if url and not url.startswith(("javascript:", "#")) and not _NOT_A_LIST.search(urlsplit(url).path):
            if method == "POST":
                found.append(("POST", url, params))
            else:
                found.append(("GET", _with_params(url, params) if params else url, None))
    for m in _KNOWN_PATHS.finditer(scripts):
        found.append(("GET", m.group(1), None))
    out, seen, paths = [], set(), set()
    for method, url, form in found:
        full = urljoin_safe(base_url, url)
        key = (method, full, json.dumps(form, sort_keys=True))
        if not full or key in seen:
            continue
        parts = urlsplit(full)
        if method == "GET" and not parts.query and (parts.netloc, parts.path) in paths:
            continue  # the bare path of an API already found with its query (or its form)
        seen.add(key)
        paths.add((parts.netloc, parts.path))
        out.append((method, full, form))
    return out


def api_urls(text: str, base_url: str) -> list[str]:
    """The GET list APIs the page names statically, first found first."""
    return [url for method, url, _ in api_requests(text, base_url) if method == "GET"]


def urljoin_safe(base: str, url: str) -> str | None:
    full = urljoin(base, url)
    return full if urlsplit(full).scheme in ("http", "https") else None


# -- reading an answer -------------------------------------------------------------------------

def load(text: str):
    """The JSON of an answer, JSONP unwrapped; None if it is not JSON."""
    t = text.strip().lstrip("\ufeff")
    m = re.fullmatch(r"[\w$.]+\s*\((.*)\)\s*;?", t, re.S)
    if m:
        t = m.group(1)
    if not t or t[0] not in "[{":
        return None
    try:
        return json.loads(t)
    except ValueError:
        return None


def _items(doc):
    if isinstance(doc, list):
        return [x for x in doc if isinstance(x, dict)], {}
    if not isinstance(doc, dict):
        return [], {}
    for key in _LIST_KEYS:
        value = doc.get(key)
        if isinstance(value, list) and any(isinstance(x, dict) for x in value):
            return [x for x in value if isinstance(x, dict)], doc
    for key in _LIST_KEYS + ("page", "pager", "pageInfo", "body"):
        value = doc.get(key)
        if isinstance(value, dict):
            items, holder = _items(value)
            if items:
                return items, {**doc, **holder}
    return [], doc


def _first(d: dict, keys):
    for k in keys:
        v = d.get(k)
        if v not in (None, ""):
            return v
    return None


def _int(v):
    try:
        return int(float(v))
    except (TypeError, ValueError):
        return None


def api_links(doc, base_url: str) -> list[tuple[str, str]]:
    items, _ = _items(doc)
    out = []
    for item in items:
        url, title = _first(item, _URL_KEYS), _first(item, _TITLE_KEYS)
        if isinstance(url, str) and isinstance(title, str) and url.strip():
            title = " ".join(re.sub(r"<[^>]+>", "", title).split())
            out.append((urljoin(base_url, url.strip()), title))
    return out


def api_paging(doc, asked_size: int | None = None) -> tuple[int | None, int | None]:
    """(this page's number, number of pages) of an answer, where it says (the page size asked
    for standing in where the answer gives a record count and no size)."""
    items, holder = _items(doc)
    if not isinstance(holder, dict):
        return None, None
    page = _int(_first(holder, _PAGE_KEYS))
    count = _int(_first(holder, _COUNT_KEYS))
    if count is None:
        records = _int(_first(holder, _RECORD_KEYS))
        size = _int(_first({k: v for k, v in holder.items() if not isinstance(v, list)}, _SIZE_KEYS)) or asked_size
        if records is not None and size:
            count = math.ceil(records / size)
    return page, count


def asked_size(params: dict) -> int | None:
    return _int(_first(params, _SIZE_KEYS))


def page_param(url: str) -> tuple[str, int]:
    for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if k in _PAGE_NAMES and v.isdigit():
            return k, int(v)
    return "page", 1


def form_page_param(form: dict) -> tuple[str, int]:
    for k, v in form.items():
        if k in _PAGE_NAMES and str(v).isdigit():
            return k, int(v)
    return "page", 1


def set_param(url: str, name: str, value) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name] + [(name, str(value))]
    return urlunsplit(parts._replace(query=urlencode(query)))


def as_page(response, doc):
    """An API answer as the page of links it stands for: one <a> per item, and the paging.

    (Scrapy gives JSON bodies a JSON selector, which has no XPath: the spider's link scan reads
    the answer through this page instead.)
    """
    spec = response.meta.get("jsonapi")
    params = spec.get("form") if isinstance(spec, dict) else dict(parse_qsl(urlsplit(response.url).query))
    page, count = api_paging(doc, asked_size(params or {}))
    links = "".join(f'<li><a href="{escape(url)}">{escape(title)}</a></li>' for url, title in api_links(doc, response.url))
    attrs = "".join(f' data-api-{k}="{v}"' for k, v in (("page", page), ("pages", count)) if v is not None)
    body = f'<html><head><meta charset="utf-8"></head><body{attrs}><ul>{links}</ul></body></html>'
    return HtmlResponse(url=response.url, status=response.status, headers=response.headers, body=body.encode("utf-8"),
                        encoding="utf-8", request=response.request, flags=list(response.flags))


class JsonApiMixin:
    def json_listing(self, response, portal, url: str, method: str = "GET", form: dict | None = None):
        """A request for one page of a JSON list API (a POST with its form where the page posts
        one); never through the browser."""
        static = response.replace(flags=[])
        if method == "POST":
            return self.next_listing(static, portal, url, method="POST", body=urlencode(form or {}),
                                     headers={"Content-Type": "application/x-www-form-urlencoded"},
                                     meta={"jsonapi": {"form": dict(form or {})}, "conditional": False})
        return self.next_listing(static, portal, url, meta={"jsonapi": True})

    def parse_page(self, response):
        if response.meta.get("jsonapi"):
            doc = load(response.text) if hasattr(response, "text") else None
            if doc is not None:
                response = as_page(response, doc)
            elif hasattr(response, "text") and "<" not in response.text[:200]:
                portal = self.portal(response)
                self.ctx.event(portal.id, "not_json", response.url, "a JSON list API answered with no JSON: no links read")
                return
        yield from super().parse_page(response)

    def listing_requests(self, response, portal):
        yield from super().listing_requests(response, portal)
        how = mode(self, portal, "jsonapi")
        if response.meta.get("jsonapi"):
            body = response.xpath("//body")
            page, count = (body.attrib.get("data-api-page"), body.attrib.get("data-api-pages")) if body else (None, None)
            page, count = _int(page), _int(count)
            spec = response.meta["jsonapi"]
            form = spec.get("form") if isinstance(spec, dict) else None
            name, asked = form_page_param(form) if form is not None else page_param(response.url)
            if count is None or (page is not None and page != asked) or asked not in (0, 1):
                return  # the further pages are all requested from the first answer
            for n in range(asked + 1, asked + min(count, MAX_API_PAGES)):
                if form is not None:
                    req = self.json_listing(response, portal, response.url, "POST", {**form, name: str(n)})
                else:
                    req = self.json_listing(response, portal, set_param(response.url, name, n))
                if req is not None:
                    yield req
            return
        if how == "off" or response.meta.get("hanweb_group") or "playwright" in response.flags:
            return  # a rendered page: the browser has run the scripts, its links are in the DOM
        for method, url, form in api_requests(response.text, response.url):
            req = self.json_listing(response, portal, url, method, form)
            if req is not None:
                yield req

    async def api_changed(self, response, portal, memory, answers, changed):
        """The remembered API of a rendered listing answers differently: its records read here,
        no browser; the browser only where they cannot be read (the reason recorded). Only the
        APIs that answered JSON when remembered can be unreadable: a page also fetches HTML
        fragments, counters and the like, and what they answer now says nothing about the list."""
        if memory["method"] != "api" or mode(self, portal, "jsonapi") == "off":
            async for x in super().api_changed(response, portal, memory, answers, changed):
                yield x
            return
        found, apis, why = [], [], None
        where = memory["apis"][0]["url"]  # what the api_unread event is about
        first = pages = None  # the list API: the first remembered one answering records, and its page count
        listed = 0  # its pages the browser saw (the remembered answers with records)
        for api, got in zip(memory["apis"], answers):
            answered = isinstance(got, Response) and got.status == 200
            doc = load(got.text) if answered and isinstance(got, TextResponse) else None
            if doc is None and not answered_json(api):
                if answered:
                    apis.append({**api, "sha256": static_sha(got.body)})
                # (one that no longer answers is forgotten, until the browser next sees it fetched)
                continue
            if doc is None:
                where = api["url"]
                why = (f"the remembered API {where} failed: {got}" if isinstance(got, str)
                       else f"the remembered API {where} answered HTTP {got.status}" if got.status != 200
                       else f"the remembered API {where} answers with no JSON now")
                break
            apis.append({**api, "sha256": static_sha(got.body)})
            items = api_links(doc, got.url)
            if not items:
                continue  # an answer without records (a counter, a setting) is not the list
            if first is None:
                first = api["url"]
                pages = api_paging(doc, asked_size(dict(parse_qsl(urlsplit(first).query))))[1]
            listed += 1
            found += items
        if why is None and not found:
            why = f"no records read from the remembered API answers ({where})"
        name, asked = page_param(first) if first else ("page", 1)
        has_param = first is not None and name in dict(parse_qsl(urlsplit(first).query))
        if why is None and pages and pages > listed and not has_param:
            where = first
            why = (f"the remembered API {first} has {pages} pages now, the browser read {listed}, and its URL "
                   "names no page parameter")
        if why is not None:
            self.ctx.event(portal.id, "api_unread", where, f"{why}: {response.url} rendered again")
            yield self.render_request(portal, response, why)
            return
        self.crawler.stats.inc_value("zfxxgk/renders_saved")
        self.crawler.stats.inc_value("zfxxgk/api_reads")
        reports = [(url, text) for url, text in dict((canonical_url(u), t) for u, t in found).items()
                   if report_links.is_report_title(text)]
        self.ctx.remember_listing(portal.id, response.url, "api", memory["static_sha256"], apis,
                                  [list(r) for r in reports], memory["browser_pages"])
        due = 0
        for url, text in reports:
            if not portal.allows(url):
                self.ctx.event(portal.id, "offsite", url, f"report link off the portal's site, not followed: {url}")
                continue
            for request in self.report_request(portal, url, text, response, "api (read directly)"):
                due += 1
                yield request
        if pages and pages > listed and (due or not self.ctx.incremental(portal.id)):
            for n in range(asked + listed, asked + min(pages, MAX_API_PAGES)):
                req = self.json_listing(response, portal, set_param(first, name, n))
                if req is not None:
                    yield req

    def nav_requests(self, response, portal, page_links):
        if response.meta.get("jsonapi"):
            return iter(())  # an API's items are documents, not a way down to the column
        if mode(self, portal, "jsonapi") != "off" and "playwright" not in response.flags and api_requests(
                response.text, response.url):
            return iter(())  # a column whose list an API fills: this is the column, nothing to look for
        return super().nav_requests(response, portal, page_links)
