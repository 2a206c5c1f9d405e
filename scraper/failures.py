"""What went wrong with a request, as an event kind and a one-line reason.

Scrapy reports a refused or failed request as an exception: IgnoreRequest for everything a
middleware refuses (robots.txt, the size cap after decompression, too many redirects), the
download handler's own errors for the network. Each becomes one of the `crawl_events` kinds,
so a portal that yields nothing says why, in words, instead of a traceback or nothing.
"""

from __future__ import annotations

from scrapy import exceptions as scrapy_errors
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as net

_NETWORK = {  # Scrapy 2.19's own download errors first, then Twisted's
    scrapy_errors.DownloadConnectionRefusedError: "connection refused",
    scrapy_errors.CannotResolveHostError: "host name not found",
    scrapy_errors.DownloadTimeoutError: "timed out",
    scrapy_errors.ResponseDataLossError: "response cut short",
    scrapy_errors.DownloadFailedError: "download failed",
    net.ConnectionRefusedError: "connection refused",
    net.DNSLookupError: "host name not found",
    net.TimeoutError: "timed out",
    net.TCPTimedOutError: "timed out",
    net.ConnectionLost: "connection lost",
    net.ConnectionDone: "connection closed",
    net.NoRouteError: "no route to host",
}


def describe_failure(exc: BaseException, request) -> tuple[str, str]:
    refusal = request.meta.get("zfxxgk_refusal")
    if isinstance(refusal, tuple):
        return refusal
    if isinstance(exc, HttpError):
        return "http", f"HTTP {exc.response.status}"
    message = " ".join(str(exc).split())
    if "DOWNLOAD_MAXSIZE" in message or "larger than download max size" in message:
        return "too_large", message
    if isinstance(exc, IgnoreRequest):
        if "max redirections" in message:
            return "redirect", f"more redirects than allowed from {request.meta.get('redirect_urls', [request.url])[0]}"
        if "robots.txt" in message:
            return "robots", f"disallowed by robots.txt: {request.url}"
        return "refused", message or type(exc).__name__
    words = network_reason(exc)
    if words == "timed out" and request.meta.get("download_timeout"):
        words += f" after {request.meta['download_timeout']:g} s"
    return "network", f"{words}: {request.url}"


def network_reason(exc: BaseException) -> str:
    """A network failure in a few words: 'connection refused', 'timed out after 30 s' ..."""
    for cls, words in _NETWORK.items():
        if isinstance(exc, cls):
            return words
    if isinstance(exc, TimeoutError):
        return "timed out"
    message = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__
