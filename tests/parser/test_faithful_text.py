"""What the parser stores is the document's own text: full-width punctuation and digits,
traditional characters and the publisher's brackets as printed, with only whitespace runs
collapsed; matching still reads folded copies. Portal furniture around the report body
(投稿/来源/时间 lines, share buttons) is not part of the report's text."""

from __future__ import annotations

import unicodedata

import lxml.html
import pytest

from zfxxgk.pipelines.agencies import agency_id, describe, normalize
from zfxxgk.pipelines.parser import parse_document
from zfxxgk.pipelines.parser.document import Block, is_furniture
from zfxxgk.pipelines.parser.normalize import clean_text, fold_offsets, original_span
from tests.conftest import expected_cells, sample_bytes

BODY = "莆田市城市管理局（莆田市城市管理综合执法局）"


def _putian_retitled() -> bytes:
    """The 莆田 page with its body named with full-width brackets and its year in full-width digits."""
    return sample_bytes("fj_putian_ptcg_2022.html").replace(
        "莆田市城市管理局2022年度".encode(), f"{BODY}２０２２年度".encode())


def test_title_and_agency_come_back_as_printed():
    report = parse_document(_putian_retitled())
    assert report.title == f"{BODY}２０２２年度政府信息公开工作年度报告"
    assert report.agency == BODY
    assert report.year == 2022  # read from the full-width digits
    assert report.values() == expected_cells("fj_putian_ptcg_2022")


def test_prose_and_labels_are_the_documents_characters():
    page = sample_bytes("fj_putian_ptcg_2022.html")
    report = parse_document(page)
    # every paragraph of the page as lxml reads it, spaces collapsed, is in the report's text
    tree = lxml.html.document_fromstring(page.decode("utf-8"))
    paragraphs = [" ".join(p.text_content().split()) for p in tree.iter("p")]
    printed = [p for p in paragraphs if len(p) > 40 and "，" in p]
    assert len(printed) >= 5
    for p in printed:
        assert p in report.text, p
    rows = [line for line in report.text.splitlines() if " | " in line]
    assert "三、本年度办理结果 | （一）予以公开 | 4 | 0 | 0 | 0 | 0 | 0 | 4" in rows
    assert "信息内容 | 本年收费金额（单位：万元）" in rows


def test_traditional_title_keeps_its_characters_and_joins_the_simplified_body():
    printed = "柞水縣鳳凰鎮人民政府"
    report = parse_document(
        f"<html><body><p>{printed}2021年政府信息公開工作年度報告</p><p>一、总体情况</p><p>略。</p>"
        "<p>五、存在的主要问题及改进情况</p><p>略。</p><p>六、其他需要报告的事项</p><p>无。</p>"
        "</body></html>".encode("utf-8"))
    assert report.agency == printed
    assert describe(printed).id == describe("柞水县凤凰镇人民政府").id


def test_agency_ids_are_those_of_the_folded_names():
    """Ids were made from names the parser folded; the names as printed give the same ids."""
    for stem in ("fj_putian_ptcg_2022.html", "sh_govoffice_2019.html", "zhumadian_2020.txt", "js_hongze_2023.pdf"):
        agency = parse_document(sample_bytes(stem)).agency
        assert describe(agency).id == agency_id(normalize(unicodedata.normalize("NFKC", agency))), stem
    assert describe(BODY).id == describe(unicodedata.normalize("NFKC", BODY)).id
    assert describe(BODY).region_code == "350300"


def test_a_kangxi_radical_from_a_pdf_font_reads_as_the_ideograph():
    text = sample_bytes("zhumadian_2020.txt").decode("utf-8").replace("一、总体情况", "\u2f00、总体情况")
    report = parse_document(text.encode("utf-8"))
    assert report.sections["overview"].startswith("2020年,驻马店市政府")  # this page prints ASCII commas
    assert "一、总体情况" in report.text.splitlines()


FURNITURE = ("投稿:huoruiqi", "来源:时间:2021年03月08日", "索 引 号: S0001-0000-2021-00717", "信息来源: 发文日期:",
             "名 称: 驻马店市人民政府", "文 号: 有 效 性:")


def test_page_furniture_is_not_report_text():
    report = parse_document(sample_bytes("zhumadian_2020.txt"))
    assert sum(line in sample_bytes("zhumadian_2020.txt").decode("utf-8") for line in FURNITURE[:2]) == 2
    for line in FURNITURE:
        assert line not in report.text, line
    lines = report.text.splitlines()
    assert "驻马店市人民政府2020年政府信息公开年度报告" in lines  # the title line stays
    assert report.published_at == "2021-03-08"  # read from the 发文日期 field all the same
    assert lines[-1].startswith("4.行政事业性收费")


def test_furniture_cut_out_of_a_body_printed_on_one_line():
    report = parse_document(sample_bytes("docs/fj_pingtan_jtj_2022.txt"))
    lines = report.text.splitlines()
    for piece in ("来源：", "时间：2023-01-09", "19:36", "-->", "微信", "微博", "QQ空间", "全真版", "文字版", "文件下载",
                  "相关链接：", "附件下载"):
        assert piece not in lines, piece
    assert "平潭综合实验区交通与建设局2022年度政府信息公开工作年度报告" in lines
    assert report.values() == expected_cells("docs/fj_pingtan_jtj_2022")


def test_clean_text_collapses_whitespace_only():
    assert clean_text("\u3000\u3000（一）予以公开，\u00a0 合\u3000\u3000计：１２\u200b件\n") == "（一）予以公开， 合 计：１２ 件"


def test_fold_offsets_map_matches_back_to_the_original():
    text = "政府信息……公开（２０２２年）"
    folded, where = fold_offsets(text, lower=True)
    assert folded == "政府信息......公开(2022年)"
    i = folded.index("公开(2022")
    a, b = original_span(where, i, i + len("公开(2022"))
    assert text[a:b] == "公开（２０２２"


def test_fold_offsets_are_not_fooled_by_lengths_that_cancel_out():
    # '…' folds to three characters and 'e' + U+0301 to one: the same length, other places
    text = "…公开申请e\u0301e\u0301"
    folded, where = fold_offsets(text)
    i = folded.index("公开")
    assert text[slice(*original_span(where, i, i + 2))] == "公开"
    j = folded.index("\u00e9")
    assert text[slice(*original_span(where, j, j + 1))] == "e\u0301"
    # a grapheme cut by a 64-character chunk boundary is folded whole
    text = "X" * 63 + "e\u0301公开…"
    folded, where = fold_offsets(text)
    assert "\u00e9公开" in folded
    k = folded.index("公开")
    assert text[slice(*original_span(where, k, k + 2))] == "公开"


@pytest.mark.parametrize("line, furniture", [
    ("时间：2023-01-09 19:36", True),
    ("时间：2023-01-09 来源：莆田市城市管理局", True),
    ("索 引 号：FJ01-2023-001", True),
    ("浏览次数：123", True),
    ("来源：莆田市城市管理局", True),
    # a report's own lines under the same names (its 六 follows the last heading, so it is
    # outside the anchors and only the shape of the value tells it from furniture)
    ("时间 ：2022年度本机关共收取信息处理费0元", False),
    ("来源：本机关统计，数据截至2022年12月31日", False),
    ("日期：本年度共召开新闻发布会3次，解读政策文件12件。", False),
])
def test_furniture_is_told_by_the_shape_of_its_value(line, furniture):
    assert is_furniture(Block("para", text=line)) is furniture


def test_snippet_brackets_the_printed_characters_wherever_the_first_match_is():
    """Snippets fold a few lines at a time (pipelines/cjk.py): the brackets still go around the
    characters as printed, in a later line, after expanding or combining characters, and the
    earliest of several words wins."""
    from zfxxgk.pipelines.cjk import snippet

    later = "（一）主动公开情况，" * 30 + "\n" + "无关内容。\n" * 80 + "本年度收到行政複議申請２件……e\u0301"
    assert "[行政複議]" in snippet(later, "行政复议")
    assert snippet(later, "行政复议").endswith("收到[行政複議]申請２件……e\u0301")
    cancel = "…" * 40 + "e\u0301" * 40 + "公开（２０２２年）"  # lengths that cancel out before the match
    assert snippet(cancel, "公开", width=2) == "…e\u0301[公开]（２…"
    assert snippet("其他\n" * 300 + "公开、复议", "复议 公开").endswith("其他 [公开]、复议")
    assert snippet("没有这个词\n" * 100, "复议") == ("没有这个词 " * 24)[:120] + "…"
