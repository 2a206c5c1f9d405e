"""No response body over MAX_BYTES, no streamed response longer than MAX_SECONDS.

zfxxgk_limits.py bounds what one query holds in memory; this bounds what a client receives,
whatever built it (a JSON response, CSV streamed page after page: each page is a query of its
own). 100 MB is also Datasette's max_csv_mb, which cuts CSV streams the same way.

- A response sent in one piece (JSON, HTML: Datasette builds them whole) that is too large
  is replaced by a 400 that says why and what to do, JSON for .json, text otherwise.
- A streamed response (CSV with _stream=on, which pages through a whole table) has already
  sent its 200 and its first rows; past MAX_BYTES or MAX_SECONDS it ends with a last line
  saying it was cut and why, as Datasette's own max_csv_mb does, and the page queries stop.

Archived copies (/-/archive/), the bulk CSV files (/exports/) and the download of the whole
published copy (/zfxxgk.db) are files read from disk, as large as they are, not an answer a
query can inflate: they are left alone.
"""

import json
import time

from datasette import hookimpl

MAX_BYTES = 100 * 1024 * 1024
MAX_SECONDS = 120.0
EXEMPT = ("/-/archive/", "/exports/", "/zfxxgk.db")
ADVICE = "filter the rows (e.g. ?year=2022), select fewer columns (_col=, _nocol=) or use a smaller _size"


class ResponseCut(Exception):
    """Raised to the producer of a response that was cut: nothing more is sent."""


def _size(n):
    return f"{n // 2**20} MB" if n >= 2**20 else f"{n} bytes"


def _too_large(path):
    message = f"response over {_size(MAX_BYTES)}, the limit of this server: {ADVICE}"
    if path.endswith(".json"):
        body = json.dumps({"ok": False, "error": message, "status": 400, "title": "Response too large"})
        return b"application/json; charset=utf-8", body.encode()
    return b"text/plain; charset=utf-8", message.encode() + b"\n"


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def capped(scope, receive, send):
            if scope["type"] != "http" or scope["path"].startswith(EXEMPT):
                return await app(scope, receive, send)
            deadline = time.monotonic() + MAX_SECONDS
            start, sent, cut = None, 0, False

            async def send_capped(message):
                nonlocal start, sent, cut
                if cut:
                    raise ResponseCut
                if message["type"] == "http.response.start":
                    start = message  # held until the first body shows whether it fits
                    return
                if message["type"] != "http.response.body":
                    return await send(message)
                body, more = message.get("body", b""), message.get("more_body", False)
                sent += len(body)
                if start is not None:  # the first body
                    if sent > MAX_BYTES and not more:
                        cut = True
                        content_type, error = _too_large(scope["path"])
                        await send({"type": "http.response.start", "status": 400,
                                    "headers": [(b"content-type", content_type)]})
                        return await send({"type": "http.response.body", "body": error})
                    await send(start)
                    start = None
                if more and (sent > MAX_BYTES or time.monotonic() > deadline):
                    cut = True
                    reason = (f"over {_size(MAX_BYTES)}" if sent > MAX_BYTES
                              else f"longer than {MAX_SECONDS:.0f} s")
                    note = f"\nresponse cut: {reason}, the limit of this server; {ADVICE}, and download in parts\n"
                    await send({"type": "http.response.body", "body": note.encode()})
                    raise ResponseCut
                await send(message)

            try:
                await app(scope, receive, send_capped)
            except ResponseCut:
                pass

        return capped

    return wrap
