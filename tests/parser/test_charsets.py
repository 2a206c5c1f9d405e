"""Wrong charset labels: GBK bytes served as UTF-8, in the header, the <meta> or both.

A wrong label used to make the page `unreadable` with no cells. Now the bytes win over a
label they contradict, the report carries a warning that names both charsets, and the cells
are exactly the sample's. A label the bytes *nearly* fit (a UTF-8 page with a few broken
characters) is kept.
"""

from __future__ import annotations

import re

import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zfxxgk.pipelines.parser import OK, parse_document
from zfxxgk.pipelines.parser.decode import Decoded, decode_html
from tests.conftest import expected_cells, sample_bytes

HTML_SAMPLES = ["sh_govoffice_2019.html", "fj_putian_ptcg_2022.html"]
UTF8 = "text/html; charset=UTF-8"
GBK_AS_UTF8 = "charset_mislabelled:declared utf-8, decoded as gb18030"


def _text(name: str) -> str:
    return sample_bytes(name).decode("utf-8")


def _without_meta_charset(text: str) -> str:
    return re.sub(r"<meta[^>]*charset[^>]*>", "", text, flags=re.IGNORECASE)


def _charset_warnings(report) -> list[str]:
    return [w for w in report.warnings if w.startswith("charset_")]


def _assert_same_cells(name, data, content_type=None):
    report = parse_document(data, content_type=content_type)
    assert report.parse_status == OK, report.reason
    assert report.values() == expected_cells(name)
    return report


def _labelled(name: str, where: str) -> tuple[bytes, str | None]:
    """The sample as GBK bytes, still labelled UTF-8 (its own <meta> says utf-8)."""
    text = _text(name)
    assert re.search(r'<meta charset="utf-8">', text, re.IGNORECASE)
    if where == "header":
        return _without_meta_charset(text).encode("gbk"), UTF8
    if where == "meta":
        return text.encode("gbk"), None
    return text.encode("gbk"), UTF8


@pytest.mark.parametrize("where", ["header", "meta", "both"])
@pytest.mark.parametrize("name", HTML_SAMPLES)
def test_gbk_labelled_utf8(name, where):
    data, content_type = _labelled(name, where)
    report = _assert_same_cells(name, data, content_type)
    assert _charset_warnings(report) == [GBK_AS_UTF8]
    assert report.to_dict()["qa"]["warnings"].count(GBK_AS_UTF8) == 1


@pytest.mark.parametrize("name", HTML_SAMPLES)
def test_header_wrong_but_meta_right(name):
    text = re.sub(r'charset="?utf-8"?', 'charset="gbk"', _text(name), flags=re.IGNORECASE)
    report = _assert_same_cells(name, text.encode("gbk"), UTF8)
    assert _charset_warnings(report) == [GBK_AS_UTF8]


@pytest.mark.parametrize("name", HTML_SAMPLES)
def test_utf8_labelled_gbk(name):
    report = _assert_same_cells(name, sample_bytes(name), "text/html; charset=GBK")
    assert _charset_warnings(report) == ["charset_mislabelled:declared gb18030, decoded as utf-8"]


@pytest.mark.parametrize("name", HTML_SAMPLES)
def test_big5_labelled_utf8_is_not_read_as_gb18030(name):
    """Big5 bytes are valid GB18030 too, but read as nonsense: GB18030 must read as Chinese."""
    data = opencc.OpenCC("s2t").convert(_text(name)).encode("big5", "replace")
    report = _assert_same_cells(name, data)
    assert _charset_warnings(report) == ["charset_mislabelled:declared utf-8, decoded as big5hkscs"]


def _with_broken_characters(name: str, n: int = 5) -> bytes:
    """The sample with the last byte of n sentence-ending "。" cut off, in its prose."""
    data = bytearray(sample_bytes(name))
    cut = [m.end() - 1 for m in re.finditer("。".encode(), data[: data.find(b"<table")])][:n]
    assert len(cut) == n
    for i in reversed(cut):
        del data[i]
    return bytes(data)


@pytest.mark.parametrize("content_type", [None, UTF8])
@pytest.mark.parametrize("name", HTML_SAMPLES)
def test_utf8_with_a_few_broken_characters_stays_utf8(name, content_type):
    data = _with_broken_characters(name)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text, encoding, declared, mislabelled = decode_html(data, content_type)
    assert (encoding, declared, mislabelled) == ("utf-8", "utf-8", False)
    assert text.count("\ufffd") == 5
    report = _assert_same_cells(name, data, content_type)
    assert _charset_warnings(report) == []


@pytest.mark.parametrize("name", HTML_SAMPLES)
def test_true_labels_get_no_warning(name):
    assert _charset_warnings(_assert_same_cells(name, sample_bytes(name), UTF8)) == []
    gbk = re.sub(r'charset="?utf-8"?', 'charset="gb2312"', _text(name), flags=re.IGNORECASE).encode("gb18030")
    assert _charset_warnings(_assert_same_cells(name, gbk, "text/html; charset=gbk")) == []


def test_decode_html_results():
    page = "<html><head><title>政府信息公开工作年度报告</title></head><body><p>一、总体情况</p></body></html>"
    gbk = page.encode("gbk")
    assert decode_html(page.encode()) == Decoded(page, "utf-8", None, False)
    assert decode_html(gbk, "text/html; charset=gb2312") == Decoded(page, "gb18030", "gb18030", False)
    assert decode_html(gbk, UTF8) == Decoded(page, "gb18030", "utf-8", True)
    assert decode_html(gbk) == Decoded(page, "gb18030", None, False)  # unlabelled: detected, not mislabelled
    meta = page.replace("<head>", '<head><meta charset="utf-8">')
    assert decode_html(meta.encode("gbk"))[1:] == ("gb18030", "utf-8", True)
    # a BOM outranks every label, as in browsers
    assert decode_html(b"\xef\xbb\xbf" + page.encode(), "text/html; charset=gbk") == Decoded(page, "utf-8", "utf-8", False)
    # ASCII markup in UTF-16 is half NUL bytes: a "UTF-16" page without any is not UTF-16
    assert decode_html(page.encode(), "text/html; charset=utf-16")[1:] == ("utf-8", "utf-16-be", True)
    assert decode_html(page.encode("utf-16-be"), "text/html; charset=utf-16") == Decoded(page, "utf-16-be", "utf-16-be", False)
    # 0x80 is the euro sign in GBK (WHATWG's gb18030 decoder): no reason to doubt the label
    assert decode_html(gbk + b"\x80", "text/html; charset=gbk") == Decoded(page + "\u20ac", "gb18030", "gb18030", False)


def test_one_bad_byte_in_an_ascii_page_keeps_its_label():
    assert decode_html(b"<p>report 2023 \xff</p>", UTF8)[1:] == ("utf-8", "utf-8", False)


@settings(max_examples=200, deadline=3000)
@given(st.binary(max_size=5000), st.sampled_from([None, UTF8, "text/html; charset=gbk", "charset=utf-16",
                                                  "text/html; charset=bogus", "text/html; charset=latin-1"]))
def test_decode_html_never_raises(data, content_type):
    text, encoding, declared, mislabelled = decode_html(data, content_type)
    assert isinstance(text, str) and encoding
    assert mislabelled == (declared is not None and encoding != declared)
