"""What kind of document a byte string is, from its first bytes, not from its name.

Portals serve Word files as .htm, PDFs as .do, and HTML error pages as .pdf; the extension
and the Content-Type are only tie-breakers between formats that share a container (OLE for
DOC/WPS/XLS, ZIP for DOCX/XLSX).
"""

from __future__ import annotations

import io
import zipfile

BINARY_FORMATS = ("pdf", "doc", "docx", "wps", "xls", "xlsx", "rtf", "image", "zip", "ofd")


def sniff(data: bytes, url: str | None = None, content_type: str | None = None) -> str:
    """One of: html, text, pdf, doc, docx, wps, xls, xlsx, rtf, image, zip, ofd, binary, empty."""
    head = data[:8]
    hint = ((url or "").lower().split("?")[0], (content_type or "").lower())
    if not data or data.isspace():  # not strip(): that copies the whole body to look at its ends
        return "empty"
    if head.startswith(b"%PDF") or data[:1024].lstrip().startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if hint[0].endswith((".xls", ".et")) or "excel" in hint[1]:
            return "xls"
        if hint[0].endswith(".wps") or "wps" in hint[1]:
            return "wps"
        return "doc"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM")) or data[8:12] == b"WEBP":
        return "image"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    sample = data[:4096]
    if not _utf16(sample) and len(sample.translate(None, _NOT_CONTROL)) > len(sample) // 50:
        return "binary"  # text in any charset portals use has (almost) no C0 control bytes
    low = sample.lower()
    if any(t in low for t in (b"<html", b"<!doctype html", b"<body", b"<table", b"<p>", b"<p ", b"<div", b"<meta")):
        return "html"
    return "text"


# every byte but the C0 controls other than tab, newlines, form feed and escape, and DEL
_NOT_CONTROL = bytes(b for b in range(256) if b >= 0x20 and b != 0x7F or b in b"\t\n\v\f\r\x1b")


def _utf16(sample: bytes) -> bool:
    return sample.startswith((b"\xff\xfe", b"\xfe\xff"))


def _zip_kind(data: bytes) -> str:
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except Exception:  # noqa: BLE001
        # A damaged archive is still a zip. zipfile's errors on bad bytes are not a closed
        # set (NotImplementedError for an unknown "zip file version"), and sniff runs on
        # every fetched body, in the crawl as well as in the parser.
        return "zip"
    if any(n.startswith("word/") for n in names):
        return "docx"
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    if any(n.startswith("Doc_") or n == "OFD.xml" for n in names):
        return "ofd"
    return "zip"
