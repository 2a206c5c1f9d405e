"""Issuing body, year and publication date, from the places portals print them."""

from __future__ import annotations

import pytest

from zfxxgk.pipelines.parser import parse_document
from zfxxgk.pipelines.parser.labels import section_heading
from zfxxgk.pipelines.parser.meta import parse_title


@pytest.mark.parametrize("title, year, agency", [
    ("2019年上海市人民政府办公厅政府信息公开工作年度报告", 2019, "上海市人民政府办公厅"),
    ("驻马店市人民政府2020年政府信息公开年度报告", 2020, "驻马店市人民政府"),
    ("莆田市城市管理局2022年度政府信息公开工作年度报告", 2022, "莆田市城市管理局"),
    ("沭阳县发展和改革局2023年政府信息公开年度报告", 2023, "沭阳县发展和改革局"),
    ("淮安市洪泽区人民政府2023年政府信息公开工作年度报告", 2023, "淮安市洪泽区人民政府"),
    ("2021年度柞水縣鳳凰鎮政府信息公開工作年度報告", 2021, "柞水縣鳳凰鎮"),  # as printed
])
def test_report_titles(title, year, agency):
    assert parse_title(title) == (year, agency)


@pytest.mark.parametrize("decoy", [
    "关于做好2022年政府信息公开工作年度报告编制和发布工作的通知",
    "转发省政务公开办关于2021年度政府信息公开工作年度报告的通知",
])
def test_notices_about_reports_are_not_report_titles(decoy):
    assert parse_title(decoy) is None


@pytest.mark.parametrize("text, n", [
    ("一、总体情况", 1),
    ("二、主动公开政府信息情况", 2),
    ("三、收到和处理政府信息公开申请情况", 3),
    ("三是收到和处理政府信息公开申请情况", 3),
    ("四、因政府信息公开工作被申请行政复议、提起行政诉讼情况", 4),
    ("四、政府信息公开行政复议、行政诉讼情况", 4),
    ("五、政府信息公开工作存在的主要问题及改进措施", 5),
    ("五．存在的主要问题及改进情况", 5),
    ("六、其他需要报告的事项", 6),
    ("一、本年新收政府信息公开申请数量", None),  # a T3 row label, not a heading
    ("三、本年度办理结果", None),
    ("四、结转下年度继续办理", None),
    ("（一）主动公开情况", None),
])
def test_section_headings(text, n):
    assert section_heading(text) == n


def test_meta_from_portal_tags_and_labelled_dates():
    page = """<html><head><meta charset="utf-8"><title>年报_某县人民政府</title>
    <meta name="ContentSource" content="某某县交通运输局"></head><body>
    <div>发布时间：2022年1月28日</div>
    <p>某某县交通运输局2021年政府信息公开工作年度报告</p>
    <p>一、总体情况</p><p>略。</p><p>五、存在的主要问题及改进情况</p><p>略。</p>
    <p>六、其他需要报告的事项</p><p>无。</p></body></html>"""
    report = parse_document(page.encode("utf-8"))
    assert (report.year, report.agency, report.published_at) == (2021, "某某县交通运输局", "2022-01-28")
    assert report.parse_status == "no_tables"
    assert report.sections["other"] == "无。"
