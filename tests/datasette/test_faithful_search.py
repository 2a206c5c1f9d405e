"""Search matches folded text and quotes the original: a word typed half-width finds the
full-width characters a report prints, and its snippet shows them as printed. No line of page
furniture (投稿/来源/时间 ...) is in a stored text or a snippet."""

from __future__ import annotations

import sqlite3
from urllib.parse import quote

import pytest

from zfxxgk.archive import BlobStore
from zfxxgk.pipelines.db import open_db
from zfxxgk.pipelines.store import refresh_search
from tests.conftest import sample_bytes

from .conftest import FJ_URL, _store, build_archive, make_datasette

BODY = "莆田市城市管理局（莆田市城市管理综合执法局）"
PRINTED = "“莆田数字城管”微信公众号、５Ｇ消息和政务公开栏"


@pytest.fixture(scope="module")
def wide(tmp_path_factory):
    """The sample archive plus the 莆田 page as a body might print it: its name with full-width
    brackets, its year and a word in full-width letters and digits."""
    archive = build_archive(tmp_path_factory.mktemp("wide"))
    page = (sample_bytes("fj_putian_ptcg_2022.html")
            .replace("莆田市城市管理局2022年度".encode(), f"{BODY}２０２２年度".encode())
            .replace("“莆田数字城管”微信公众号和政务公开栏".encode(), PRINTED.encode()))
    assert PRINTED.encode() in page
    db = open_db(archive["db"])
    _store(db, BlobStore(archive["archive"]), portal="fj_putian", url=FJ_URL.replace("1794760", "1794761"),
           body=page, run_id=4, seen_at="2026-01-04T02:04:00Z")
    refresh_search(db)
    db.conn.close()
    return make_datasette(archive)


async def _search(ds, q: str) -> list[dict]:
    response = await ds.client.get(f"/zfxxgk/search.json?q={quote(q)}&_shape=array")
    assert response.status_code == 200, response.text
    return response.json()


async def test_half_width_query_finds_full_width_text_and_quotes_it_as_printed(wide):
    rows = await _search(wide, "5G")
    assert [r["agency"] for r in rows] == [BODY]
    assert "微信公众号、[５Ｇ]消息和政务公开栏" in rows[0]["snippet"]
    assert rows[0]["title"] == f"{BODY}２０２２年度政府信息公开工作年度报告"
    # the same word typed full-width, and the body's name typed with ASCII brackets
    assert [r["agency"] for r in await _search(wide, "５ｇ")] == [BODY]
    assert BODY in {r["agency"] for r in await _search(wide, "(莆田市城市管理综合执法局)")}


async def test_two_character_word_snippet_keeps_the_printed_punctuation(wide):
    rows = await _search(wide, "公开")
    assert len(rows) == 5  # every current report
    for r in rows:
        assert "[公开]" in r["snippet"]
    snippets = " ".join(r["snippet"] for r in rows)
    assert "，" in snippets and "（" in snippets


FURNITURE = ("投稿", "huoruiqi", "来源:时间", "索 引 号", "信息来源:", "发文日期:", "名 称:", "文 号:", "有 效 性")


@pytest.mark.parametrize("q", ["投稿", "来源", "时间", "索引", "发文日期", "名称", "有效", "公开", "政府信息"])
async def test_no_furniture_in_any_snippet(ds, q):
    for r in await _search(ds, q):
        assert not any(f in r["snippet"] for f in FURNITURE), r["snippet"]


def test_no_furniture_in_any_stored_text(sample_archive):
    conn = sqlite3.connect(sample_archive["db"])
    texts = [t for (t,) in conn.execute("SELECT full_text FROM report_texts")]
    conn.close()
    assert len(texts) == 5
    assert "投稿:huoruiqi" in sample_bytes("zhumadian_2020.txt").decode("utf-8")
    for text in texts:
        assert not any(f in text for f in FURNITURE)
