"""Issuing bodies: one stable id per body, its level, its region read from its own name, and
the government a department belongs to.

A report's region is the region of the body that issued it, not of the portal that carried
it: portals republish their departments' and their superiors' reports, and 上海市人民政府办公厅's
report found on a Fujian portal is Shanghai's. The region comes from the division names in the
body's name, matched against the GB/T 2260 list shipped in `data/divisions.csv` (淮安市洪泽区
人民政府 -> 320813); the portal's region only breaks ties (a 鼓楼区 exists in four cities) or
stands in when the name holds no division at all (a township, 平潭综合实验区).
"""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .parser.normalize import to_simplified

DIVISIONS_CSV = Path(__file__).resolve().parent / "data" / "divisions.csv"
_PUNCT = re.compile(r"[\s·•()（）\[\]【】“”\"'、,，.。:：;；]+")
_TOWNSHIP = re.compile(r"(?:镇|乡|苏木)人民政府$|街道办事处$")
_GOVERNMENT_SUFFIX = ("省", "自治区", "市", "州", "盟", "区", "县", "旗")


@dataclass(frozen=True)
class Agency:
    id: str
    name: str
    normalized: str
    level: str  # province | city | county | township | department
    region_code: str | None
    parent_name: str | None  # the government a department belongs to


def normalize(name: str) -> str:
    """The form names are compared in: NFKC, simplified characters, no spaces or punctuation."""
    return _PUNCT.sub("", to_simplified(unicodedata.normalize("NFKC", name or "")))


def agency_id(normalized: str) -> str:
    """A stable id from the normalised name (renamed bodies are joined through aliases)."""
    return "ag_" + hashlib.sha1(normalized.encode("utf-8")).hexdigest()[:12]


@cache
def divisions() -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """(code -> name, name -> codes) of every division, county level and above."""
    by_code: dict[str, str] = {}
    by_name: dict[str, list[str]] = {}
    with open(DIVISIONS_CSV, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            by_code[row["code"]] = row["name"]
            by_name.setdefault(row["name"], []).append(row["code"])
    return by_code, {k: tuple(v) for k, v in by_name.items()}


def _level_of(code: str) -> int:
    return 1 if code.endswith("0000") else 2 if code.endswith("00") else 3


def _within(code: str, outer: str) -> bool:
    return code.startswith(outer[:2 * _level_of(outer)])


def _mentions(name: str) -> list[tuple[int, int, str]]:
    """(start, end, code) of every division name in `name` (longest names first at each place)."""
    _, by_name = divisions()
    found = []
    for div, codes in by_name.items():
        start = name.find(div)
        while start >= 0:
            found.extend((start, start + len(div), code) for code in codes)
            start = name.find(div, start + 1)
    return found


def region_of(name: str, hint: str | None = None) -> tuple[str | None, int]:
    """The most specific division a body's name names, and where its mention ends in the name.

    The deepest mentioned division that sits inside the shallower ones also mentioned (淮安市
    narrows 洪泽区 down to 320813, and a 城区 of 山西 inside "莆田市城区…" is not taken); a
    name still ambiguous takes the one inside the portal's region `hint`; with no division in
    the name, the hint itself (end 0).
    """
    mentions = _mentions(normalize(name))
    for level in (3, 2, 1):
        here = [m for m in mentions if _level_of(m[2]) == level]
        above = [m for m in mentions if _level_of(m[2]) < level]
        if above:
            here = [m for m in here if any(_within(m[2], o[2]) for o in above)]
        if len({m[2] for m in here}) > 1 and hint:
            here = [m for m in here if _within(m[2], hint) or _within(hint, m[2])] or here
        if len({m[2] for m in here}) == 1:
            return here[0][2], max(m[1] for m in here)
        if here:  # ambiguous at this level: a shallower mention may still say enough
            continue
    return (hint or None), 0


def describe(name: str, hint: str | None = None) -> Agency:
    """Everything the name of an issuing body says about it."""
    norm = normalize(name)
    code, end = region_of(norm, hint)
    body = norm[:-len("人民政府")] if norm.endswith("人民政府") else None
    if _TOWNSHIP.search(norm):
        level, parent = "township", None
    elif body and (end == len(body) or (not end and body.endswith(_GOVERNMENT_SUFFIX))):
        if end:
            level = ("province", "city", "county")[_level_of(code) - 1]
        else:  # a division missing from the list, or ambiguous: its name's suffix still says
            level = "province" if body.endswith("省") else "county" if body.endswith(("区", "县", "旗")) else "city"
        parent = None
    else:
        level = "department"
        parent = (norm[:end] + "人民政府") if end else None
    return Agency(agency_id(norm), name.strip(), norm, level, code, parent)
