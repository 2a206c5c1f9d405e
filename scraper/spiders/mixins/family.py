"""Which CMS families a portal's pages are read as: the registry's `cms` column, else detection.

`cms` (registry column) holds one or more family names, space- or comma-separated:

    trs      TRS WCM / 海云 static columns: createPageHTML(...) or an inline countPage pager
    hanweb   Hanweb (大汉) JCMS: <datastore> records, jpage InitData arrays, dataproxy.jsp groups
    jsonapi  a listing filled from a JSON list API the page names (data-url, a script, a known path)
    ucap     UCAP / 开普云: createPageHTML / newCreatePageHTML pagers (list_2.shtml), lists in an
             iframe, shells filled from the platform's search service (var channelId = '<32 hex>')
    generic  none of the families: plain links, 下一页 / page-number pagination, navigation only

Blank: every family looks at every page and acts where the page looks like it (detection).
Set: only the named families act, and they act even where the page does not look like them
(a hanweb portal whose column hides its datastore markers still gets its dataproxy groups).
Plain pagination and navigation always apply. An unknown name is ignored, with a warning, and
the portal falls back to detection.
"""

from __future__ import annotations

import logging
import re

log = logging.getLogger(__name__)

FAMILIES = frozenset({"trs", "hanweb", "jsonapi", "ucap", "generic"})
_warned: set[tuple[str, str]] = set()


def families(portal, cms: str | None = None) -> frozenset[str]:
    """The families named for a portal (empty: detect): `cms` if given (an override's), else the registry's."""
    raw = cms if cms is not None else (getattr(portal, "cms", "") or "")
    names = {n for n in re.split(r"[\s,;/|+]+", raw.strip().lower()) if n}
    unknown = names - FAMILIES
    for name in unknown:
        if (portal.id, name) not in _warned:
            _warned.add((portal.id, name))
            log.warning("portal %s: cms %r is not a known family (%s): ignored", portal.id, name,
                        ", ".join(sorted(FAMILIES)))
    return frozenset(names & FAMILIES)


def mode(spider, portal, family: str) -> str:
    """'forced' (the registry or the portal's override names this family), 'off' (it names
    others) or 'detect'."""
    cms_of = getattr(spider, "cms_of", None)
    named = families(portal, cms_of(portal) if cms_of else None)
    if not named:
        return "detect"
    return "forced" if family in named else "off"
