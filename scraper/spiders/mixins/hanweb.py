"""Hanweb (大汉) JCMS columns: /col/colNNNN/index.html.

The first records of a column sit in the page inside `<datastore>` as CDATA `<record>`s (in a
`<script type="text/xml">`, so a link scan of the page never sees them). The rest come from
POSTs to /module/web/jpage/dataproxy.jsp?startrecord=&endrecord=&perpage= with the column's
parameters (columnid, unitid, webid ...), which the page announces in its <nextgroup> link.
Articles are /art/YYYY/M/D/art_NNNN_NNNN.html.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from parsel import Selector

_DATASTORE = re.compile(r"<datastore>(.*?)</datastore>", re.S | re.I)
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>\s*</nextgroup>", re.S | re.I)
_TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
_PERPAGE = re.compile(r"""perpage["']?\s*[:=]\s*["']?(\d+)""", re.I)
PROXY_PATH = "/module/web/jpage/dataproxy.jsp"
PAGES_PER_REQUEST = 3  # the JCMS pager asks for three pages of records at a time


def datastore_links(text: str, base_url: str) -> list[tuple[str, str]]:
    out = []
    for store in _DATASTORE.findall(text):
        for record in _RECORD.findall(store):
            sel = Selector(text=record)
            for a in sel.xpath("//a[@href]"):
                title = (a.attrib.get("title") or "").strip()
                label = " ".join(a.xpath("string(.)").get("").split())
                href = a.attrib["href"].strip()
                if href and not href.startswith("javascript:"):
                    out.append((urljoin(base_url, href), title if len(title) > len(label) else label))
    return out


def proxy_params(text: str) -> dict[str, str] | None:
    """The column's dataproxy parameters, from the <nextgroup> link of its datastore."""
    m = _NEXTGROUP.search(text)
    if not m:
        return None
    href = Selector(text=m.group(1)).xpath("//a/@href").get() or ""
    if PROXY_PATH not in href:
        return None
    params = dict(parse_qsl(urlsplit(href).query, keep_blank_values=True))
    return params if params.get("columnid") else None


class HanwebMixin:
    def extra_links(self, response):
        yield from super().extra_links(response)
        if "<datastore" in response.text.lower():
            yield from datastore_links(response.text, response.url)

    def listing_requests(self, response, portal):
        yield from super().listing_requests(response, portal)
        if response.meta.get("hanweb_group") or "<datastore" not in response.text.lower():
            return
        params = proxy_params(response.text)
        total = _TOTAL.search(response.text)
        if not params or not total:
            return
        total = int(total.group(1))
        shown = len(_RECORD.findall(response.text))
        m = _PERPAGE.search(response.text)
        perpage = int(m.group(1)) if m else max(shown // PAGES_PER_REQUEST, 1) or 15
        form = {k: v for k, v in params.items() if k not in ("page", "startrecord", "endrecord", "perpage")}
        form.setdefault("col", "1")
        form.setdefault("appid", "1")
        step = perpage * PAGES_PER_REQUEST
        for start in range(shown + 1, total + 1, step):
            end = min(start + step - 1, total)
            url = response.urljoin(f"{PROXY_PATH}?startrecord={start}&endrecord={end}&perpage={perpage}")
            req = self.next_listing(response, portal, url, method="POST", body=urlencode(form),
                                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                                    meta={"hanweb_group": True, "conditional": False})
            if req is not None:
                yield req
