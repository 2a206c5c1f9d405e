"""Real text extractions (tests/samples/docs/) and the shapes other extractions give them.

What archives and search engines hold of a report, and what a PDF's text layer read naively
looks like, is text without the tables: one cell per line, the whole body on one line, digits
run together, numbers and labels cut over lines, markdown pipe tables. Each variant here is
made from the real sample files, never stored, and must come back as the sample's whole
expected cell map, or name the rows it could not decide: no number may be invented.
"""

from __future__ import annotations

import json
import re

import pytest

from zfxxgk.pipelines.parser import OK, PARTIAL, parse_document
from zfxxgk.pipelines.parser import labels
from zfxxgk.pipelines.parser.normalize import label_key
from zfxxgk.pipelines.parser.values import looks_like_value
from tests.conftest import SAMPLES

DOCS = SAMPLES / "docs"
REAL = ["fj_sanming_2021", "fj_pingtan_jtj_2022"]
# the warnings that name a row (or table) whose cells were not all placed
FLAGS = ("ambiguous_row:", "unplaceable_row:", "too_many_values:", "t2_value_count:", "t4_value_count:")


def _expected(stem: str) -> tuple[dict, dict]:
    data = json.loads((DOCS / f"{stem}.expected.json").read_text(encoding="utf-8"))
    return data["cells"], data["_meta"]


def _text(stem: str) -> str:
    return (DOCS / f"{stem}.txt").read_bytes().decode("utf-8")


def _accuracy(report, expected: dict) -> tuple[int, int]:
    values = report.values()
    return sum(1 for k, v in expected.items() if k in values and values[k] == v), len(expected)


# -- the real extractions ----------------------------------------------------------------------

@pytest.mark.parametrize("stem", REAL)
def test_real_extraction_reads_to_its_whole_expected_cell_map(stem):
    expected, meta = _expected(stem)
    report = parse_document((DOCS / f"{stem}.txt").read_bytes(), url=f"file://{stem}.txt")
    assert report.source_format == "text"
    assert report.parse_status == OK, report.reason
    assert report.values() == expected
    assert report.year == meta["year"]
    assert report.agency == meta["body"]
    assert report.identity_violations == []
    # every cell says which line of the text it was read from
    for key, cell in report.cells.items():
        assert cell.origin and re.fullmatch(r"l\d+(-\d+)?", cell.origin), (key, cell.origin)


def test_numbers_split_over_two_lines_are_joined_where_the_identities_confirm_it():
    report = parse_document((DOCS / "fj_sanming_2021.txt").read_bytes())
    for row in ("new_received", "results.unable.not_held", "results.total"):
        assert f"number_joined:{row}" in report.warnings
        joined = next(r for r in report.repairs if r["key"] == f"applications.*.{row}")
        assert joined["method"] == "join" and len(joined["before"]) > 7
    total = report.cells["applications.total.new_received"]
    assert (total.value, total.raw, total.status) == (162, "162", "number")
    assert total.note == "printed split over '1' '62'"
    assert total.origin == "l244-245"  # the two lines it was printed on
    np = report.cells["applications.natural_person.results.unable.not_held"]
    assert (np.value, np.origin) == (27, "l338-339")


def test_a_whole_body_on_one_line_is_cut_at_its_spaces():
    report = parse_document((DOCS / "fj_pingtan_jtj_2022.txt").read_bytes())
    assert report.sections["overview"].startswith("2022年，我局高度重视")
    assert {c.origin for c in report.cells.values()} == {"l10"}  # all of it on line 10


# -- variants of the real extractions ----------------------------------------------------------

def _body_lines(stem: str) -> tuple[list[str], list[str]]:
    """(archive header lines, body cells one per line) of a real extraction."""
    lines = _text(stem).replace("\r\n", "\n").split("\n")
    start = next(i for i, l in enumerate(lines) if l.startswith(("正文", "====")))
    body = [l for l in lines[start + 1:]]
    if len(body) and len(max(body, key=len)) > 1000:  # the one-line body: cut it at its spaces
        body = [p for l in body for p in l.split(" ")]
    return lines[:start + 1], [l for l in body if l.strip()]


def _variant(header: list[str], body: list[str]) -> bytes:
    return "\n".join(header + body).encode("utf-8")


def _tables_region(body: list[str]) -> tuple[int, int]:
    start = next(i for i, t in enumerate(body) if labels.section_heading(t) == 2)
    end = next(i for i, t in enumerate(body) if labels.section_heading(t) == 5)
    return start, end


def _rows(body: list[str]):
    """The table region as (label lines, value lines) runs."""
    start, end = _tables_region(body)
    runs, labels_run, values = [], [], []
    for t in body[start + 1:end]:
        if looks_like_value(t):
            values.append(t)
            continue
        if values:
            runs.append((labels_run, values))
            labels_run, values = [], []
        labels_run.append(t)
    runs.append((labels_run, values))
    return body[:start + 1], runs, body[end:]


def _assert_same_or_flagged(report, expected: dict) -> list[str]:
    """Every cell read is the expected one; every expected cell missing is in a flagged row."""
    values = report.values()
    wrong = {k: (values[k], expected.get(k, "absent")) for k in values if values[k] != expected.get(k, "absent")}
    assert not wrong, wrong
    flags = [w for w in report.warnings if w.startswith(FLAGS)]
    missing = sorted(set(expected) - set(values))
    for key in missing:
        table, rest = key.split(".", 1)
        row = labels.split_key(key)[1]
        assert any(row in w or (table == "appeals" and w.startswith("t4_value_count"))
                   or (table == "active" and w.startswith("t2_value_count") and row in w) for w in flags), \
            (key, flags)
    if missing:
        assert report.parse_status == PARTIAL
    else:
        assert report.parse_status == OK, report.reason
    return flags


def test_one_cell_per_line_put_on_one_line():
    """三明's page text with its line breaks turned into spaces (how 平潭's archive holds it)."""
    header, body = _body_lines("fj_sanming_2021")
    data = _variant(header, [" ".join(body)])
    expected, meta = _expected("fj_sanming_2021")
    report = parse_document(data)
    assert report.values() == expected and report.parse_status == OK, report.reason
    assert report.agency == meta["body"] and report.year == meta["year"]


def _run_together(body: list[str], every: int = 1) -> list[str]:
    pre, runs, post = _rows(body)
    out = list(pre)
    for i, (lab, vals) in enumerate(runs):
        out += lab
        if vals and i % every == 0:
            out.append("".join(vals))
        else:
            out += vals
    return out + post


@pytest.mark.parametrize("stem", REAL)
def test_digits_run_together_are_cut_only_where_the_identities_decide(stem):
    """Every row's values printed without spaces ("110000011"): a row is cut where the
    identities allow one reading, and flagged where they allow several."""
    header, body = _body_lines(stem)
    expected, _meta = _expected(stem)
    report = parse_document(_variant(header, _run_together(body)))
    flags = _assert_same_or_flagged(report, expected)
    right, n = _accuracy(report, expected)
    assert right >= 0.8 * n, (right, n, flags)
    assert any(w.startswith("digits_split:") for w in report.warnings)


def test_a_row_of_run_together_digits_with_two_readings_is_flagged_not_guessed():
    header, body = _body_lines("fj_pingtan_jtj_2022")
    i = body.index("行政规范性文件")
    assert body[i + 1:i + 4] == ["4", "0", "16"]
    body[i + 1:i + 4] = ["4016"]  # 4 0 16, or 40 1 6: 二 has no identity to tell
    report = parse_document(_variant(header, body))
    assert "t2_value_count:normative_docs" in report.warnings
    assert not any(k.startswith("active.normative_docs.") for k in report.cells)
    assert report.parse_status == PARTIAL
    j = body.index("（七）总计")
    assert body[j + 1:j + 8] == ["11", "0", "0", "0", "0", "0", "11"]
    body[j + 1:j + 8] = ["110000011"]  # only 11 0 0 0 0 0 11 adds up
    report = parse_document(_variant(header, body))
    assert report.cells["applications.total.results.total"].value == 11
    assert "digits_split:results.total" in report.warnings


def _cut_label(text: str) -> list[str]:
    """A label as a PDF text layer gives it: brackets apart, the rest in pieces of 3."""
    pieces = []
    for part in re.split(r"([（）()])", text):
        if part in ("（", "）", "(", ")"):
            pieces.append(part)
        else:
            pieces += [part[i:i + 3] for i in range(0, len(part), 3)]
    return [p for p in pieces if p.strip()]


def test_numbers_and_labels_cut_over_lines():
    """三明, every label cut into pieces (`（` `二` `）` `部分公开` ...), the group label
    （六）其他处理 as `（六）其他` / `处理`, and one number in each of several rows cut in two."""
    header, body = _body_lines("fj_sanming_2021")
    pre, runs, post = _rows(body)
    out = list(pre)
    cut_numbers = 0
    for lab, vals in runs:
        for t in lab:
            if t == "（六）其他处理":
                out += ["（六）其他", "处理"]
            elif labels.section_heading(t) or labels.t2_caption(label_key(t)):
                out.append(t)
            else:
                out += _cut_label(t)
        for v in vals:
            if len(v) >= 2 and v.isdigit() and v[1] != "0" and cut_numbers < 6:
                out += [v[:1], v[1:]]
                cut_numbers += 1
            else:
                out.append(v)
    assert cut_numbers == 6
    expected, meta = _expected("fj_sanming_2021")
    report = parse_document(_variant(header, out + post))
    _assert_same_or_flagged(report, expected)
    assert _accuracy(report, expected)[0] >= 190
    assert report.agency == meta["body"]


def _markdown(stem: str, title_lines: list[str]) -> bytes:
    """The report as a PDF-to-markdown converter writes it: headings as #, each table row a
    pipe row, a |---| separator under each header row, the group label in its first row."""
    _header, body = _body_lines(stem)
    expected, _ = _expected(stem)
    pre, runs, post = _rows(body)
    out = list(title_lines)
    for t in pre:
        out.append(f"## {t}" if labels.section_heading(t) else t)
    for lab, vals in runs:
        data = lab[-1:]
        if len(lab) >= 2 and labels.t3_group_of(label_key(lab[-2])):
            data = lab[-2:]
        head = lab[:len(lab) - len(data)]
        for t in head:
            if labels.section_heading(t):
                out.append(f"## {t}")
                head = head[1:]
        if head:
            out.append("| " + " | ".join(head) + " |")
            out.append("|" + "---|" * len(head))
        if vals:
            out.append("| " + " | ".join(data + vals) + " |")
        elif data:
            out.append(f"| {data[0]} |")
    out += [f"## {t}" if labels.section_heading(t) else t for t in post]
    return "\n\n".join(out).encode("utf-8")


@pytest.mark.parametrize("stem", REAL)
def test_markdown_pipe_tables(stem):
    expected, meta = _expected(stem)
    title = f"# {meta['body']}{meta['year']}年度政府信息公开工作年度报告"
    data = _markdown(stem, [
        "**根据《关于印发中华人民共和国政府信息公开工作年度报告**",
        "**格式的通知》（国办公开办函〔2021〕30号）要求，编制本报告。**", title])
    report = parse_document(data)
    _assert_same_or_flagged(report, expected)
    if stem == "fj_pingtan_jtj_2022":  # 三明's split numbers stay split in the markdown
        assert report.values() == expected
    assert report.agency == meta["body"]
    assert report.year == meta["year"]
    assert report.title == title.lstrip("# ")


def test_markdown_heading_of_a_wrapped_notice_title_is_not_the_agency():
    """The 0-cell markdown of the issue: its agency came out as 印发中华人民共和国, from a
    '# 关于印发…' heading cut where the converter wrapped it."""
    expected, meta = _expected("fj_pingtan_jtj_2022")
    data = _markdown("fj_pingtan_jtj_2022", [
        "# 关于印发中华人民共和国政府信息公开工作年度报告", "# 格式的通知",
        f"# {meta['body']}{meta['year']}年度政府信息公开工作年度报告"])
    report = parse_document(data)
    assert report.agency == meta["body"]
    assert report.values() == expected


def test_nothing_placed_says_why():
    """No tables in the text: the report says so in its warnings, not only 'no_tables'."""
    header, body = _body_lines("fj_pingtan_jtj_2022")
    start, end = _tables_region(body)
    report = parse_document(_variant(header, body[:start + 1] + ["见附件。"] + body[end:]))
    assert report.parse_status == "no_tables"
    assert any(w.startswith("flat_text_nothing_placed:") for w in report.warnings), report.warnings
    # labels without readable values: which rows, and why
    pre, runs, post = _rows(body)
    garbled = list(pre)
    for lab, vals in runs:
        garbled += lab + ["x" * len(v) for v in vals]
    report = parse_document(_variant(header, garbled + post))
    assert report.warnings and report.parse_status != OK


def test_a_dropped_row_is_named():
    header, body = _body_lines("fj_pingtan_jtj_2022")
    i = body.index("2.重复申请")
    body[i] = "2.重"  # a label cut short: no known row
    report = parse_document(_variant(header, body))
    assert any(re.match(r"unplaceable_row:l\d+ '2\.重': 7 values dropped", w) for w in report.warnings), report.warnings
    assert report.parse_status == PARTIAL
