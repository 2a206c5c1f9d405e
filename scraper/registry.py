"""The portal registry: a CSV with one row per portal.

Required columns: id,name,level,region_code,start_url. Optional: render (auto | js | static),
cms (a family hint: trs, hanweb; blank = detect), hosts (further hosts of the portal's own
site, space-separated, e.g. a file server on another domain), url_status, seen_report_url, notes.
`start_url` is the portal's annual-report column when known, otherwise its home page.

An id is 1-64 characters: ASCII letters, digits, `_` and `-`, starting with a letter or a
digit, so it is safe as a file name, a log field and a Python class name's stem.
A registry that breaks these rules is refused whole, with one line naming the file, the line
and what is wrong.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from zfxxgk.pipelines.regions import province_of

from .links import plain_authority, same_site

DEFAULT_REGISTRY = Path(__file__).resolve().parent / "portals.csv"
REQUIRED = ("id", "name", "level", "region_code", "start_url")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


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
    hosts: str = ""
    notes: str = ""
    extra: dict = field(default_factory=dict)

    def allows(self, url: str) -> bool:
        """Whether a URL is on this portal's own site: its start URL's site or a listed host."""
        if same_site(self.netloc, url):
            return True
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        return (bool(host) and parts.scheme in ("http", "https") and plain_authority(parts)
                and host in self.hosts.lower().split())

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
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            return _read(path, csv.DictReader(fh), only)
    except OSError as exc:
        raise RegistryError(f"{path}: cannot read the registry: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise RegistryError(f"{path}: not UTF-8 text (byte {exc.start}): save the registry as UTF-8") from None
    except csv.Error as exc:
        raise RegistryError(f"{path}: not a readable CSV file: {exc}") from None


def _read(path: Path, reader: csv.DictReader, only) -> list[Portal]:
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise RegistryError(f"{path}:1: missing columns: {', '.join(missing)}")
    portals, seen = [], set()
    for row in reader:
        n = reader.line_num
        if None in row:
            raise RegistryError(f"{path}:{n}: more fields than the header has columns")
        row = {k: (v or "").strip() for k, v in row.items() if k}
        pid = row["id"]
        if not _ID.match(pid):
            raise RegistryError(f"{path}:{n}: id {pid!r}: use 1-64 ASCII letters, digits, _ or -, "
                                "starting with a letter or digit")
        if pid in seen:
            raise RegistryError(f"{path}:{n}: duplicate id {pid!r}")
        try:
            start = urlsplit(row["start_url"])
            start.port  # noqa: B018 - raises on a malformed port
        except ValueError as exc:
            raise RegistryError(f"{path}:{n}: start_url {row['start_url']!r} is not a URL: {exc}") from None
        if start.scheme not in ("http", "https") or not start.hostname:
            raise RegistryError(f"{path}:{n}: start_url must be an http(s) URL: {row['start_url']!r}")
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
