"""Container mapping: image/build, entrypoint/command, environment and env_file, security context, pod-level fields, GPUs."""

import pytest

from dockyard.compose.model import Build, DeviceRequest, EnvFile, Resource, Resources, Deploy
from dockyard.errors import TranslationError
from manifest_builders import container, one, render, service


def test_entrypoint_becomes_command_and_command_becomes_args():
    spec = container(render(service(entrypoint=("/bin/tini", "--"), command=("nginx", "-g", "daemon off;"))))
    assert spec["command"] == ["/bin/tini", "--"]
    assert spec["args"] == ["nginx", "-g", "daemon off;"]


def test_an_empty_command_keeps_the_image_default_with_a_warning():
    rendered = render(service(command=()))
    assert "args" not in container(rendered)
    assert any(w.path == "services.web.command" for w in rendered.warnings)


def test_dollar_parens_in_args_are_escaped_so_kubernetes_does_not_expand_them():
    assert container(render(service(command=("echo", "$(HOME)", "$$", "$x"))))["args"] == ["echo", "$$(HOME)", "$$$$", "$x"]


def test_environment_entries_are_sorted_env_vars():
    spec = container(render(service(environment={"B": "2", "A": "1"})))
    assert spec["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]


def test_an_unset_environment_entry_is_left_out_with_a_warning():
    rendered = render(service(environment={"FROM_SHELL": None}))
    assert "env" not in container(rendered)
    assert any(w.path == "services.web.environment.FROM_SHELL" for w in rendered.warnings)


def test_env_file_values_go_to_a_configmap_read_with_env_from_and_environment_wins(validate_objects):
    env_file = EnvFile(path="/project/app.env", values={"A": "from-file", "B": "b"})
    rendered = render(service(env_files=(env_file,), environment={"A": "inline"}))
    config_map = one(rendered, "ConfigMap", "web-env")
    assert config_map["data"] == {"B": "b"}
    spec = container(rendered)
    assert spec["envFrom"] == [{"configMapRef": {"name": "web-env"}}]
    assert spec["env"] == [{"name": "A", "value": "inline"}]
    assert "from-file" not in str(one(rendered, "Deployment"))
    validate_objects(rendered.objects)


def test_later_env_files_win_and_a_missing_optional_file_adds_nothing():
    files = (EnvFile(path="/a", values={"X": "1"}), EnvFile(path="/b", values={"X": "2"}), EnvFile(path="/c", required=False))
    assert one(render(service(env_files=files)), "ConfigMap")["data"] == {"X": "2"}


def test_working_dir_tty_stdin_and_pull_policy_map_to_container_fields():
    spec = container(render(service(working_dir="/app", tty=True, stdin_open=True, pull_policy="always")))
    assert (spec["workingDir"], spec["tty"], spec["stdin"], spec["imagePullPolicy"]) == ("/app", True, True, "Always")
    assert container(render(service(pull_policy="missing")))["imagePullPolicy"] == "IfNotPresent"


def test_user_read_only_and_capabilities_map_to_the_security_context():
    spec = container(render(service(user="1000:2000", read_only=True, cap_add=("NET_ADMIN",), cap_drop=("CAP_ALL",))))
    assert spec["securityContext"] == {"runAsUser": 1000, "runAsGroup": 2000, "readOnlyRootFilesystem": True,
                                       "capabilities": {"add": ["NET_ADMIN"], "drop": ["ALL"]}}


def test_a_user_name_is_warned_about():
    rendered = render(service(user="www-data"))
    assert "securityContext" not in container(rendered)
    assert [w.message for w in rendered.warnings if w.path == "services.web.user"] == [
        "user 'www-data' is a name; Kubernetes needs a numeric id, so the image's user applies"]


def test_a_numeric_uid_with_a_group_name_keeps_the_uid_and_warns_about_the_group():
    rendered = render(service(user="1000:staff"))
    assert container(rendered)["securityContext"] == {"runAsUser": 1000}
    assert [w.message for w in rendered.warnings if w.path == "services.web.user"] == [
        "group 'staff' is a name; Kubernetes needs a numeric id, so the image's group applies"]


def test_pod_level_fields_hostname_hosts_dns_sysctls_grace(validate_objects):
    rendered = render(service(
        hostname="web1", extra_hosts={"db.local": ("10.0.0.2",), "cache.local": ("10.0.0.2",)},
        dns=("1.1.1.1",), dns_search=("corp",), dns_opt=("ndots:2",), sysctls={"net.core.somaxconn": "1024"},
        stop_grace_period=1_500_000_000, group_add=("5000",),
    ))
    pod = one(rendered, "Deployment")["spec"]["template"]["spec"]
    assert pod["hostname"] == "web1"
    assert pod["hostAliases"] == [{"ip": "10.0.0.2", "hostnames": ["cache.local", "db.local"]}]
    assert pod["dnsConfig"] == {"nameservers": ["1.1.1.1"], "searches": ["corp"], "options": [{"name": "ndots", "value": "2"}]}
    assert pod["securityContext"] == {"sysctls": [{"name": "net.core.somaxconn", "value": "1024"}], "supplementalGroups": [5000]}
    assert pod["terminationGracePeriodSeconds"] == 2
    validate_objects(rendered.objects)


def test_build_without_image_is_an_error_explaining_dockyard_deploys_images():
    with pytest.raises(TranslationError, match="dockyard deploys images") as caught:
        render(service(image=None, build=Build(context=".")))
    assert "services.web.build" in str(caught.value)


def test_build_with_image_deploys_the_image_with_a_warning():
    rendered = render(service(image="registry/app:1", build=Build(context=".")))
    assert container(rendered)["image"] == "registry/app:1"
    assert any(w.path == "services.web.build" for w in rendered.warnings)


def test_gpu_reservations_become_nvidia_gpu_limits(validate_objects):
    gpu = DeviceRequest(capabilities=("gpu",), driver="nvidia", count=2)
    rendered = render(service(deploy=Deploy(resources=Resources(reservations=Resource(devices=(gpu,))))))
    assert container(rendered)["resources"] == {"limits": {"nvidia.com/gpu": "2"}}
    assert container(render(service(gpus=(DeviceRequest(count=1, capabilities=("gpu",)),))))["resources"]["limits"]["nvidia.com/gpu"] == "1"
    validate_objects(rendered.objects)


def test_a_sysctl_outside_the_kubelet_safe_set_is_warned_about_and_a_safe_one_is_not():
    rendered = render(service(sysctls={"net.core.somaxconn": "1024", "net.ipv4.tcp_keepalive_time": "60"}))
    assert [w.path for w in rendered.warnings] == ["services.web.sysctls.net.core.somaxconn"]
    assert "SysctlForbidden" in rendered.warnings[0].message
    assert len(one(rendered, "Deployment")["spec"]["template"]["spec"]["securityContext"]["sysctls"]) == 2
