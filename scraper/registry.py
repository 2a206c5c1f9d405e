"""The portal registry: a CSV with one row per portal.

Required columns: id,name,level,region_code,start_url. Optional: render (auto | js | static),
cms (a family hint: trs, hanweb; blank = detect), url_status, seen_report_url, notes.
`start_url` is the portal's annual-report column when known, otherwise its home page.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from pipelines.regions import province_of

DEFAULT_REGISTRY = Path(__file__).resolve().parent / "portals.csv"
REQUIRED = ("id", "name", "level", "region_code", "start_url")
_ID = re.compile(r"^[a-z0-9_]+$")


class RegistryError(ValueError):
    pass


@dataclass
class Portal:
    id: str
    name: str
    level: str
    region_code: str
    start_url: str
    render: str = "auto"
    cms: str = ""
    url_status: str = ""
    seen_report_url: str = ""
    notes: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def netloc(self) -> str:
        return urlsplit(self.start_url).netloc.lower()

    @property
    def host(self) -> str:
        return (urlsplit(self.start_url).hostname or "").lower()

    def as_row(self) -> dict:
        return {"id": self.id, "name": self.name, "level": self.level, "region_code": self.region_code,
                "province": province_of(self.region_code), "start_url": self.start_url,
                "render": self.render, "cms": self.cms, "url_status": self.url_status,
                "notes": self.notes}


def load(path: str | Path | None = None, only: list[str] | tuple[str, ...] | None = None) -> list[Portal]:
    """Read and check a registry. Raises RegistryError with the line at fault."""
    path = Path(path or DEFAULT_REGISTRY)
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise RegistryError(f"{path}: missing columns: {', '.join(missing)}")
        portals, seen = [], set()
        for n, row in enumerate(reader, start=2):
            row = {k: (v or "").strip() for k, v in row.items() if k}
            pid = row["id"]
            if not _ID.match(pid):
                raise RegistryError(f"{path}:{n}: id {pid!r} must be lower-case ascii, digits, _")
            if pid in seen:
                raise RegistryError(f"{path}:{n}: duplicate id {pid!r}")
            if urlsplit(row["start_url"]).scheme not in ("http", "https"):
                raise RegistryError(f"{path}:{n}: start_url must be http(s): {row['start_url']!r}")
            render = row.get("render") or "auto"
            if render not in ("auto", "js", "static"):
                raise RegistryError(f"{path}:{n}: render must be auto, js or static, not {render!r}")
            seen.add(pid)
            known = {f for f in Portal.__dataclass_fields__ if f != "extra"}
            portals.append(Portal(**{k: v for k, v in row.items() if k in known and k != "render"},
                                  render=render,
                                  extra={k: v for k, v in row.items() if k not in known}))
    if only:
        unknown = set(only) - {p.id for p in portals}
        if unknown:
            raise RegistryError(f"{path}: no portal with id {', '.join(sorted(unknown))}")
        portals = [p for p in portals if p.id in set(only)]
    return portals
