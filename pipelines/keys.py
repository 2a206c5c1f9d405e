"""The canonical cell keys (spec section 7) with their labels, for the `cell_keys` table.

Researchers filter `report_cells` by key; this table says, in Chinese and English, what each
key is, which template has it and in what unit. Everything here is read from the one
vocabulary file (pipelines/data/vocabulary.toml, via `parser.vocabulary`) that the parser
matches labels with, so every key the parser can emit has its row.
"""

from __future__ import annotations

from .parser.vocabulary import Entry, vocabulary

_V = vocabulary()
_T2, _T3, _T4 = _V.active, _V.applications, _V.appeals
_GROUPS = {g["key"]: g["label"] for g in _T3.extra["groups"]}


def _joined(e: Entry, sep: str, group: str | None) -> str:
    return f"{group}{sep}{e.label}" if group else e.label


# the shapes the report page (datasette/plugins/zfxxgk_report_page.py) lays its tables out with
APPLICANT_LABELS = {c.key: (_joined(c, "·", c.group), c.label_en) for c in _T3.columns}
T3_ROW_LABELS = {r.key: (_joined(r, " ", _GROUPS.get(r.group)), r.label_en, r.template) for r in _T3.rows}
T2_ROWS = {r.key: r.label for r in _T2.rows}


def _t2_keys() -> list[tuple[str, tuple[str, ...]]]:
    """Each T2 row with its fields, in layout order over both templates."""
    fields: dict[str, dict] = {}
    for blocks in _V.layout.values():
        for b in blocks:
            for _, row in b.rows:
                fields.setdefault(row, {}).update(dict.fromkeys(c for _, c in b.columns))
    return [(row, tuple(f)) for row, f in fields.items()]


T2_KEYS = _t2_keys()


def _column_template(column: str) -> str:
    found = {_V.t2_cell_template(r, column) for r, fields in T2_KEYS if column in fields}
    return found.pop() if len(found) == 1 else "both"


T2_FIELDS = {c.key: (c.label, c.label_en, _column_template(c.key), c.unit) for c in _T2.columns}
T4_BLOCKS = {r.key: (_joined(r, "·", r.group), r.label_en) for r in _T4.rows}
T4_OUTCOMES = {c.key: (c.label, c.label_en) for c in _T4.columns}

# The accounting identities (spec section 4), named and explained for readers; the equations
# themselves are pipelines/parser/identities.py.
IDENTITIES = {i["id"]: (i["name_zh"], i["name_en"], i["equation"]) for i in _V.identities}


def identity_rows() -> list[dict]:
    return [{"identity": i, "name_zh": zh, "name_en": en, "equation": eq} for i, (zh, en, eq) in IDENTITIES.items()]


def all_keys() -> list[dict]:
    rows = []
    cell_labels = _T2.extra.get("cell_labels", {})
    for row, fields in T2_KEYS:
        r = _T2.row(row)
        for f in fields:
            c = _T2.column(f)
            rows.append({"key": f"active.{row}.{f}", "table_name": "active", "row_key": row, "column_key": f,
                         "label_zh": f"{_T2.extra['key_prefix']}{r.label}·{cell_labels.get(f'{row}.{f}', c.label)}",
                         "label_en": f"{r.label_en}: {c.label_en}", "template": _V.t2_cell_template(row, f),
                         "unit": c.unit})
    for row, (zh, en, tpl) in T3_ROW_LABELS.items():
        for a, (azh, aen) in APPLICANT_LABELS.items():
            rows.append({"key": f"applications.{a}.{row}", "table_name": "applications", "row_key": row,
                         "column_key": a, "label_zh": f"{_T3.extra['key_prefix']}{zh}·{azh}",
                         "label_en": f"{en} ({aen})", "template": tpl, "unit": _T3.row(row).unit})
    for b, (bzh, ben) in T4_BLOCKS.items():
        for o, (ozh, oen) in T4_OUTCOMES.items():
            rows.append({"key": f"appeals.{b}.{o}", "table_name": "appeals", "row_key": b, "column_key": o,
                         "label_zh": f"{_T4.extra['key_prefix']}{bzh}·{ozh}", "label_en": f"{ben}: {oen}",
                         "template": _T4.row(b).template, "unit": _T4.row(b).unit})
    return rows
