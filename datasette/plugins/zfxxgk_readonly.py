"""The published archive takes no writes: any method other than GET/HEAD is answered 405.

Datasette 0.65 has no write API, but it routes POSTs to tables and queries (and answers some
with a 500). Refusing them at the ASGI edge makes read-only a property of the server, not of
each view.
"""

from datasette import hookimpl

ALLOWED = {"GET", "HEAD", "OPTIONS"}


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def read_only(scope, receive, send):
            if scope["type"] == "http" and scope.get("method", "GET").upper() not in ALLOWED:
                await send({"type": "http.response.start", "status": 405,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                        (b"allow", b"GET, HEAD, OPTIONS")]})
                await send({"type": "http.response.body", "body": b"read-only archive: only GET is allowed\n"})
                return
            await app(scope, receive, send)

        return read_only

    return wrap
