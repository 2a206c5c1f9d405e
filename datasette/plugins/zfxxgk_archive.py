"""Archived copies: /-/archive/<sha256> serves a document from the blob store, as stored.

The bytes are the original ones with their original Content-Type, but never on our terms:
`Content-Security-Policy: sandbox` gives the page an opaque origin with scripts disabled,
`X-Content-Type-Options: nosniff` stops the browser guessing a more dangerous type, and
anything that is not HTML or text (PDF, DOC, XLS ...) is sent as a download. Only a 64-hex
sha256 matches the route, so no path can point outside the archive.

The sha256 columns link here (zfxxgk_links.py).
"""

import os
import re
from pathlib import Path

from datasette import hookimpl
from datasette.utils.asgi import Response

from zfxxgk.archive import BlobStore

SHA = re.compile(r"^[0-9a-f]{64}$")
INLINE_FORMATS = {"html", "text"}
EXTENSIONS = {"pdf": ".pdf", "doc": ".doc", "docx": ".docx", "wps": ".wps", "xls": ".xls", "xlsx": ".xlsx",
              "zip": ".zip", "ofd": ".ofd", "rtf": ".rtf", "image": ".bin"}


def _archive_dir(datasette) -> Path:
    config = datasette.plugin_config("zfxxgk") or {}
    return Path(config.get("archive_dir") or os.environ.get("ZFXXGK_ARCHIVE") or "data/archive")


async def archived_copy(datasette, request):
    sha = request.url_vars["sha256"]
    if not SHA.match(sha):
        return Response.text("not an archived document", status=404)
    store = BlobStore(_archive_dir(datasette))
    path = store.path(sha)
    if not path.is_file():
        return Response.text("not in the archive", status=404)
    content_type, fmt = None, None
    for name, db in datasette.databases.items():
        if name == "_internal":
            continue
        try:
            row = (await db.execute("SELECT content_type, format FROM documents WHERE sha256 = ?", [sha])).first()
        except Exception:  # noqa: BLE001 - a database without the archive's tables
            continue
        if row:
            content_type, fmt = row["content_type"], row["format"]
            break
    fmt = fmt or "binary"
    headers = {
        "Content-Security-Policy": "sandbox",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "public, max-age=31536000, immutable",
    }
    if fmt not in INLINE_FORMATS:
        headers["Content-Disposition"] = f'attachment; filename="{sha}{EXTENSIONS.get(fmt, ".bin")}"'
        content_type = content_type or "application/octet-stream"
    return Response(path.read_bytes(), status=200, headers=headers,
                    content_type=content_type or "text/html")


@hookimpl
def register_routes():
    return [(r"^/-/archive/(?P<sha256>[^/]+)$", archived_copy)]
