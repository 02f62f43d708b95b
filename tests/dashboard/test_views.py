"""Every dashboard view over the emulated cluster: which template it renders and with what context.

Responses are checked through ``response.template`` and ``response.context`` (Starlette's template
response), not their HTML; the emulator's request log proves what was (not) written.
"""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from dockyard.dashboard.app import create_app
from dockyard.dashboard.engine import Cluster, SaveOutcome
from dockyard.dashboard.security import CSRF_COOKIE
from dockyard.reconcile import composition as compositions
from dockyard.reconcile import engine
from tests.dashboard.conftest import COMPOSITION, ENV, NAMESPACE, PLANTED_SECRET, SHOP_COMPOSE, run_controller

PAGE = f"/environments/{ENV}"
COMPOSE = f"{PAGE}/compositions/{COMPOSITION}"
# Line 5 of the edited document holds a port that is not a port.
INVALID_EDIT = SHOP_COMPOSE.replace('      - "8080:80"', '      - "eighty:80"')
VALID_EDIT = SHOP_COMPOSE.replace("nginx:1.27", "nginx:1.27.3")


@pytest.fixture
def browser(app) -> TestClient:
    """A client that behaves like the dashboard's pages: it holds the CSRF cookie and sends the header."""
    client = TestClient(app, base_url="http://127.0.0.1")
    client.get("/static/dashboard.css")
    client.headers["X-CSRF-Token"] = client.cookies[CSRF_COOKIE]
    return client


def stored_composition(kube) -> dict:
    return kube.store_get("Composition", COMPOSITION, NAMESPACE, api_version=compositions.API_VERSION)


# -- environments ------------------------------------------------------------------------------------

def test_the_environments_page_lists_each_environment_with_its_state_and_ready_count(browser, shop, kubelet,
                                                                                   engine_client):
    response = browser.get("/")
    assert response.template.name == "environments.html"
    assert response.context["error"] == ""
    [row] = response.context["environments"]
    assert (row.name, row.state, row.ready, row.total) == (ENV, "progressing", 0, 2)
    assert row.last_change.startswith("20")
    kubelet.run("web")
    kubelet.run("worker")
    engine.reconcile(engine_client, NAMESPACE, COMPOSITION)  # records the status, as the controller would
    [row] = browser.get("/").context["environments"]
    assert (row.state, row.ready, row.total) == ("ready", 2, 2)


def test_creating_an_environment_from_the_page_creates_its_namespace(browser, kube, shop):
    response = browser.post("/environments", data={"name": "staging"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.template.name == "_environments.html"
    assert response.context["message"] == "Environment staging created."
    assert kube.store_get("Namespace", "env-staging") is not None


def test_an_invalid_environment_name_is_explained_and_nothing_is_written(browser, kube, shop):
    kube.requests.clear()
    response = browser.post("/environments", data={"name": "Not_Valid"}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "invalid environment name 'Not_Valid'" in response.context["error"]
    assert kube.requests.writes() == []


def test_a_post_without_the_csrf_header_is_refused_before_any_write(app, kube, shop):
    client = TestClient(app, base_url="http://127.0.0.1")
    client.get("/static/dashboard.css")
    kube.requests.clear()
    assert client.post("/environments", data={"name": "staging"}).status_code == 403
    assert kube.requests == []


def test_deleting_an_environment_deletes_its_namespace(browser, kube, shop):
    response = browser.post(f"{PAGE}/delete", headers={"HX-Request": "true"})
    assert response.template.name == "_environments.html"
    assert response.context["message"] == f"Environment {ENV} is being deleted."
    assert [r.name for r in kube.requests.filter(verb="delete", kind="Namespace")] == [NAMESPACE]


# -- one environment ---------------------------------------------------------------------------------

def test_the_environment_page_shows_each_service_with_its_dns_names_image_and_ports(browser, shop, kubelet):
    kubelet.run("web")
    kubelet.run("worker")
    response = browser.get(PAGE)
    assert response.template.name == "environment.html"
    view = response.context["view"]
    [composition] = view.compositions
    services = {s.name: s for s in composition.services}
    assert services["web"].state == "ready" and (services["web"].ready, services["web"].desired) == (1, 1)
    assert services["web"].dns_names == ("web", f"web.{NAMESPACE}.svc.cluster.local")
    assert services["web"].image == "nginx:1.27"
    assert "8080/TCP" in services["web"].ports
    assert {c.type for c in composition.conditions} == {"Ready", "Progressing", "Degraded", "Reconciled"}


def test_a_failing_service_carries_the_message_that_explains_it(browser, shop, kubelet):
    kubelet.run("web")
    kubelet.fail_image_pull("web", "nginx:9.9-missing")
    response = browser.get(f"{COMPOSE}/services")
    assert response.template.name == "_services.html"
    web = next(s for s in response.context["services"] if s.name == "web")
    assert web.state == "failed"
    assert "nginx:9.9-missing" in web.message


def test_recent_events_of_the_environment_are_listed_newest_first(browser, kube, shop):
    kube.emit_event(kube.store_get("Deployment", "web", NAMESPACE), "ScalingReplicaSet",
                    "Scaled up replica set web-7d9c6b5f4 to 1", type="Normal")
    response = browser.get(PAGE)
    events = response.context["view"].events
    assert events and events[0].reason == "ScalingReplicaSet"
    assert events[0].object == "Deployment/web"


def test_an_unknown_environment_is_a_clear_not_found(browser, kube, shop):
    response = browser.get("/environments/nowhere")
    assert response.status_code == 404
    assert response.template.name == "error.html"
    assert "environment 'nowhere' does not exist" in response.context["error"]


def test_the_environment_page_lists_secret_keys_and_never_their_values(browser, shop):
    response = browser.get(PAGE)
    settings = response.context["view"].settings
    assert settings.secret_keys == ["DB_PASSWORD"]
    assert settings.config == {"LOG_LEVEL": "debug"}
    assert PLANTED_SECRET not in response.text
    assert PLANTED_SECRET not in repr(response.context)


def test_setting_a_secret_answers_with_its_key_only(browser, kube, shop):
    response = browser.post(f"{PAGE}/secrets", data={"key": "API_TOKEN", "value": "tok-NEVER-SHOWN"})
    assert response.template.name == "_settings.html"
    assert response.context["message"] == "secret API_TOKEN set."
    assert response.context["settings"].secret_keys == ["API_TOKEN", "DB_PASSWORD"]
    assert "tok-NEVER-SHOWN" not in response.text and "tok-NEVER-SHOWN" not in repr(response.context)
    assert "API_TOKEN" in kube.store_get("Secret", "env-secret", NAMESPACE)["data"]


def test_unsetting_a_secret_removes_its_key(browser, kube, shop):
    response = browser.post(f"{PAGE}/secrets/DB_PASSWORD/unset")
    assert response.template.name == "_settings.html"
    assert response.context["message"] == "secret DB_PASSWORD unset."
    assert response.context["settings"].secret_keys == []
    assert "DB_PASSWORD" not in (kube.store_get("Secret", "env-secret", NAMESPACE).get("data") or {})


def test_setting_and_unsetting_a_config_key(browser, shop):
    response = browser.post(f"{PAGE}/config", data={"key": "API_TAG", "value": "2.0.1"})
    assert response.context["settings"].config == {"API_TAG": "2.0.1", "LOG_LEVEL": "debug"}
    response = browser.post(f"{PAGE}/config/API_TAG/unset")
    assert response.context["message"] == "API_TAG unset."
    assert response.context["settings"].config == {"LOG_LEVEL": "debug"}


def test_an_invalid_config_key_is_explained_and_not_written(browser, kube, shop):
    kube.requests.clear()
    response = browser.post(f"{PAGE}/config", data={"key": "1BAD", "value": "x"})
    assert response.status_code == 422
    assert "invalid config key '1BAD'" in response.context["error"]
    assert kube.requests.writes() == []


# -- compose editor ----------------------------------------------------------------------------------

def test_the_editor_opens_the_stored_compose_file(browser, shop):
    response = browser.get(f"{COMPOSE}/compose")
    assert response.template.name == "editor.html"
    document = response.context["document"]
    assert (document.file, document.text, document.generation) == ("compose.yaml", SHOP_COMPOSE, 1)


def test_an_invalid_edit_is_reported_at_its_line_and_nothing_is_written(browser, kube, shop):
    kube.requests.clear()
    response = browser.post(f"{COMPOSE}/compose/validate", data={"compose": INVALID_EDIT})
    assert response.template.name == "_check.html"
    check = response.context["check"]
    assert not check.ok
    [error] = check.errors
    assert error.line == 6
    assert error.path.startswith("services.web.ports")
    assert kube.requests.writes() == []
    assert stored_composition(kube)["spec"]["composeFiles"][0]["content"] == SHOP_COMPOSE


def test_a_yaml_syntax_error_is_reported_at_its_line(browser, shop):
    broken = SHOP_COMPOSE.replace("    image: busybox:1.36", "    image: [busybox")
    check = browser.post(f"{COMPOSE}/compose/validate", data={"compose": broken}).context["check"]
    assert not check.ok
    [error] = check.errors
    assert "did not find expected ',' or ']'" in error.message
    assert (error.line, error.column) == (12, 12)  # where the parser found the unclosed [ of line 11 still open


def test_a_valid_edit_shows_the_text_diff_and_the_object_it_updates(browser, kube, shop):
    kube.requests.clear()
    check = browser.post(f"{COMPOSE}/compose/validate", data={"compose": VALID_EDIT}).context["check"]
    assert check.ok and not check.unchanged
    assert "-    image: nginx:1.27" in check.text_diff and "+    image: nginx:1.27.3" in check.text_diff
    [change] = check.changes
    assert (change.action, change.object) == ("update", "Deployment web")
    assert any("nginx:1.27.3" in field for field in change.fields)
    assert kube.requests.writes() == []
    assert all(r.dry_run for r in kube.requests if r.verb == "apply")


def test_save_refuses_a_text_other_than_the_one_validated(browser, kube, shop):
    validated = browser.post(f"{COMPOSE}/compose/validate", data={"compose": VALID_EDIT}).context["check"]
    other = VALID_EDIT.replace("busybox:1.36", "busybox:1.37")
    response = browser.post(f"{COMPOSE}/compose/save", data={"compose": other, "validated": validated.digest})
    assert response.template.name == "_check.html"
    assert "validate again" in response.context["check"].errors[0].message
    assert stored_composition(kube)["spec"]["composeFiles"][0]["content"] == SHOP_COMPOSE


def test_save_never_stores_an_invalid_document(browser, kube, shop):
    check = browser.post(f"{COMPOSE}/compose/validate", data={"compose": INVALID_EDIT}).context["check"]
    kube.requests.clear()
    response = browser.post(f"{COMPOSE}/compose/save", data={"compose": INVALID_EDIT, "validated": check.digest})
    assert response.template.name == "_check.html"
    assert not response.context["outcome"].saved
    assert kube.requests.writes() == []


def test_save_stores_the_validated_text_in_the_composition(browser, kube, shop):
    check = browser.post(f"{COMPOSE}/compose/validate", data={"compose": VALID_EDIT}).context["check"]
    response = browser.post(f"{COMPOSE}/compose/save", data={"compose": VALID_EDIT, "validated": check.digest})
    assert response.template.name == "_saved.html"
    outcome = response.context["outcome"]
    assert outcome.saved and outcome.generation == 2
    assert stored_composition(kube)["spec"]["composeFiles"][0]["content"] == VALID_EDIT
    [write] = kube.requests.filter(verb="apply", kind="Composition")[-1:]
    assert write.field_manager == "dockyard" and not write.dry_run


# -- logs --------------------------------------------------------------------------------------------

def test_the_logs_page_names_every_pod_of_the_service(browser, shop, kubelet):
    kubelet.run("web")
    response = browser.get(f"{COMPOSE}/services/web/logs")
    assert response.template.name == "logs.html"
    assert response.context["pods"] == [kubelet.pod_name("web")]


def test_the_log_stream_sends_each_line_prefixed_by_its_pod_then_ends(browser, kube, shop, kubelet):
    kubelet.run("web")
    kubelet.log("web", ["listening on :80", "GET /healthz 200"])
    with browser.stream("GET", f"{COMPOSE}/services/web/logs/stream", params={"follow": "0"}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        body = "".join(response.iter_text())
    events = [block for block in body.split("\n\n") if block]
    lines = [json.loads(e.split("data: ", 1)[1]) for e in events if e.startswith("event: line")]
    assert lines == [{"pod": kubelet.pod_name("web"), "text": "listening on :80"},
                     {"pod": kubelet.pod_name("web"), "text": "GET /healthz 200"}]
    assert events[-1].startswith("event: end")


# -- live updates ------------------------------------------------------------------------------------

async def test_the_live_feed_yields_the_services_now_and_again_when_a_pod_changes(cluster, shop, kubelet):
    kubelet.run("web")
    feed = cluster.watch_composition(ENV, COMPOSITION)
    try:
        first = {s.name: s for s in (await anext(feed)).services}
        assert first["web"].state == "ready"
        kubelet.fail_image_pull("web", "nginx:0.0-gone")
        while True:  # every burst of changes yields a view; the failure shows up in one of them
            web = {s.name: s for s in (await anext(feed)).services}["web"]
            if web.state == "failed":
                break
        assert "nginx:0.0-gone" in web.message
    finally:
        await feed.aclose()
        await cluster.aclose()


async def test_the_events_feed_yields_again_when_an_event_is_recorded(cluster, kube, shop):
    feed = cluster.watch_events(ENV)
    try:
        await anext(feed)
        kube.emit_event(kube.store_get("Deployment", "web", NAMESPACE), "ScalingReplicaSet", "Scaled up to 3",
                        type="Normal")
        while not any(e.message == "Scaled up to 3" for e in await anext(feed)):
            pass
    finally:
        await feed.aclose()
        await cluster.aclose()


def test_a_composition_of_several_files_edits_the_chosen_file_only(browser, kube, shop, engine_client):
    base = "name: extra\nservices:\n  cache:\n    image: redis:7.4\n"
    override = "services:\n  cache:\n    command: [\"redis-server\", \"--save\", \"\"]\n"
    cr, _ = compositions.build(compositions.CompositionInput(
        name="extra", environment=ENV, compose_files=[("compose.yaml", base), ("compose.prod.yaml", override)]))
    compositions.store(engine_client, cr)
    page = browser.get(f"{PAGE}/compositions/extra/compose", params={"file": "1"})
    document = page.context["document"]
    assert (document.file, document.index, document.files) == ("compose.prod.yaml", 1,
                                                              ("compose.yaml", "compose.prod.yaml"))
    edited = override.replace('"--save", ""', '"--appendonly", "yes"')
    check = browser.post(f"{PAGE}/compositions/extra/compose/validate",
                         data={"compose": edited, "file": "1"}).context["check"]
    assert check.ok and "+    command: [\"redis-server\", \"--appendonly\", \"yes\"]" in check.text_diff
    saved = browser.post(f"{PAGE}/compositions/extra/compose/save",
                         data={"compose": edited, "validated": check.digest, "file": "1"})
    assert saved.template.name == "_saved.html"
    stored = kube.store_get("Composition", "extra", NAMESPACE, api_version=compositions.API_VERSION)
    assert [f["content"] for f in stored["spec"]["composeFiles"]] == [base, edited]


def save_valid_edit(cluster: Cluster) -> SaveOutcome:
    client = TestClient(create_app(cluster), base_url="http://127.0.0.1")
    client.get("/static/dashboard.css")
    client.headers["X-CSRF-Token"] = client.cookies[CSRF_COOKIE]
    check = client.post(f"{COMPOSE}/compose/validate", data={"compose": VALID_EDIT}).context["check"]
    outcome = client.post(f"{COMPOSE}/compose/save", data={"compose": VALID_EDIT, "validated": check.digest}).context[
        "outcome"]
    assert outcome.saved
    cluster.join_background(timeout=30)
    return outcome


def web_image(kube) -> str:
    return kube.store_get("Deployment", "web", NAMESPACE)["spec"]["template"]["spec"]["containers"][0]["image"]


def test_without_a_controller_a_save_runs_the_engine_which_updates_the_workload(kube, shop, cluster):
    assert save_valid_edit(cluster).applied_here
    assert web_image(kube) == "nginx:1.27.3"


def test_with_a_controller_running_a_save_leaves_the_rollout_to_it(kube, shop, cluster):
    run_controller(kube)
    assert not save_valid_edit(cluster).applied_here
    assert web_image(kube) == "nginx:1.27"


def test_with_local_set_a_save_runs_the_engine_even_when_a_controller_runs(kube, shop, engine_client, kube_config):
    run_controller(kube)
    assert save_valid_edit(Cluster(engine_client, kube_config, run_engine=True)).applied_here
    assert web_image(kube) == "nginx:1.27.3"


def test_a_missing_composition_is_explained_in_place_of_its_services(browser, shop):
    response = browser.get(f"{PAGE}/compositions/nothing/services")
    assert response.status_code == 404
    assert response.template.name == "_services.html"
    assert response.context["services"] == []
    assert "has no composition 'nothing'" in response.context["error"]


def test_when_the_api_server_refuses_the_page_says_so(browser, kube, shop):
    kube.inject(verb="get", kind="Namespace", status=403, message="namespaces is forbidden", times=None)
    response = browser.get(PAGE)
    assert response.status_code == 502
    assert response.template.name == "error.html"
    assert "get Namespace env-shop" in response.context["error"] and "HTTP 403" in response.context["error"]


def test_the_environment_page_tells_its_live_streams_which_fragments_it_already_shows(browser, shop):
    from urllib.parse import parse_qsl

    from dockyard.dashboard.views import fragment_digest

    response = browser.get(PAGE)
    shown = response.context["live"][COMPOSITION]
    assert set(shown.html) == {"services", "conditions"}
    assert 'data-service="web"' in shown.html["services"]
    assert dict(parse_qsl(shown.query)) == {name: fragment_digest(html) for name, html in shown.html.items()}
    assert dict(parse_qsl(response.context["events"].query)) == {
        "events": fragment_digest(response.context["events"].html["events"])}


async def test_a_live_stream_sends_only_fragments_that_differ_from_what_is_on_screen():
    from dockyard.dashboard.views import changed_fragments, fragment_digest

    async def renders():
        yield {"services": "<table>web ready</table>", "conditions": "<table>Ready True</table>"}
        yield {"services": "<table>web ready</table>", "conditions": "<table>Ready True</table>"}
        yield {"services": "<table>web failed</table>", "conditions": "<table>Ready True</table>"}

    shown = {"services": fragment_digest("<table>web ready</table>")}
    sent = [item async for item in changed_fragments(shown, renders())]
    assert sent == [("conditions", "<table>Ready True</table>"), ("services", "<table>web failed</table>")]


def test_a_problem_in_another_compose_file_names_that_file_and_marks_no_line_of_the_edited_one(browser, engine_client,
                                                                                              shop):
    base = "name: extra\nservices:\n  cache:\n    image: redis:7.4\n  db:\n    image: postgres:16\n"
    override = "services:\n  cache:\n    ports:\n      - \"6379\"\n    depends_on: [db]\n"
    cr, _ = compositions.build(compositions.CompositionInput(
        name="extra", environment=ENV, compose_files=[("compose.yaml", base), ("prod.compose.yaml", override)]))
    compositions.store(engine_client, cr)
    without_db = "name: extra\nservices:\n  cache:\n    image: redis:7.4\n"
    check = browser.post(f"{PAGE}/compositions/extra/compose/validate",
                         data={"compose": without_db, "file": "0"}).context["check"]
    [problem] = check.errors
    assert 'undefined service "db"' in problem.message
    assert (problem.line, problem.file) == (None, "prod.compose.yaml:5:17")


def test_warnings_name_the_compose_file_as_the_user_knows_it(browser, shop):
    edit = SHOP_COMPOSE.replace("    image: busybox:1.36", "    image: busybox:1.36\n    network_mode: none")
    check = browser.post(f"{COMPOSE}/compose/validate", data={"compose": edit}).context["check"]
    assert check.ok
    [warning] = [w for w in check.warnings if "network_mode" in w]
    assert warning.startswith("compose.yaml:12:19: services.worker.network_mode")


def test_the_diff_of_a_compose_secret_file_names_the_changed_keys_but_never_their_values(browser, kube, engine_client,
                                                                                         shop):
    import base64

    old, new = b"OLD-planted-9f2e", b"NEW-planted-4c1a"
    compose = "name: vault\nservices:\n  app:\n    image: busybox:1.36\n    secrets: [db]\n" \
              "secrets:\n  db:\n    file: ./db_old.txt\n"
    cr, secret = compositions.build(compositions.CompositionInput(
        name="vault", environment=ENV, compose_files=[("compose.yaml", compose)],
        files={"db_old.txt": old, "db_new.txt": new}, secret_files=frozenset({"db_old.txt", "db_new.txt"})))
    compositions.store(engine_client, cr, secret)
    engine.reconcile(engine_client, NAMESPACE, "vault")
    response = browser.post(f"{PAGE}/compositions/vault/compose/validate",
                            data={"compose": compose.replace("db_old.txt", "db_new.txt")})
    check = response.context["check"]
    assert check.ok
    [secret_change] = [c for c in check.changes if c.object.startswith("Secret ")]
    assert secret_change.action == "update" and secret_change.fields
    assert all(field.endswith(": changed (value not shown)") for field in secret_change.fields)
    for value in (old, new, base64.b64encode(old), base64.b64encode(new)):
        assert value.decode() not in response.text and value.decode() not in repr(check)
