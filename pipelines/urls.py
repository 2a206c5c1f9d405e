"""One spelling per resource: the canonical form of a URL, used wherever URLs are compared.

Portals link the same page as `HTTP://Www.X.gov.cn:80/a/./b/../c.html#top`,
`/a/c.html;jsessionid=8F2A…`, `/a/%63.html`; a crawler that compares spellings fetches and
stores that page once per spelling. The forms folded here are the ones RFC 3986 §6 calls
equivalent (case of scheme and host, default ports, dot segments, percent-encoding of
unreserved characters and the case of other escapes, the fragment) plus servlet session ids,
which name a visitor, not a resource. The query is kept as it is, order included: CMS
back ends (dataproxy.jsp, list APIs) are not all indifferent to it.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": "80", "https": "443"}
_SESSION = re.compile(r";(?:jsessionid|phpsessid|sid)=[^/?#;]*", re.I)
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _escapes(part: str) -> str:
    """Decode escaped unreserved characters, upper-case the hex of the others (RFC 3986 §6.2.2)."""
    def one(m: re.Match) -> str:
        char = chr(int(m.group(1), 16))
        return char if char in _UNRESERVED else "%" + m.group(1).upper()
    return _ESCAPE.sub(one, part)


def remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4 (posixpath.normpath also folds '//' and keeps a leading '..')."""
    out: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if len(out) > 1:
                out.pop()
        elif segment != ".":
            out.append(segment)
    if path.endswith(("/.", "/..")):
        out.append("")
    result = "/".join(out)
    return result if result.startswith("/") or not path.startswith("/") else "/" + result


def canonical_url(url: str) -> str:
    """The canonical spelling of an http(s) URL; anything else comes back unchanged."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return url
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None or str(port) == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    if parts.username or parts.password:
        netloc = parts.netloc.rsplit("@", 1)[0] + "@" + netloc
    path = remove_dot_segments(_escapes(_SESSION.sub("", parts.path))) or "/"
    return urlunsplit((scheme, netloc, path, _escapes(parts.query), ""))
