"""三明市人民政府 (Fujian): the 政府信息公开年报 column is filled from the platform's JSON API.

Fujian's TRS site platform draws the column's list (smsrmzfbgs/smsrmzf/zfxxgkndbg/index.htm,
channel 1377) with a shared external script; the page itself names neither the API nor the
channel, so the families cannot find it without a browser. The API is
`GET /fjdzapp/data?channelid=100000&classsql=chnlid=<channel>&prepage=N&page=N` (as the public
archive changwu/sanming-policy-opening-html enumerated it), answering
{page, prepage, pageCount, recordCount, data: [{doctitle, docpuburl, chnldocurl, docreltime ...}]}.
Its answers are read by the jsonapi family; this override only names the API.
Fixtures: overrides/fixtures/fj_sanming/ (the API answer is the real one, bytes unchanged).
"""

from __future__ import annotations

from urllib.parse import urlencode

from . import PortalOverride

COLUMNS = {"/smsrmzfbgs/smsrmzf/zfxxgkndbg/": "1377"}  # column path -> TRS channel id
API = "/fjdzapp/data"


class fj_sanming(PortalOverride):
    cms = "trs jsonapi"

    @staticmethod
    def channel(url: str) -> str | None:
        path = "/" + url.split("://", 1)[-1].split("/", 1)[-1]
        return next((channel for column, channel in COLUMNS.items() if path.startswith(column)), None)

    def listing_requests(self, response, default):
        yield from default(response)
        if response.meta.get("jsonapi"):
            return  # the API's own answers: paged by the jsonapi family
        channel = self.channel(response.url)
        if channel:
            url = response.urljoin(API + "?" + urlencode(
                {"channelid": "100000", "classsql": f"chnlid={channel}", "prepage": "100", "page": "1"}))
            req = self.spider.json_listing(response, self.portal, url)
            if req is not None:
                yield req

    def nav_requests(self, response, page_links, default):
        if self.channel(response.url):
            return iter(())  # the column itself: its list comes from the API, nothing to look for
        return default(response, page_links)
