"""Who may talk to the dashboard, and proof that a POST came from the dashboard's own pages.

Four guards, each a small pure-ASGI middleware so that streamed responses (server-sent events,
logs) pass through untouched:

* ``HostGuard``: while bound to the loopback interface only ``localhost``/``127.0.0.1``/``[::1]``
  Host headers are served, so a web page elsewhere cannot reach it through DNS rebinding.
* ``TokenGate``: binding anywhere else requires a token. ``?token=`` on a GET sets an HttpOnly
  cookie and redirects to the same URL without it (the token leaves the address bar and history);
  ``Authorization: Bearer`` works for scripts. Anything else gets a 401.
* ``SecurityHeaders``: a Content-Security-Policy allowing only the dashboard's own scripts, no
  framing (clickjacking), no referrer (a token in an address never leaks to another site).
* ``CsrfGuard``: a double-submit token. Every response carries a random ``dockyard_csrf`` cookie,
  the pages repeat it in ``<meta name="csrf-token">`` and htmx sends it back as ``X-CSRF-Token``;
  a POST whose header does not match its cookie, or whose ``Origin`` is another site, gets a 403.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Iterable
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "LOOPBACK_HOSTS",
    "TOKEN_COOKIE",
    "CsrfGuard",
    "HostGuard",
    "SecurityHeaders",
    "TokenGate",
    "csrf_token",
    "is_loopback",
    "new_token",
    "token_required",
]

TOKEN_COOKIE = "dockyard_token"
CSRF_COOKIE = "dockyard_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_SCOPE_KEY = "dockyard.csrf"
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def new_token() -> str:
    return secrets.token_urlsafe(24)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def token_required(host: str, token: str | None) -> str | None:
    """The token the server must demand: the given one, a fresh one off loopback, or none."""
    if token:
        return token
    return None if is_loopback(host) else new_token()


def csrf_token(scope: Scope) -> str:
    """The CSRF token of this request (set by ``CsrfGuard``), for templates to embed."""
    return scope.get("state", {}).get(CSRF_SCOPE_KEY, "")


def _cookies(scope: Scope) -> dict[str, str]:
    jar = SimpleCookie()
    try:
        jar.load(Headers(scope=scope).get("cookie", ""))
    except Exception:  # a malformed Cookie header is treated as no cookie
        return {}
    return {key: morsel.value for key, morsel in jar.items()}


def _set_cookie(name: str, value: str, *, secure: bool) -> bytes:
    flags = "; Path=/; HttpOnly; SameSite=Strict" + ("; Secure" if secure else "")
    return f"{name}={value}{flags}".encode("latin-1")


def _same(a: str, b: str) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())


class HostGuard:
    """Refuse Host headers that are not in ``allowed`` (``None`` allows any)."""

    def __init__(self, app: ASGIApp, allowed: Iterable[str] | None) -> None:
        self.app = app
        self.allowed = None if allowed is None else {h.lower() for h in allowed}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.allowed is not None:
            host = Headers(scope=scope).get("host", "")
            hostname = urlsplit(f"//{host}").hostname or ""
            if hostname.lower() not in self.allowed and f"[{hostname}]" not in self.allowed:
                await PlainTextResponse("unknown Host header", status_code=400)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class TokenGate:
    """Let through only requests that carry ``token`` (no-op when ``token`` is ``None``)."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.token is None:
            await self.app(scope, receive, send)
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        if scope["method"] == "GET" and "token" in query:
            await self._exchange_query_token(scope, receive, send, query)
            return
        headers = Headers(scope=scope)
        bearer = headers.get("authorization", "").removeprefix("Bearer ").strip()
        if _same(_cookies(scope).get(TOKEN_COOKIE, ""), self.token) or _same(bearer, self.token):
            await self.app(scope, receive, send)
            return
        response = PlainTextResponse("dockyard dashboard: open the address printed at start (it carries the token)",
                                     status_code=401)
        await response(scope, receive, send)

    async def _exchange_query_token(self, scope: Scope, receive: Receive, send: Send, query: dict) -> None:
        if not _same(query.pop("token"), self.token):
            await PlainTextResponse("wrong token", status_code=401)(scope, receive, send)
            return
        location = scope["path"] + (f"?{urlencode(query)}" if query else "")
        response = RedirectResponse(location, status_code=303)
        cookie = _set_cookie(TOKEN_COOKIE, self.token, secure=scope["scheme"] == "https")
        response.raw_headers.append((b"set-cookie", cookie))
        await response(scope, receive, send)


HEADERS = (
    (b"content-security-policy", b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                                 b"img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
                                 b"form-action 'self'; base-uri 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)


def _adding_headers(send: Send, headers: Iterable[tuple[bytes, bytes]]) -> Send:
    """``send`` with ``headers`` appended to the response's start message."""
    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *headers]}
        await send(message)

    return send_with_headers


class SecurityHeaders:
    """Add ``HEADERS`` to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, _adding_headers(send, HEADERS))


class CsrfGuard:
    """Double-submit CSRF protection for every unsafe method."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookie = _cookies(scope).get(CSRF_COOKIE, "")
        if scope["method"] not in SAFE_METHODS and not self._allowed(scope, cookie):
            await PlainTextResponse("CSRF check failed: reload the page and try again", status_code=403)(
                scope, receive, send)
            return
        token = cookie or secrets.token_urlsafe(24)
        scope.setdefault("state", {})[CSRF_SCOPE_KEY] = token
        if not cookie:
            send = _adding_headers(send, [(b"set-cookie", _set_cookie(CSRF_COOKIE, token,
                                                                       secure=scope["scheme"] == "https"))])
        await self.app(scope, receive, send)

    @staticmethod
    def _allowed(scope: Scope, cookie: str) -> bool:
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin and urlsplit(origin).netloc != headers.get("host", ""):
            return False
        return _same(headers.get(CSRF_HEADER, ""), cookie)
