"""Every real report in tests/samples parses to exactly its expected cells (juriscraper-style).

The comparison is of whole cell maps: a missing key, an extra key or one wrong number fails.
"""

from __future__ import annotations

import json

import pytest

from zfxxgk.pipelines.parser import OK, parse_document
from tests.conftest import SAMPLES

PARSED_FORMATS = {".html", ".htm", ".txt"}


def _doc_for(expected_path):
    meta = json.loads(expected_path.read_text(encoding="utf-8"))["_meta"]
    return SAMPLES / meta["doc"], meta


# the PDF sample's whole cell map (and its agency, printed only inside a sentence) is compared
# in tests/parser/test_pdf.py
EXPECTED = sorted(p for p in SAMPLES.glob("*.expected.json") if _doc_for(p)[0].suffix != ".pdf")


@pytest.mark.parametrize("expected_path", EXPECTED, ids=lambda p: p.name.split(".")[0])
def test_sample_cells_match_expected(expected_path):
    doc, meta = _doc_for(expected_path)
    expected = json.loads(expected_path.read_text(encoding="utf-8"))["cells"]
    report = parse_document(doc.read_bytes(), url=f"file://{doc.name}")
    assert report.parse_status == OK, report.reason
    assert report.values() == expected
    assert report.year == meta["year"]
    assert report.agency == meta["body"].split(" (")[0]


def test_samples_cover_both_templates_and_flattened_text():
    versions = {}
    for expected_path in EXPECTED:
        doc, meta = _doc_for(expected_path)
        if doc.suffix in PARSED_FORMATS:
            versions[doc.name] = parse_document(doc.read_bytes()).format_version
    assert versions == {"fj_putian_ptcg_2022.html": "2021", "sh_govoffice_2019.html": "2019",
                        "zhumadian_2020.txt": "2019"}


def test_shanghai_keeps_blank_apart_from_zero_and_converts_yuan():
    report = parse_document((SAMPLES / "sh_govoffice_2019.html").read_bytes())
    research = report.cells["applications.legal.research.new_received"]
    assert (research.value, research.status) == (None, "blank")
    zero = report.cells["active.licensing.prev_year_items"]
    assert (zero.value, zero.status) == (0, "number")
    amount = report.cells["active.procurement.amount_wan_yuan"]
    assert amount.value == 25.1 and amount.unit == "万元" and amount.raw == "251000元"
    assert report.published_at == "2020-01-31"
    # 总计 is blank on detail rows there: I2 cannot be checked, and must not be reported as violated
    assert report.identity_violations == []
    # 复议后起诉 is printed all blank: nothing to check there, so no I6 check at all
    assert {c.id for c in report.checks} == {"I1", "I2", "I3", "I4", "I5"}
    assert next(c for c in report.checks if c.id == "I4").lhs == 7


def test_zhumadian_flattened_rows_are_placed_by_identities_and_flagged():
    expected = json.loads((SAMPLES / "zhumadian_2020.expected.json").read_text(encoding="utf-8"))
    report = parse_document((SAMPLES / "zhumadian_2020.txt").read_bytes())
    placed = {r["key"].removeprefix("applications.*."): r for r in report.repairs if r["method"] == "placement"}
    assert set(placed) == set(expected["_meta"]["flattened_rows"])
    for row, info in expected["_meta"]["flattened_rows"].items():
        assert placed[row]["after"] == info["placed"]
        assert [int(x) for x in placed[row]["before"]] == info["printed"]
        assert f"flattened_row_placed:{row}" in report.warnings
    # internal_affairs printed no 总计: the parser says it derived it, and from which identity
    total = report.cells["applications.total.results.denied.internal_affairs"]
    assert total.status == "derived" and total.value == 1 and "I3" in total.note
    # cells printed in every placement keep status number and their raw text
    assert report.cells["applications.natural_person.results.denied.third_party_rights"].status == "number"
    assert report.cells["active.procurement.amount_wan_yuan"].unit == "万元"
    assert report.cells["active.other_admin_services.change"].value == -58
    assert report.published_at == "2021-03-08"


def test_sections_one_five_six_are_kept_as_text():
    report = parse_document((SAMPLES / "fj_putian_ptcg_2022.html").read_bytes())
    assert report.sections["overview"].startswith("2022年，我局以习近平")
    assert "问题" in report.sections["problems"] or "不足" in report.sections["problems"]
    assert "other" in report.sections
    # the portal chrome around the report is not part of its text
    assert "分享到微信" not in report.text
    assert "本年制发件数" in report.text
