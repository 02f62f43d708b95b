"""The dashboard's guards: loopback-only Host names, the token gate, CSRF on every POST."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from dockyard.dashboard.security import (
    CSRF_COOKIE,
    TOKEN_COOKIE,
    CsrfGuard,
    HostGuard,
    SecurityHeaders,
    TokenGate,
    csrf_token,
    is_loopback,
    token_required,
)


async def page(request):
    return PlainTextResponse(f"page csrf={csrf_token(request.scope)}")


async def action(request):
    return PlainTextResponse("done")


def guarded(token=None, allowed=None) -> Starlette:
    return Starlette(
        routes=[Route("/", page), Route("/act", action, methods=["POST"])],
        middleware=[Middleware(SecurityHeaders), Middleware(HostGuard, allowed=allowed), Middleware(TokenGate, token=token),
                    Middleware(CsrfGuard)],
    )


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_addresses_need_no_token(host):
    assert is_loopback(host)
    assert token_required(host, None) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.org", "::"])
def test_binding_elsewhere_makes_a_fresh_token(host):
    first, second = token_required(host, None), token_required(host, None)
    assert first and second and first != second
    assert len(first) >= 24


def test_a_given_token_is_required_even_on_loopback():
    assert token_required("127.0.0.1", "chosen") == "chosen"


def test_a_request_without_the_token_is_refused():
    client = TestClient(guarded(token="s3cret-token"))
    response = client.get("/")
    assert response.status_code == 401
    assert "s3cret-token" not in response.text


def test_the_token_in_the_address_becomes_a_cookie_and_leaves_the_address():
    client = TestClient(guarded(token="s3cret-token"), follow_redirects=False)
    response = client.get("/?token=s3cret-token&tab=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/?tab=1"
    assert "HttpOnly" in response.headers["set-cookie"] and "SameSite=Strict" in response.headers["set-cookie"]
    assert client.cookies[TOKEN_COOKIE] == "s3cret-token"
    assert client.get("/").status_code == 200


def test_a_wrong_token_in_the_address_is_refused():
    client = TestClient(guarded(token="s3cret-token"), follow_redirects=False)
    assert client.get("/?token=guess").status_code == 401
    assert TOKEN_COOKIE not in client.cookies


def test_a_bearer_header_carries_the_token_for_scripts():
    client = TestClient(guarded(token="s3cret-token"))
    assert client.get("/", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
    assert client.get("/", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_every_page_sets_a_csrf_cookie_that_the_page_repeats():
    client = TestClient(guarded())
    response = client.get("/")
    token = client.cookies[CSRF_COOKIE]
    assert response.text == f"page csrf={token}"
    assert client.get("/").text == f"page csrf={token}"


def test_a_post_without_the_csrf_header_is_refused():
    client = TestClient(guarded())
    client.get("/")
    assert client.post("/act").status_code == 403


def test_a_post_with_a_csrf_header_that_differs_from_the_cookie_is_refused():
    client = TestClient(guarded())
    client.get("/")
    assert client.post("/act", headers={"X-CSRF-Token": "forged"}).status_code == 403


def test_a_post_with_the_matching_csrf_header_goes_through():
    client = TestClient(guarded())
    client.get("/")
    response = client.post("/act", headers={"X-CSRF-Token": client.cookies[CSRF_COOKIE]})
    assert response.status_code == 200 and response.text == "done"


def test_a_post_from_another_origin_is_refused_even_with_the_token():
    client = TestClient(guarded())
    client.get("/")
    headers = {"X-CSRF-Token": client.cookies[CSRF_COOKIE], "Origin": "http://evil.example"}
    assert client.post("/act", headers=headers).status_code == 403


def test_loopback_binding_refuses_foreign_host_names():
    client = TestClient(guarded(allowed=["localhost", "127.0.0.1"]), base_url="http://rebound.example")
    assert client.get("/").status_code == 400
    local = TestClient(guarded(allowed=["localhost", "127.0.0.1"]), base_url="http://127.0.0.1:8080")
    assert local.get("/").status_code == 200


def test_every_response_forbids_framing_foreign_scripts_and_referrers():
    response = TestClient(guarded(token="s3cret-token")).get("/")  # even a refusal carries them
    assert response.status_code == 401
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
