"""dockyard logs, events and down."""

NS = "env-dev"


def feed(kube, pod, lines, previous=False):
    """Container output served by the pod's log subresource."""
    kube.add_log_lines(NS, pod, lines, previous=previous)


def _pod(kube, name, service, image="nginx:1.27"):
    kube.store_put({"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": name, "namespace": NS,
                                 "labels": {"dockyard.dev/service": service, "dockyard.dev/composition": "shop"}},
                    "spec": {"containers": [{"name": service, "image": image}]}})


def test_logs_prints_every_pod_of_the_service_prefixed_by_pod(kube, cli, dev):
    _pod(kube, "web-aaaaa", "web")
    _pod(kube, "web-bbbbb", "web")
    _pod(kube, "api-ccccc", "api")
    feed(kube, "web-aaaaa", ["started", "GET /"])
    feed(kube, "web-bbbbb", ["started too"])
    feed(kube, "api-ccccc", ["not me"])
    result = cli("logs", "web", "--env", "dev")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["[web-aaaaa] started", "[web-aaaaa] GET /", "[web-bbbbb] started too"]


def test_logs_previous_reads_the_crashed_container(kube, cli, dev):
    _pod(kube, "web-aaaaa", "web")
    feed(kube, "web-aaaaa", ["current"])
    feed(kube, "web-aaaaa", ["panic: boom"], previous=True)
    assert cli("logs", "web", "--env", "dev", "--previous").output.splitlines() == ["[web-aaaaa] panic: boom"]


def test_logs_of_a_service_without_pods_is_a_clear_error(kube, cli, dev):
    result = cli("logs", "nothing", "--env", "dev")
    assert result.exit_code == 3 and "service nothing has no pods in environment dev" in result.output


def test_events_are_sorted_and_filtered_by_service(kube, cli, dev):
    _pod(kube, "web-aaaaa", "web")
    _pod(kube, "api-ccccc", "api")
    kube.emit_event({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-aaaaa", "namespace": NS}},
                    "BackOff", "Back-off restarting failed container")
    kube.emit_event({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "api-ccccc", "namespace": NS}},
                    "Pulled", "Successfully pulled", type="Normal")
    everything = cli("events", "--env", "dev")
    assert "Pod/web-aaaaa" in everything.output and "Pod/api-ccccc" in everything.output
    only_web = cli("events", "--env", "dev", "--service", "web")
    assert "Pod/web-aaaaa" in only_web.output and "api-ccccc" not in only_web.output
    warnings = cli("events", "--env", "dev", "--warnings")
    assert "BackOff" in warnings.output and "Pulled" not in warnings.output


def test_down_removes_services_but_keeps_volumes(kube, cli, dev, project_dir):
    cli("apply", "-f", project_dir / "compose.yaml", "--env", "dev", "--no-wait", "--local")
    result = cli("down", "--env", "dev", "--yes")
    assert result.exit_code == 0, result.output
    assert kube.store_list("Deployment", NS) == [] and kube.store_list("Service", NS) == []
    assert [c["metadata"]["name"] for c in kube.store_list("PersistentVolumeClaim", NS)] == ["shop-dbdata"]
    assert kube.store_get("Composition", "shop", NS) is None
    assert kube.store_get("Secret", "env-secret", NS) is not None


def test_down_with_volumes_removes_them_too(kube, cli, dev, project_dir):
    cli("apply", "-f", project_dir / "compose.yaml", "--env", "dev", "--no-wait", "--local")
    assert cli("down", "--env", "dev", "--yes", "--volumes").exit_code == 0
    assert kube.store_list("PersistentVolumeClaim", NS) == []


def test_down_asks_first(kube, cli, dev, project_dir):
    cli("apply", "-f", project_dir / "compose.yaml", "--env", "dev", "--no-wait", "--local")
    result = cli("down", "--env", "dev")
    assert result.exit_code == 2
    assert kube.store_get("Deployment", "web", NS) is not None


def test_logs_follow_streams_lines_from_every_pod_until_the_pods_go(kube, cli, dev):
    import threading
    import time

    _pod(kube, "web-aaaaa", "web")
    _pod(kube, "web-bbbbb", "web")
    feed(kube, "web-aaaaa", ["before"])
    feed(kube, "web-bbbbb", ["before"])

    def cluster():
        while len([r for r in kube.requests if r.query.get("follow") == "true"]) < 2:
            time.sleep(0.01)
        feed(kube, "web-aaaaa", ["new line"])
        feed(kube, "web-bbbbb", ["another"])
        time.sleep(0.2)
        kube.store_delete("Pod", "web-aaaaa", NS)
        kube.store_delete("Pod", "web-bbbbb", NS)

    worker = threading.Thread(target=cluster, daemon=True)
    worker.start()
    result = cli("logs", "web", "--env", "dev", "--follow")
    worker.join(timeout=10)
    assert result.exit_code == 0, result.output
    assert sorted(result.output.splitlines()) == ["[web-aaaaa] before", "[web-aaaaa] new line",
                                                  "[web-bbbbb] another", "[web-bbbbb] before"]


def _event(kube, name, reason, when, namespace=NS):
    kube.store_put({"apiVersion": "v1", "kind": "Event", "metadata": {"name": name, "namespace": namespace},
                    "involvedObject": {"kind": "Pod", "name": "web-aaaaa", "namespace": namespace},
                    "reason": reason, "message": reason.lower(), "type": "Normal", "lastTimestamp": when})


def test_events_are_listed_oldest_first_whatever_order_the_server_returns(kube, cli, dev):
    _event(kube, "e1", "Third", "2026-01-01T00:00:30Z")
    _event(kube, "e2", "First", "2026-01-01T00:00:10Z")
    _event(kube, "e3", "Second", "2026-01-01T00:00:20Z")
    rows = [line.split()[3] for line in cli("events", "--env", "dev").output.splitlines()[1:] if line.strip()]
    assert rows == ["First", "Second", "Third"]


def test_events_of_another_environment_are_not_listed(kube, cli, dev):
    cli("env", "create", "qa")
    _event(kube, "mine", "Mine", "2026-01-01T00:00:10Z")
    _event(kube, "theirs", "Theirs", "2026-01-01T00:00:10Z", namespace="env-qa")
    output = cli("events", "--env", "dev").output
    assert "Mine" in output and "Theirs" not in output


def test_logs_since_asks_the_server_for_lines_that_recent(kube, cli, dev):
    _pod(kube, "web-aaaaa", "web")
    feed(kube, "web-aaaaa", ["recent"])
    assert cli("logs", "web", "--env", "dev", "--since", "10m").exit_code == 0
    (request,) = [r for r in kube.requests if r.subresource == "log"]
    assert request.query.get("sinceSeconds") == "600"
