"""The portal registry and link classification."""

from __future__ import annotations

import pytest

from zfxxgk.scraper import links, registry


def test_shipped_registry_loads_and_marks_urls_unverified():
    portals = registry.load()
    assert len(portals) >= 20
    assert all(p.url_status.startswith("unverified") for p in portals)
    assert {p.level for p in portals} <= {"province", "city", "county", "town"}
    assert all(len(p.region_code) == 6 and p.region_code.isdigit() for p in portals)


@pytest.mark.parametrize("csv_text, message", [
    ("id,name,level,region_code\nx,y,z,1\n", r"r.csv:1: missing columns: start_url"),
    ("id,name,level,region_code,start_url\nBad Id,a,b,1,http://x/\n", r"r.csv:2: id 'Bad Id'"),
    ("id,name,level,region_code,start_url\n../x,a,b,1,http://x/\n", r"r.csv:2: id '../x'"),
    ("id,name,level,region_code,start_url\na,a,b,1,http://x/\na,a,b,1,http://y/\n", r"r.csv:3: duplicate id"),
    ("id,name,level,region_code,start_url\na,a,b,1,ftp://x/\n", r"r.csv:2: start_url must be an http\(s\) URL"),
    ("id,name,level,region_code,start_url\na,a,b,1,http://x:port/\n", r"r.csv:2: start_url .* is not a URL"),
    ("id,name,level,region_code,start_url,render\na,a,b,1,http://x/,sometimes\n", r"r.csv:2: render must be"),
    ("id,name,level,region_code,start_url\na,a,b,1,http://x/,extra\n", r"r.csv:2: more fields"),
    ('id,name,level,region_code,start_url\n"a,a,b,1,http://x/\n', r"r.csv:"),
])
def test_registry_errors_name_the_line(tmp_path, csv_text, message):
    path = tmp_path / "r.csv"
    path.write_text(csv_text, encoding="utf-8")
    with pytest.raises(registry.RegistryError, match=message):
        registry.load(path)


def test_registry_accepts_any_id_safe_as_a_name(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("id,name,level,region_code,start_url\nFJ-Putian_2,a,b,1,http://x/\n", encoding="utf-8")
    assert [p.id for p in registry.load(path)] == ["FJ-Putian_2"]


def test_a_bad_registry_is_one_line_and_nothing_starts(tmp_path):
    from tests.conftest import zfxxgk

    path = tmp_path / "r.csv"
    path.write_text("id,name,level,region_code,start_url\nok,a,b,1,http://x/\nno way,a,b,1,http://y/\n",
                    encoding="utf-8")
    got = zfxxgk("crawl", "--portals", path, "--db", tmp_path / "z.db", "--archive", tmp_path / "a")
    assert got.returncode == 2
    assert got.stderr.strip().splitlines() == [
        f"zfxxgk crawl: {path}:3: id 'no way': use 1-64 ASCII letters, digits, _ or -, starting with a letter or digit"]
    assert "Traceback" not in got.stdout + got.stderr
    assert not (tmp_path / "z.db").exists()


@pytest.mark.parametrize("title", [
    "莆田市城市管理局2022年度政府信息公开工作年度报告",
    "2019年上海市人民政府办公厅政府信息公开工作年度报告",
    "驻马店市人民政府2020年政府信息公开年度报告",
    "政府信息公开工作年度报告（2021年）",
    "2021年度政府信息公開工作年度報告",
])
def test_report_titles(title):
    assert links.is_report_title(title)


@pytest.mark.parametrize("title", [
    "关于做好2022年度政府信息公开工作年度报告编制发布工作的通知",
    "演示市人民政府信息公开指南",
    "演示市2022年度法治政府建设年度报告",
    "2022年演示市国民经济和社会发展统计公报",
    "2022年政府信息公开工作年度报告解读",
    "政府信息公开年报",  # a column, not a report: no year
    "关于印发2021年政务公开工作要点的通知",
])
def test_decoy_titles(title):
    assert not links.is_report_title(title)


def test_navigation_scores_prefer_the_report_column():
    assert links.nav_score("政府信息公开年报") > links.nav_score("政府信息公开") > links.nav_score("法定主动公开内容") > 0
    assert links.nav_score("政府信息公开指南") == 0 and links.nav_score("首页") == 0


@pytest.mark.parametrize("portal, url, ok", [
    ("www.putian.gov.cn", "http://file.putian.gov.cn/a.pdf", True),
    ("www.putian.gov.cn", "http://www.fujian.gov.cn/a.htm", False),
    ("127.0.0.1:8711", "http://127.0.0.1:8711/x", True),
    ("127.0.0.1:8711", "http://127.0.0.1:8712/x", False),
    ("www.putian.gov.cn", "mailto:a@b.c", False),
    # read as the portal by urlsplit, as evil.example by a browser or Playwright's fetch
    ("www.putian.gov.cn", "http://evil.example\\@www.putian.gov.cn/x.js", False),
    ("www.putian.gov.cn", "http://evil.example\\.putian.gov.cn/x.js", False),
    ("www.putian.gov.cn", "http://user@www.putian.gov.cn/", False),
    ("www.putian.gov.cn", "http://www.putian.gov.cn/a\\b.js", True),  # a backslash in the path moves nothing
])
def test_same_site(portal, url, ok):
    assert links.same_site(portal, url) is ok


def test_a_listed_host_with_user_info_or_a_backslash_is_not_the_portal():
    portal = registry.Portal(id="p", name="x", level="city", region_code="350300", start_url="http://www.putian.gov.cn/",
                             hosts="cdn.example.com")
    assert portal.allows("http://cdn.example.com/a.js")
    assert not portal.allows("http://evil.example\\@cdn.example.com/a.js")


@pytest.mark.parametrize("body, encoding, expected", [
    ('<a href="/xxgk/2023年报.PDF">附件</a>', "utf-8", True),
    ('<a href="/module/download/downfile.jsp?id=9">附件：年度报告</a>', "utf-8", True),
    ('<a href="/files/附件1.docx">附件1</a>', "gbk", True),
    ('<p>各单位：请做好相关工作。</p><a href="/art/2023/1/1/art_1_2.html">返回</a>', "utf-8", False),
    ('<a href="/files/a.pdf">附件</a>', "utf-16", True),  # not one byte per character: always scanned
    ('<a href="a&#46;pdf">附件</a>', "utf-8", True),  # the entity hides the extension
    ('<a href="a.\npdf">附件</a>', "utf-8", True),  # URL parsing drops the newline
    ('<a href="file.php?id=5">附件</a>', "utf-8", True),  # relative to a page under /download/
])
def test_report_pages_scanned_for_attachments_only_when_they_can_have_one(body, encoding, expected):
    from scrapy.http import HtmlResponse

    from zfxxgk.scraper.spiders.base import may_link_attachments

    url = "http://127.0.0.1/download/2023/r.html" if "file.php" in body else "http://127.0.0.1/r.html"
    response = HtmlResponse(url, body=body.encode(encoding), encoding=encoding)
    assert may_link_attachments(response) is expected
    if not expected:  # the hint is a necessary condition: no link there would have counted
        assert not any(links.is_attachment_link(response.urljoin(a.attrib["href"]), a.xpath("string(.)").get())
                       for a in response.xpath("//a[@href]"))
    else:  # and each page above does link one
        assert any(links.is_attachment_link(response.urljoin(a.attrib["href"]), a.xpath("string(.)").get())
                   for a in response.xpath("//a[@href]"))
