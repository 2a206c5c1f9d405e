"""CSV: every row of a table, and a UTF-8 byte order mark so Excel reads the Chinese.

- A table's CSV link (`.csv`) used to stop silently at max_returned_rows (2,000): every CSV
  request of a table now streams all its rows (`_stream=on`, page by page; past 100 MB or
  120 s it ends with a line saying it was cut, see zfxxgk_response_cap.py). A query's CSV is
  one page of results, as in Datasette.
- Excel opens a CSV without a BOM in the system's legacy code page (GBK on a Chinese
  Windows, cp1252 elsewhere) and shows UTF-8 text as mojibake; with the three bytes EF BB BF
  it reads UTF-8. Browsers and CSV libraries skip the mark (Python: encoding="utf-8-sig").
"""

from urllib.parse import parse_qs

from datasette import hookimpl

BOM = b"\xef\xbb\xbf"


@hookimpl(tryfirst=True)  # innermost: the response cap outside it counts the BOM too
def asgi_wrapper(datasette):
    def wrap(app):
        async def with_bom(scope, receive, send):
            path = scope.get("path", "")
            if scope["type"] != "http" or not path.endswith(".csv") or path.startswith("/exports/"):
                # the bulk files publishing writes carry their BOM already
                return await app(scope, receive, send)
            query = scope.get("query_string", b"")
            args = parse_qs(query.decode("latin-1"))
            if "_stream" not in args and "_next" not in args and "sql" not in args:
                scope = {**scope, "query_string": query + (b"&" if query else b"") + b"_stream=on"}
            state = {"csv": False, "first": True}

            async def send_with_bom(message):
                if message["type"] == "http.response.start":
                    headers = list(message.get("headers", []))
                    ctype = dict((k.lower(), v) for k, v in headers).get(b"content-type", b"")
                    state["csv"] = message.get("status") == 200 and ctype.startswith((b"text/csv", b"text/plain"))
                    if state["csv"]:
                        headers = [(k, v) if k.lower() != b"content-length" else (k, str(int(v) + len(BOM)).encode())
                                   for k, v in headers]
                        message = {**message, "headers": headers}
                elif message["type"] == "http.response.body" and state["csv"] and state["first"]:
                    state["first"] = False
                    message = {**message, "body": BOM + message.get("body", b"")}
                await send(message)

            await app(scope, receive, send_with_bom)

        return with_bom

    return wrap
