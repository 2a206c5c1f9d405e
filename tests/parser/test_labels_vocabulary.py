"""The template vocabulary (pipelines/data/vocabulary.toml) and the parser's label matching.

Every official label of both templates, as the templates print it, and every variant seen in a
real report, must reach its own key through the same functions the table readers call; and a
vocabulary file that names a key it does not define, or a core no label could match, must not
load.
"""

from __future__ import annotations

import re

import pytest

from zfxxgk.pipelines.parser import labels
from zfxxgk.pipelines.parser.normalize import label_key
from zfxxgk.pipelines.parser.vocabulary import PATH, VocabularyError, load, vocabulary

V = vocabulary()
GROUPS = {g["key"]: g["label"] for g in V.applications.extra["groups"]}


def _t2_labels():
    """(what, printed label, key) of every T2 row and column label of both templates, and variants."""
    for tpl, blocks in V.layout.items():
        for b in blocks:
            yield from ((f"{tpl} {b.caption} row", label, key) for label, key in b.rows)
            yield from ((f"{tpl} {b.caption} column", label, key) for label, key in b.columns)
    for r in V.active.rows:
        yield from (("row variant", v, r.key) for v in (r.label, *r.variants))
    for c in V.active.columns:
        yield from (("column variant", v, c.key) for v in c.variants)
    for cell, label in V.active.extra["cell_labels"].items():
        yield "cell label", label, cell.split(".")[1]


@pytest.mark.parametrize("what,label,key", list(_t2_labels()), ids=lambda x: x if isinstance(x, str) else None)
def test_every_t2_label_maps_to_its_own_key(what, label, key):
    found = labels.match_t2_row(label_key(label)) if "row" in what else labels.t2_field(label_key(label))
    assert found == key, (what, label)


def _t3_paths():
    """(label cells outermost first, key) of every T3 row as printed, in each of its wordings."""
    results = V.applications.extra["results"]
    for r in V.applications.rows:
        outer = [results] if r.key.startswith("results.") else []
        if r.group:
            outer.append(GROUPS[r.group])
        for wording in dict.fromkeys((r.printed, r.label, *r.variants)):
            yield [*outer, wording], r.key


@pytest.mark.parametrize("path,key", list(_t3_paths()))
def test_every_t3_row_label_maps_to_its_own_key(path, key):
    assert labels.match_t3_row([label_key(p) for p in path], None)[0] == key


def test_every_t3_applicant_and_t4_label_maps_to_its_own_key():
    for c in V.applications.columns:
        for wording in (c.label, *c.variants):
            assert labels.t3_applicant(label_key(wording)) == c.key, wording
    # the group cell over the five legal-person columns is no column of its own
    assert labels.t3_applicant(label_key(V.applications.extra["legal"])) is None
    for r in V.appeals.rows:
        path = [r.group, r.label] if r.group else [r.label]
        assert labels.t4_block([label_key(p) for p in path]) == r.key, path
    for c in V.appeals.columns:
        assert labels.t4_outcome(label_key(c.label)) == c.key, c.label


def test_every_section_heading_and_its_variants_is_its_section():
    assert [s.number for s in V.sections] == [1, 2, 3, 4, 5, 6]
    for s in V.sections:
        for heading in (s.heading, *s.variants):
            assert labels.section_heading(heading) == s.number, heading
        assert labels.SECTION_NAMES[s.number] == s.key


def test_the_templates_differ_where_the_spec_says():
    """Spec 5: the row and column changes from 2019 to 2021, as the layouts and T3 rows have them."""
    cells = {tpl: {(r, c) for b in blocks for _, r in b.rows for _, c in b.columns} for tpl, blocks in V.layout.items()}
    assert len(cells["2019"]) == 22 and len(cells["2021"]) == 10  # spec 2, 3: the T2 cell counts
    assert ("procurement", "projects") in cells["2019"] - cells["2021"]
    assert ("fees", "amount_wan_yuan") in cells["2021"] - cells["2019"]
    assert not any(r == "other_admin_services" for r, _ in cells["2021"])
    t3 = {tpl: [r for r in labels.T3_ROW_ORDER if V.applications.row(r).template in ("both", tpl)]
          for tpl in ("2019", "2021")}
    assert len(t3["2019"]) * 7 == 161 and len(t3["2021"]) * 7 == 175  # spec 2, 3: the T3 cell counts


def _write(tmp_path, text: str):
    path = tmp_path / "vocabulary.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("old,new,message", [
    ('["国家秘密", "results.denied.state_secret"]', '["国家秘密", "results.denied.state_secrets"]',
     "applications.match_rows names 'results.denied.state_secrets'"),
    ('["规章", "regulations"], ["行政许可"', '["规 章", "regulations"], ["行政许可"', "core '规 章' is not in label_key form"),
    ('rows = [["行政处罚", "penalty"], ["行政强制", "coercion"]]\n\n[[layout.2021]]',
     'rows = [["行政处罚", "penalty"], ["行政强制", "coercions"]]\n\n[[layout.2021]]', "names coercions.decisions, not defined in active"),
    # a field missing, a value of the wrong shape: one line that says where
    ('label_en = "regulations"\n', "", "active.rows[0] (regulations) has no label_en"),
    ('header = ["信息内容"]', "header = 5", "a value of the wrong shape"),
])
def test_a_vocabulary_that_names_what_it_does_not_define_does_not_load(tmp_path, old, new, message):
    text = PATH.read_text(encoding="utf-8")
    assert old in text
    with pytest.raises(VocabularyError, match=re.escape(message)):
        load(_write(tmp_path, text.replace(old, new, 1)))
    load(_write(tmp_path, text))  # the file as shipped loads
