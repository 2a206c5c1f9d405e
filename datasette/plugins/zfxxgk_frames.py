"""No page of the archive may be framed by another site (clickjacking): every response says
`X-Frame-Options: DENY` and `Content-Security-Policy: frame-ancestors 'none'`.

'none' rather than 'self': neither Datasette's pages nor the dashboards frame our own pages
(datasette-dashboards' /embed views are meant for other sites, which this refuses). A response
with a policy of its own (the archived copies' `sandbox`) gets the directive added to it, one
policy in one header. Outermost wrapper (trylast), so the other wrappers' answers (405, the
size cap's 400) carry the headers too.
"""

from datasette import hookimpl

FRAME_ANCESTORS = b"frame-ancestors 'none'"


def _with_frame_headers(headers):
    headers = [(k, v) for k, v in headers if k.lower() != b"x-frame-options"]
    csp = [i for i, (k, _) in enumerate(headers) if k.lower() == b"content-security-policy"]
    for i in csp:
        headers[i] = (headers[i][0], headers[i][1] + b"; " + FRAME_ANCESTORS)
    if not csp:
        headers.append((b"content-security-policy", FRAME_ANCESTORS))
    return headers + [(b"x-frame-options", b"DENY")]


@hookimpl(trylast=True)
def asgi_wrapper(datasette):
    def wrap(app):
        async def no_frames(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)

            async def send_with_headers(message):
                if message["type"] == "http.response.start":
                    message = {**message, "headers": _with_frame_headers(list(message.get("headers", [])))}
                await send(message)

            await app(scope, receive, send_with_headers)

        return no_frames

    return wrap
