"""The report parser: bytes of one document in, a structured `Report` out.

A pure library: no Scrapy, no network, no database. The crawler calls it on what it fetched,
and `zfxxgk reparse` calls it again on the raw archive whenever the parser improves.

    >>> from pipelines.parser import parse_document
    >>> report = parse_document(open("report.html", "rb").read(), url="http://...")
    >>> report.parse_status, report.year, report.cells["applications.total.new_received"].value

It never raises on bad input: what it cannot read comes back with `parse_status` and a
`reason` a person can act on.

`decode_html(body, content_type)` is the parser's own decoding step, for callers that need
a page's text: it follows the charset label unless the bytes contradict it.
"""

from __future__ import annotations

from .decode import Decoded, decode_html
from .model import (ERROR, NO_TABLES, NOT_A_REPORT, OK, PARSER_VERSION, PARTIAL, UNREADABLE,
                    UNSUPPORTED, Cell, IdentityCheck, Report)
from .parse import parse_document
from .sniff import sniff

__all__ = ["parse_document", "sniff", "decode_html", "Decoded", "Report", "Cell", "IdentityCheck",
           "PARSER_VERSION", "OK", "PARTIAL", "NO_TABLES", "NOT_A_REPORT", "UNREADABLE", "UNSUPPORTED",
           "ERROR"]
