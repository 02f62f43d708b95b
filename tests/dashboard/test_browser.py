"""The dashboard in real headless Chromium (Debian's ``chromium``, driven by Playwright) over the emulator.

The dashboard is served by uvicorn in this process on a free port, with the ``shop`` environment of
``conftest.py`` in the emulated cluster. Every byte of every response body the server sends (pages,
fragments, scripts, server-sent events) is recorded, and after each test it is searched for the
planted secret values: no secret value may ever reach the browser. Screenshots of the main pages go
to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from dockyard.dashboard.app import create_app
from dockyard.dashboard.engine import Cluster
from dockyard.manifests.result import LABEL_SERVICE
from dockyard.reconcile import composition as compositions
from dockyard.reconcile import engine
from tests.dashboard.conftest import COMPOSITION, ENV, NAMESPACE, PLANTED_SECRET, SHOP_COMPOSE

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
TYPED_SECRET = "TYPED-s3cr3t-0b5e2d"  # a value typed into the secret form during a test
WAIT_MS = 15_000  # how long the browser waits for something to appear (a wait, not a timing assertion)


class BodyTap:
    """ASGI wrapper recording every response body chunk the dashboard sends."""

    def __init__(self, app) -> None:
        self.app = app
        self.chunks: list[bytes] = []

    async def __call__(self, scope, receive, send) -> None:
        async def tapped(message) -> None:
            if message["type"] == "http.response.body":
                self.chunks.append(bytes(message.get("body", b"")))
            await send(message)

        await self.app(scope, receive, tapped)

    def sent(self) -> bytes:
        return b"".join(self.chunks)


class Server:
    """uvicorn serving the dashboard on 127.0.0.1:<free port>, in a thread."""

    def __init__(self, app) -> None:
        self.tap = BodyTap(app)
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        config = uvicorn.Config(self.tap, log_level="warning", access_log=False,
                                timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("the dashboard server did not start")
            self.thread.join(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.socket.close()


@pytest.fixture(scope="module")
def chromium():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's chromium. Install it with "
                    "`make browser` (apt-get install chromium chromium-driver); never `playwright install`.",
                    pytrace=False)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def dashboard(shop, engine_client, kube_config) -> Iterator[Server]:
    cluster = Cluster(engine_client, kube_config)
    with Server(create_app(cluster)) as server:
        yield server
    cluster.join_background(timeout=30)
    sent = server.tap.sent()
    assert sent, "the browser received nothing"
    for planted in (PLANTED_SECRET, TYPED_SECRET):
        assert planted.encode() not in sent, f"a secret value reached the browser: {planted}"


@pytest.fixture
def page(chromium, dashboard):
    context = chromium.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    problems: list[str] = []  # script errors and Content-Security-Policy violations
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    yield page
    for planted in (PLANTED_SECRET, TYPED_SECRET):
        assert planted not in page.content()
    context.close()
    assert problems == []


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def simulated(kube, shop):
    """The emulator's simulator runs the shop's Deployments: ReplicaSets, pods, rollout status."""
    kube.simulator.enabled = True
    kube.settle()
    return kube.simulator


def pods_of(kube, service: str) -> list[str]:
    return sorted(p["metadata"]["name"] for p in kube.store_list("Pod", NAMESPACE, labels={LABEL_SERVICE: service}))


def service_row(page, service: str):
    return page.locator(f'tr[data-service="{service}"]')


def test_an_environment_shows_its_services_and_their_dns_names(page, dashboard, simulated, engine_client):
    from playwright.sync_api import expect

    engine.reconcile(engine_client, NAMESPACE, COMPOSITION)  # as the controller would: records the status
    page.goto(dashboard.url + "/")
    expect(page.locator(f'tr[data-environment="{ENV}"]')).to_contain_text("2/2")
    screenshot(page, "environments")
    page.click(f'tr[data-environment="{ENV}"] a')
    expect(page.locator("h1")).to_have_text(f"Environment {ENV}")
    web = service_row(page, "web")
    expect(web).to_contain_text("ready")
    expect(web).to_contain_text("1/1")
    expect(web).to_contain_text("nginx:1.27")
    expect(web.locator(".dns code")).to_have_text(["web", f"web.{NAMESPACE}.svc.cluster.local"])
    expect(service_row(page, "worker").locator(".dns code").first).to_have_text("worker")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=dashboard.url)
    web.locator("button.copy").nth(1).click()
    expect(web.locator("button.copy").nth(1)).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == f"web.{NAMESPACE}.svc.cluster.local"
    expect(page.locator('#settings tr[data-key="DB_PASSWORD"]')).to_contain_text("set")
    expect(page.locator('#settings tr[data-key="LOG_LEVEL"]')).to_contain_text("debug")
    screenshot(page, "environment")


def test_a_failing_service_shows_its_message_without_a_reload(page, dashboard, simulated, kube, engine_client):
    from playwright.sync_api import expect

    page.goto(f"{dashboard.url}/environments/{ENV}")
    expect(service_row(page, "web")).to_contain_text("ready")
    page.evaluate("window.__sameDocument = 'yes'")
    simulated.fail_pods({LABEL_SERVICE: "web"}, "crash-loop", namespace=NAMESPACE, exit_code=3,
                        log_line="panic: DATABASE_URL is not set")
    message = service_row(page, "web").locator(".service-message")
    expect(message).to_contain_text("keeps crashing (CrashLoopBackOff, exit code 3)")
    expect(message).to_contain_text("last log line: panic: DATABASE_URL is not set")
    expect(service_row(page, "web").locator(".badge")).to_have_text("failed")
    expect(service_row(page, "worker").locator(".badge")).to_have_text("ready")
    engine.reconcile(engine_client, NAMESPACE, COMPOSITION)  # records the failure, as the controller would
    expect(page.locator('tr[data-condition="Degraded"]')).to_contain_text("True")
    expect(page.locator('tr[data-condition="Degraded"]')).to_contain_text("keeps crashing")
    kube.emit_event(kube.store_get("Deployment", "web", NAMESPACE), "Rollback", "operator rolled web back",
                    type="Warning")
    expect(page.locator("#events")).to_contain_text("operator rolled web back")
    assert page.evaluate("window.__sameDocument") == "yes", "the page was reloaded"
    screenshot(page, "environment-failing")


def test_a_secret_typed_into_the_form_is_set_and_never_shown(page, dashboard, kube):
    from playwright.sync_api import expect

    page.goto(f"{dashboard.url}/environments/{ENV}")
    form = page.locator('form[hx-post$="/secrets"]')
    form.locator('input[name="key"]').fill("API_TOKEN")
    form.locator('input[name="value"]').fill(TYPED_SECRET)
    form.locator("button").click()
    expect(page.locator('#settings tr[data-key="API_TOKEN"]')).to_contain_text("set")
    assert "API_TOKEN" in kube.store_get("Secret", "env-secret", NAMESPACE)["data"]


def test_an_environment_is_created_and_deleted_from_the_list(page, dashboard, kube):
    from playwright.sync_api import expect

    page.goto(dashboard.url + "/")
    page.fill('input[name="name"]', "staging")
    page.click("text=Create")
    expect(page.locator('tr[data-environment="staging"]')).to_contain_text("empty")
    assert kube.store_get("Namespace", "env-staging") is not None
    page.once("dialog", lambda dialog: dialog.accept())  # "Delete environment staging and everything in it?"
    page.locator('tr[data-environment="staging"] button.danger').click()
    expect(page.locator('p[role="status"]')).to_have_text("Environment staging is being deleted.")
    namespace = kube.store_get("Namespace", "env-staging")
    assert namespace is None or namespace["metadata"].get("deletionTimestamp")


def _edit_line(page, line: int, text: str) -> None:
    """Replace one line of the editor by typing, as a person would."""
    page.evaluate(f"dockyardEditor.focus(); dockyardEditor.setCursor({{line: {line - 1}, ch: 0}})")
    page.keyboard.press("Shift+End")
    page.keyboard.type(text)


def _stored_text(kube) -> str:
    cr = kube.store_get("Composition", COMPOSITION, NAMESPACE, api_version=compositions.API_VERSION)
    return cr["spec"]["composeFiles"][0]["content"]


def test_an_invalid_edit_is_marked_at_its_line_then_fixed_diffed_and_saved(page, dashboard, kube):
    from playwright.sync_api import expect

    page.goto(f"{dashboard.url}/environments/{ENV}")
    page.click("a.action")  # Edit compose
    expect(page.locator(".CodeMirror")).to_be_visible()
    assert page.evaluate("dockyardEditor.getValue()") == SHOP_COMPOSE
    expect(page.locator(".CodeMirror .cm-atom").first).to_have_text("name")  # YAML highlighting: keys
    expect(page.locator(".CodeMirror .cm-string").first).to_have_text('"8080:80"')

    _edit_line(page, 6, '      - "eighty:80"')
    page.click("#validate")
    error = page.locator("ul.errors li").first
    expect(error).to_contain_text("line 6")
    expect(error).to_contain_text("services.web.ports")
    expect(page.locator(".CodeMirror-code > div:has(.cm-error-line) .CodeMirror-linenumber")).to_have_text("6")
    expect(page.locator("#save")).to_have_count(0)
    screenshot(page, "editor-error")
    assert _stored_text(kube) == SHOP_COMPOSE

    _edit_line(page, 6, '      - "8080:80"')
    _edit_line(page, 4, "    image: nginx:1.27.3")
    expect(page.locator(".cm-error-line")).to_have_count(0)
    page.click("#validate")
    expect(page.locator("#text-diff")).to_contain_text("+    image: nginx:1.27.3")
    expect(page.locator("#text-diff")).to_contain_text("-    image: nginx:1.27")
    expect(page.locator("#object-changes")).to_contain_text("Deployment web")
    screenshot(page, "editor-diff")
    assert _stored_text(kube) == SHOP_COMPOSE

    page.click("#save")
    expect(page.locator("#saved-generation")).to_have_text("2")
    assert _stored_text(kube) == SHOP_COMPOSE.replace("nginx:1.27", "nginx:1.27.3")
    page.click("text=Watch the services")  # no controller runs here, so the dashboard applied the save
    expect(service_row(page, "web")).to_contain_text("nginx:1.27.3")


def test_the_logs_page_streams_every_pod_line_prefixed_by_its_pod(page, dashboard, simulated, kube, kubelet):
    from playwright.sync_api import expect

    deployment = kube.store_get("Deployment", "web", NAMESPACE)
    deployment["spec"]["replicas"] = 2  # as `kubectl scale` would: the simulator starts a second pod
    kube.store_put(deployment)
    kube.settle()
    first, second = pods_of(kube, "web")
    kubelet.log("web", ["listening on :80"], pod=first)
    kubelet.log("web", ["listening on :80"], pod=second)
    page.goto(f"{dashboard.url}/environments/{ENV}")
    service_row(page, "web").locator("a", has_text="Logs").click()
    log = page.locator("#log")
    expect(log).to_contain_text(f"{first} | listening on :80")
    expect(log).to_contain_text(f"{second} | listening on :80")
    kubelet.log("web", ["GET /healthz 200"], pod=second)
    expect(log).to_contain_text(f"{second} | GET /healthz 200")
    screenshot(page, "logs")
    page.uncheck("#follow")
    expect(page.locator("#log-state")).to_contain_text("follow is off")
    expect(log.locator(".log-line")).to_have_count(3)
    expect(log.locator(f'.log-line[data-pod="{second}"]')).to_have_count(2)
