"""CSV exports start with a UTF-8 byte order mark, so Excel reads the Chinese as Chinese.

Excel opens a CSV without a BOM in the system's legacy code page (GBK on a Chinese Windows,
cp1252 elsewhere) and shows UTF-8 text as mojibake; with the three bytes EF BB BF it reads
UTF-8. Browsers and CSV libraries skip the mark (Python: encoding="utf-8-sig").
"""

from datasette import hookimpl

BOM = b"\xef\xbb\xbf"


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def with_bom(scope, receive, send):
            if scope["type"] != "http" or not scope.get("path", "").endswith(".csv"):
                return await app(scope, receive, send)
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
