"""The template vocabulary, read from its one declarative file (`pipelines/data/vocabulary.toml`).

The parser's label matching (`labels.py`), the `cell_keys` and `identity_definitions` tables
(`pipelines/keys.py`), the demo portals' reports (`demo/reports.py`) and `docs/cell-keys.md`
all read the same file, so a label corrected or a key added there reaches all four. TOML, read
with the standard library's `tomllib`, keeps the parser free of a YAML dependency and the
file commented. The file is checked as it is loaded: a match naming a key the file does not
define, or a core that `label_key` would change (it could never match), stops with a one-line
error instead of silently never matching.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .normalize import label_key

PATH = Path(__file__).resolve().parent.parent / "data" / "vocabulary.toml"
_NAME = PATH.name


class VocabularyError(ValueError):
    pass


@dataclass(frozen=True)
class Entry:
    """A row or column of a table: its key and labels."""

    key: str
    label: str
    label_en: str
    printed: str  # the template's full wording (the label where no longer one exists)
    variants: tuple[str, ...] = ()
    group: str | None = None
    template: str | None = None
    unit: str | None = None
    in_template: bool = True


@dataclass(frozen=True)
class Table:
    """One of the three standard tables (T2 active, T3 applications, T4 appeals)."""

    name: str
    rows: tuple[Entry, ...]
    columns: tuple[Entry, ...]
    match_rows: tuple[tuple[str, str], ...]
    match_columns: tuple[tuple[str, str], ...]
    header: tuple[str, ...]
    extra: dict = field(default_factory=dict)  # the table's other settings, as the file has them

    def row(self, key: str) -> Entry:
        return next(r for r in self.rows if r.key == key)

    def column(self, key: str) -> Entry:
        return next(c for c in self.columns if c.key == key)


@dataclass(frozen=True)
class Block:
    """One 第二十条 block of a template's T2: caption, printed columns and rows."""

    caption: str
    columns: tuple[tuple[str, str], ...]  # (printed label, column key)
    rows: tuple[tuple[str, str], ...]  # (printed label, row key)


@dataclass(frozen=True)
class Section:
    number: int
    key: str
    heading: str
    match: tuple[str, ...]
    variants: tuple[str, ...]


@dataclass(frozen=True)
class Vocabulary:
    templates: dict[str, dict]
    sections: tuple[Section, ...]
    active: Table
    applications: Table
    appeals: Table
    layout: dict[str, tuple[Block, ...]]  # template -> its T2 blocks
    identities: tuple[dict, ...]

    def t2_cell_template(self, row: str, column: str) -> str | None:
        """'2019', '2021' or 'both': which templates print this T2 cell (None: neither)."""
        found = [tpl for tpl, blocks in self.layout.items()
                 if any((row, column) in ((r, c) for _, r in b.rows for _, c in b.columns) for b in blocks)]
        return None if not found else found[0] if len(found) == 1 else "both"


def _pairs(raw: list, what: str) -> tuple[tuple[str, str], ...]:
    if not all(isinstance(p, list) and len(p) == 2 for p in raw):
        raise VocabularyError(f"{_NAME}: {what} must be a list of [core, key] pairs")
    return tuple((p[0], p[1]) for p in raw)


def _entry(raw: dict, table: dict, where: str) -> Entry:
    if not isinstance(raw, dict):
        raise VocabularyError(f"{_NAME}: {where} must be a table of key, label, label_en, not {raw!r}")
    missing = [f for f in ("key", "label", "label_en") if f not in raw]
    if missing:
        raise VocabularyError(f"{_NAME}: {where} ({raw.get('key', 'no key')}) has no {', '.join(missing)}")
    return Entry(key=raw["key"], label=raw["label"], label_en=raw["label_en"],
                 printed=raw.get("printed", raw["label"]), variants=tuple(raw.get("variants", ())),
                 group=raw.get("group"), template=raw.get("template", table.get("template")),
                 unit=raw.get("unit", table.get("unit")), in_template=raw.get("in_template", True))


_TABLE_FIELDS = {"rows", "columns", "match_rows", "match_columns", "header"}


def _table(name: str, raw: dict) -> Table:
    t = Table(name=name, rows=tuple(_entry(r, raw, f"{name}.rows[{i}]") for i, r in enumerate(raw["rows"])),
              columns=tuple(_entry(c, raw, f"{name}.columns[{i}]") for i, c in enumerate(raw["columns"])),
              match_rows=_pairs(raw["match_rows"], f"{name}.match_rows"),
              match_columns=_pairs(raw["match_columns"], f"{name}.match_columns"),
              header=tuple(raw["header"]), extra={k: v for k, v in raw.items() if k not in _TABLE_FIELDS})
    rows, cols = {r.key for r in t.rows}, {c.key for c in t.columns}
    for what, pairs, known in (("match_rows", t.match_rows, rows), ("match_columns", t.match_columns, cols)):
        for core, key in pairs:
            _check_core(core, f"{name}.{what}")
            if key not in known:
                raise VocabularyError(f"{_NAME}: {name}.{what} names {key!r}, which {name} does not define")
    for core in t.header:
        _check_core(core, f"{name}.header")
    return t


def _check_core(core: str, where: str) -> None:
    if not core or label_key(core) != core:
        raise VocabularyError(f"{_NAME}: {where} core {core!r} is not in label_key form "
                              f"({label_key(core)!r}), so no label could ever match it")


@cache
def vocabulary() -> Vocabulary:
    """The shipped vocabulary file, parsed and checked once per process."""
    return load(PATH)


def load(path: Path) -> Vocabulary:
    """A vocabulary file, parsed and checked."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise VocabularyError(f"cannot read the template vocabulary {path}: {e}") from None
    try:
        v = Vocabulary(
            templates=raw["templates"],
            sections=tuple(Section(s["number"], s["key"], s["heading"], tuple(s["match"]),
                                   tuple(s.get("variants", ()))) for s in raw["sections"]),
            active=_table("active", raw["active"]), applications=_table("applications", raw["applications"]),
            appeals=_table("appeals", raw["appeals"]),
            layout={tpl: tuple(Block(b["caption"], _pairs(b["columns"], f"layout.{tpl}.columns"),
                                     _pairs(b["rows"], f"layout.{tpl}.rows")) for b in blocks)
                    for tpl, blocks in raw["layout"].items()},
            identities=tuple(raw["identities"]))
    except KeyError as e:
        raise VocabularyError(f"{path}: {e.args[0]!r} is missing") from None
    except (TypeError, ValueError, AttributeError) as e:  # a value of the wrong shape: a number for a list ...
        raise VocabularyError(f"{path}: a value of the wrong shape ({e})") from None
    _check(v)
    return v


def _check(v: Vocabulary) -> None:
    """The cross-references a table's own check cannot see."""
    for s in v.sections:
        for core in s.match:
            _check_core(core, f"sections[{s.number}].match")
    rows = {r.key for r in v.active.rows}
    cols = {c.key for c in v.active.columns}
    for tpl, blocks in v.layout.items():
        if tpl not in v.templates:
            raise VocabularyError(f"{_NAME}: layout.{tpl} is not one of the templates {sorted(v.templates)}")
        for b in blocks:
            for (_, r), (_, c) in ((r, c) for r in b.rows for c in b.columns):
                if r not in rows or c not in cols:
                    raise VocabularyError(f"{_NAME}: layout.{tpl} {b.caption} names {r}.{c}, not defined in active")
    for cell in v.active.extra.get("cell_labels", {}):
        row, _, col = cell.partition(".")
        if v.t2_cell_template(row, col) is None:
            raise VocabularyError(f"{_NAME}: active.cell_labels names {cell!r}, which no template prints")
    app = v.applications
    groups = {g["key"] for g in app.extra["groups"]}
    for core, g in _pairs(app.extra["match_groups"], "applications.match_groups"):
        _check_core(core, "applications.match_groups")
        if g not in groups:
            raise VocabularyError(f"{_NAME}: applications.match_groups names {g!r}, not a group")
    keys = {r.key for r in app.rows}
    for name in ("match_total", "match_group_rows"):
        for core, key in _pairs(app.extra[name], f"applications.{name}"):
            _check_core(core, f"applications.{name}")
            if key not in keys:
                raise VocabularyError(f"{_NAME}: applications.{name} names {key!r}, not a row")
    for core in (*app.extra["match_subtotal"], *app.extra["other_column"], app.extra["legal_core"]):
        _check_core(core, "applications")
    for g, label, key in app.extra["match_in_group"]:
        _check_core(label, "applications.match_in_group")
        if g not in groups or key not in keys:
            raise VocabularyError(f"{_NAME}: applications.match_in_group names {g!r}/{key!r}, not defined")
    for r in app.rows:
        if r.group is not None and r.group not in groups:
            raise VocabularyError(f"{_NAME}: applications row {r.key} is in group {r.group!r}, not a group")
