"""Workloads: Deployment/Job/DaemonSet choice, replicas, rollout strategy, node selectors, namespace."""

import pytest

from dockyard.compose.model import Deploy, Placement, RestartPolicy, ServiceVolume, UpdateConfig, Volume
from manifest_builders import env, one, render, service


def _strategy(rendered, name="web"):
    return one(rendered, "Deployment", name)["spec"]["strategy"]


def test_a_service_becomes_a_deployment_with_one_replica_and_a_surge_rollout(validate_objects):
    rendered = render(service())
    deployment = one(rendered, "Deployment", "web")
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    validate_objects(rendered.objects)


def test_replicas_come_from_deploy_replicas_then_scale():
    assert one(render(service(deploy=Deploy(replicas=3))), "Deployment")["spec"]["replicas"] == 3
    assert one(render(service(scale=2)), "Deployment")["spec"]["replicas"] == 2
    assert one(render(service(scale=2, deploy=Deploy(replicas=4))), "Deployment")["spec"]["replicas"] == 4


def test_selector_uses_only_the_stable_service_and_composition_labels():
    plain = one(render(service(labels={"tier": "front"})), "Deployment")
    other = one(render(service(image="nginx:2", labels={"tier": "back"})), "Deployment")
    expected = {"dockyard.dev/service": "web", "dockyard.dev/composition": "demo"}
    assert plain["spec"]["selector"] == {"matchLabels": expected} == other["spec"]["selector"]
    template_labels = plain["spec"]["template"]["metadata"]["labels"]
    assert expected.items() <= template_labels.items()


def _with_volume(mode=None, read_only=False, **extra):
    extension = {"x-dockyard": {"access_mode": mode}} if mode else {}
    return dict(
        volumes={"data": Volume(key="data", name="demo_data", extensions=extension)},
        services_kw=dict(volumes=(ServiceVolume(type="volume", source="data", target="/data", read_only=read_only),), **extra),
    )


def test_a_service_writing_a_read_write_once_volume_is_recreated_with_a_warning():
    setup = _with_volume()
    rendered = render(service(**setup["services_kw"]), volumes=setup["volumes"])
    assert _strategy(rendered) == {"type": "Recreate"}
    warning = next(w for w in rendered.warnings if "Recreate" in w.message)
    assert warning.service == "web" and "data" in warning.message


def test_a_read_write_many_volume_keeps_the_rolling_update():
    setup = _with_volume("ReadWriteMany")
    rendered = render(service(**setup["services_kw"]), volumes=setup["volumes"])
    assert _strategy(rendered)["type"] == "RollingUpdate"


def test_a_read_only_mount_of_a_read_write_once_volume_still_recreates():
    setup = _with_volume(read_only=True)
    assert _strategy(render(service(**setup["services_kw"]), volumes=setup["volumes"]))["type"] == "Recreate"


@pytest.mark.parametrize(("update", "expected"), [
    (UpdateConfig(parallelism=2, order="start-first"), {"maxSurge": 2, "maxUnavailable": 0}),
    (UpdateConfig(parallelism=2, order="stop-first"), {"maxSurge": 0, "maxUnavailable": 2}),
    (UpdateConfig(order="stop-first"), {"maxSurge": 0, "maxUnavailable": 1}),
    (UpdateConfig(parallelism=3), {"maxSurge": 3, "maxUnavailable": 0}),
])
def test_update_config_parallelism_and_order_are_honoured(update, expected):
    assert _strategy(render(service(deploy=Deploy(update_config=update))))["rollingUpdate"] == expected


def test_update_config_delay_is_warned_about():
    rendered = render(service(deploy=Deploy(update_config=UpdateConfig(delay=10_000_000_000))))
    assert any(w.path == "services.web.deploy.update_config.delay" for w in rendered.warnings)


@pytest.mark.parametrize(("restart", "policy", "backoff"), [("no", "Never", 0), ("on-failure", "OnFailure", 6),
                                                             ("on-failure:3", "OnFailure", 3)])
def test_one_shot_services_become_jobs(restart, policy, backoff, validate_objects):
    rendered = render(service("migrate", restart=restart))
    job = one(rendered, "Job", "migrate")
    assert job["apiVersion"] == "batch/v1"
    assert job["spec"]["template"]["spec"]["restartPolicy"] == policy
    assert job["spec"]["backoffLimit"] == backoff
    assert "selector" not in job["spec"]
    assert rendered.services["migrate"].workload.kind == "Job"
    validate_objects(rendered.objects)


def test_restart_policy_condition_none_is_a_job_with_max_attempts():
    rendered = render(service(deploy=Deploy(restart_policy=RestartPolicy(condition="on-failure", max_attempts=2))))
    assert one(rendered, "Job")["spec"]["backoffLimit"] == 2


def test_restart_always_and_unless_stopped_stay_deployments():
    for restart in ("always", "unless-stopped"):
        assert one(render(service(restart=restart)), "Deployment")


def test_global_mode_becomes_a_daemonset(validate_objects):
    rendered = render(service(deploy=Deploy(mode="global")))
    daemonset = one(rendered, "DaemonSet", "web")
    assert "replicas" not in daemonset["spec"]
    assert daemonset["spec"]["updateStrategy"]["type"] == "RollingUpdate"
    validate_objects(rendered.objects)


@pytest.mark.parametrize(("fields", "path"), [({"deploy": Deploy(mode="global", replicas=3)}, "services.web.deploy.replicas"),
                                           ({"scale": 2, "deploy": Deploy(mode="global")}, "services.web.scale")])
def test_replicas_of_a_global_service_are_ignored_with_a_warning(fields, path):
    rendered = render(service(**fields))
    assert "replicas" not in one(rendered, "DaemonSet", "web")["spec"]
    assert [w.message for w in rendered.warnings if w.path == path] == [
        f"{fields.get('scale', 3)} replicas are ignored: a global service runs one pod per node"]


def test_platform_becomes_a_node_selector():
    pod = one(render(service(platform="linux/arm64/v8")), "Deployment")["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"kubernetes.io/os": "linux", "kubernetes.io/arch": "arm64"}


def test_placement_label_constraints_become_node_selectors_and_others_warn():
    rendered = render(service(deploy=Deploy(placement=Placement(constraints=("node.labels.disk == ssd", "node.role == manager")))))
    assert one(rendered, "Deployment")["spec"]["template"]["spec"]["nodeSelector"] == {"disk": "ssd"}
    assert any(w.path == "services.web.deploy.placement.constraints.1" for w in rendered.warnings)


def test_every_object_is_in_the_environment_namespace():
    rendered = render(service(), environment=env("staging"))
    assert {o["metadata"]["namespace"] for o in rendered.objects} == {"env-staging"}
