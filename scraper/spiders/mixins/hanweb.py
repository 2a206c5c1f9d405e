"""Hanweb (大汉) JCMS columns: /col/colNNNN/index.html.

The first records of a column sit in the page where a link scan never sees them:

* `<datastore><recordset><record><![CDATA[<li><a ...>]]></record>...` - inside a
  `<script type="text/xml">` (most sites), or bare in the page (an HTML parser takes the CDATA
  for a comment);
* a jpage array, `var InitData49468 = ['<li><a ...>', ...]` named by `dataStore:` in the
  `$('#49468').jpage({...})` call (older jQuery jpage, e.g. 南通).

The rest come from POSTs to dataproxy.jsp?startrecord=&endrecord=&perpage= (the path varies:
/module/web/jpage/, /module/jpage/, /module/jslib/jquery/jpage/) with the column's form
(columnid, unitid, webid ...). The form is read from wherever the page keeps it, first found
first: the datastore's <nextgroup> link, the jpage call's `ajaxParam:{...}`, a
`var param_NNNN = {...}` object, hidden inputs, plain `var columnid = ...` variables; failing all
of those, the column id from the URL (/col/col1229/) and the unit id from the element the
datastore sits in (`<div id="5678">`) or the jpage call (`$('#5678')`).
How many records there are: <totalrecord>, else the jpage call's totalRecord. When neither
says, groups are asked for one after another until a group comes back short.
Articles are /art/YYYY/M/D/art_NNNN_NNNN.html.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from parsel import Selector

from .family import mode

_DATASTORE = re.compile(r"<datastore\b[^>]*>(.*?)</datastore\s*>", re.S | re.I)
_RECORD = re.compile(r"<record\b[^>]*>(.*?)</record\s*>", re.S | re.I)
_CDATA = re.compile(r"^\s*<!\[CDATA\[(.*?)\]\]>\s*$", re.S)
_NEXTGROUP = re.compile(r"<nextgroup\b[^>]*>\s*(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?\s*</nextgroup\s*>", re.S | re.I)
_TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
_JS_TOTAL = re.compile(r"""\btotalRecord["']?\s*:\s*["']?(\d+)""", re.I)
_PERPAGE = re.compile(r"""\bperpage["']?\s*[:=]\s*["']?(\d+)""", re.I)
_GROUPSIZE = re.compile(r"""\bgroupSize["']?\s*:\s*["']?(\d+)""", re.I)
_PROXY_URL = re.compile(r"""\bproxyUrl["']?\s*:\s*["']([^"']*dataproxy\.jsp[^"']*)["']""", re.I)
_PROXY_PATH = re.compile(r"""["'(=]\s*([^"'\s()]*/jpage/(?:more)?\w*dataproxy\.jsp)""", re.I)
_JPAGE = re.compile(r"""\$\(\s*["']#([\w-]+)["']\s*\)\s*\.jpage\s*\(\s*\{""")
_DATASTORE_NAME = re.compile(r"""\bdataStore\s*:\s*([A-Za-z_$][\w$]*)""")
_ARRAY = r"""\bvar\s+{name}\s*=\s*\["""
_AJAXPARAM = re.compile(r"""\bajaxParam\s*:\s*(\{[^{}]*\}|[A-Za-z_$][\w$]*)""")
_PARAM_VAR = re.compile(r"""\bvar\s+(param_\w+)\s*=\s*(\{[^{}]*\})""")
_OBJ_ITEM = re.compile(r"""["']?(\w+)["']?\s*:\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(-?[\w.]+))""")
_JS_STRING = re.compile(r"""'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)\"""", re.S)
_COL_URL = re.compile(r"/col/col(\d+)/")
_FORM_KEYS = ("columnid", "unitid", "webid", "webname", "path", "sourceContentType", "permissiontype", "col", "appid")
_VAR_KEYS = {"columnid": "columnid", "columnId": "columnid", "colid": "columnid", "unitid": "unitid",
             "unitId": "unitid", "webid": "webid", "webId": "webid", "siteid": "webid", "siteId": "webid"}
DEFAULT_PROXY = "/module/web/jpage/dataproxy.jsp"
PROXY_PATH = DEFAULT_PROXY  # the first version's name
PAGES_PER_REQUEST = 3  # the JCMS pager asks for three pages of records at a time
DEFAULT_PERPAGE = 15


def _links(fragment: str, base_url: str) -> list[tuple[str, str]]:
    out = []
    for a in Selector(text=fragment).xpath("//a[@href]"):
        title = (a.attrib.get("title") or "").strip()
        label = " ".join(a.xpath("string(.)").get("").split())
        href = a.attrib["href"].strip()
        if href and not href.startswith(("javascript:", "#")):
            out.append((urljoin(base_url, href), title if len(title) > len(label) else label))
    return out


def _record_html(record: str) -> str:
    m = _CDATA.match(record)
    if m:
        return m.group(1)
    return html.unescape(record) if "&lt;" in record else record


def datastore_records(text: str) -> list[str]:
    return [_record_html(r) for store in _DATASTORE.findall(text) for r in _RECORD.findall(store)]


def _unescape_js(s: str) -> str:
    return re.sub(r"\\(u[0-9a-fA-F]{4}|.)", lambda m: chr(int(m.group(1)[1:], 16)) if m.group(1)[0] == "u"
                  and len(m.group(1)) == 5 else m.group(1), s)


def _array_at(text: str, start: int) -> list[str]:
    """The string literals of a JS array literal whose '[' is just before `start`, up to its ']'."""
    out, i = [], start
    while i < len(text):
        ws = re.compile(r"[\s,]*").match(text, i).end()
        if ws < len(text) and text[ws] == "]":
            break
        m = _JS_STRING.match(text, ws)
        if not m:
            break
        out.append(_unescape_js(m.group(1) if m.group(1) is not None else m.group(2)))
        i = m.end()
    return out


def initdata_records(text: str) -> list[str]:
    """The records of jpage arrays: var InitData49468 = ['<li>...</li>', ...] (named by dataStore:)."""
    names = set(_DATASTORE_NAME.findall(text)) | set(re.findall(r"\bvar\s+(InitData\w*)\s*=\s*\[", text))
    out = []
    for name in sorted(names):
        m = re.search(_ARRAY.format(name=re.escape(name)), text)
        if m:
            out.extend(r for r in _array_at(text, m.end()) if "<a" in r.lower())
    return out


def page_records(text: str) -> list[str]:
    return datastore_records(text) + initdata_records(text)


def datastore_links(text: str, base_url: str) -> list[tuple[str, str]]:
    return [link for record in page_records(text) for link in _links(record, base_url)]


def _js_object(obj: str, text: str) -> dict[str, str]:
    if not obj.startswith("{"):  # a variable name: ajaxParam: param_1234
        m = re.search(r"\bvar\s+" + re.escape(obj) + r"\s*=\s*(\{[^{}]*\})", text)
        if not m:
            return {}
        obj = m.group(1)
    out = {}
    for m in _OBJ_ITEM.finditer(obj[1:-1]):
        value = next(v for v in m.groups()[1:] if v is not None)
        out[m.group(1)] = _unescape_js(value)
    return out


def proxy_form(text: str, url: str) -> tuple[dict[str, str], str | None]:
    """The column's dataproxy form and proxy path, from wherever the page keeps them."""
    form: dict[str, str] = {}
    proxy = None
    m = _NEXTGROUP.search(text)
    if m:
        href = Selector(text=m.group(1)).xpath("//a/@href").get() or ""
        if "dataproxy" in href:
            proxy = urlsplit(href).path or None
            form.update({k: v for k, v in parse_qsl(urlsplit(href).query, keep_blank_values=True)})
    for m in _AJAXPARAM.finditer(text):
        for k, v in _js_object(m.group(1), text).items():
            form.setdefault(k, v)
    for m in _PARAM_VAR.finditer(text):
        for k, v in _js_object(m.group(2), text).items():
            form.setdefault(k, v)
    sel = Selector(text=text)
    for inp in sel.xpath("//input[@type='hidden' or @type='HIDDEN']"):
        key = _VAR_KEYS.get(inp.attrib.get("name") or inp.attrib.get("id") or "")
        if key and inp.attrib.get("value"):
            form.setdefault(key, inp.attrib["value"].strip())
    for m in re.finditer(r"""\bvar\s+(\w+)\s*=\s*["']?(\d+)["']?\s*[;,\n]""", text):
        key = _VAR_KEYS.get(m.group(1))
        if key:
            form.setdefault(key, m.group(2))
    if "columnid" not in form:
        m = _COL_URL.search(urlsplit(url).path)
        if m:
            form["columnid"] = m.group(1)
    if "unitid" not in form:
        m = _JPAGE.search(text) or re.search(
            r"""<div[^>]*\bid=["'](\d+)["'][^>]*>\s*(?:<script[^>]*text/xml[^>]*>\s*)?<datastore""", text, re.I)
        if m and m.group(1).isdigit():
            form["unitid"] = m.group(1)
    m = _PROXY_URL.search(text) or _PROXY_PATH.search(text)
    if not proxy and m:
        proxy = urlsplit(m.group(1)).path
    return form, proxy


def proxy_params(text: str) -> dict[str, str] | None:
    """The column's dataproxy parameters, from the <nextgroup> link of its datastore (first version)."""
    form, _ = proxy_form(text, "")
    return form if form.get("columnid") else None


def _looks_hanweb(text: str, url: str) -> bool:
    low = text.lower()
    return "<datastore" in low or "dataproxy.jsp" in low or ".jpage(" in low or bool(
        _COL_URL.search(url) and "initdata" in low)


class HanwebMixin:
    def extra_links(self, response):
        yield from super().extra_links(response)
        portal = self.ctx.by_id.get(response.meta.get("portal"))
        how = mode(self, portal, "hanweb") if portal is not None else "detect"
        if how == "off" or response.meta.get("jsonapi"):
            return
        text = response.text
        low = text.lower()
        if how == "forced" or "<datastore" in low or "initdata" in low or "datastore" in low:
            yield from datastore_links(text, response.url)

    def listing_requests(self, response, portal):
        yield from super().listing_requests(response, portal)
        how = mode(self, portal, "hanweb")
        if how == "off" or response.meta.get("jsonapi"):
            return
        group = response.meta.get("hanweb_group")
        if isinstance(group, dict):  # a dataproxy answer: the next group, when counting blind
            if group.get("chain") and len(page_records(response.text)) >= group["step"]:
                yield from self._hanweb_groups(response, portal, group["proxy"], group["form"], group["perpage"],
                                               group["step"], group["next"], None)
            return
        if group:
            return
        text = response.text
        if how == "detect" and not _looks_hanweb(text, response.url):
            return
        form, proxy = proxy_form(text, response.url)
        if not form.get("columnid") or not form.get("unitid"):
            return
        total = _TOTAL.search(text) or _JS_TOTAL.search(text)
        total = int(total.group(1)) if total else None
        shown = len(page_records(text))
        m = _PERPAGE.search(text)
        groups = _GROUPSIZE.search(text)
        per_request = int(groups.group(1)) if groups and int(groups.group(1)) > 0 else PAGES_PER_REQUEST
        perpage = int(m.group(1)) if m else (max(shown // per_request, 1) if shown else DEFAULT_PERPAGE)
        if total is None and how == "detect" and not _NEXTGROUP.search(text) and not _JPAGE.search(text):
            return
        form = {k: v for k, v in form.items() if k not in ("page", "startrecord", "endrecord", "perpage")}
        form.setdefault("col", "1")
        form.setdefault("appid", "1")
        yield from self._hanweb_groups(response, portal, proxy or DEFAULT_PROXY, form, perpage,
                                       perpage * per_request, shown + 1, total)

    def _hanweb_groups(self, response, portal, proxy, form, perpage, step, start, total):
        """POSTs for the records from `start` on: every group up to `total`, or (total unknown) the next one."""
        ends = range(start, total + 1, step) if total is not None else [start]
        for first in ends:
            last = min(first + step - 1, total) if total is not None else first + step - 1
            url = response.urljoin(f"{proxy}?startrecord={first}&endrecord={last}&perpage={perpage}")
            meta = {"hanweb_group": {"chain": total is None, "proxy": proxy, "form": form, "perpage": perpage,
                                     "step": step, "next": last + 1} if total is None else True,
                    "conditional": False}
            req = self.next_listing(response, portal, url, method="POST", body=urlencode(form),
                                    headers={"Content-Type": "application/x-www-form-urlencoded"}, meta=meta)
            if req is not None:
                yield req
