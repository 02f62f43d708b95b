"""Env-secret values never leave Secret objects: every place a marker can appear."""

import pytest

from dockyard.compose.model import EnvFile, Healthcheck, Location, Port, ServiceVolume, SourceMap, Volume
from dockyard.errors import TranslationError
from dockyard.manifests import secretrefs
from dockyard.manifests.serialize import to_json, to_yaml
from manifest_builders import COMPOSE, container, env, render, secret, service

REF = {"secretKeyRef": {"name": "env-secret", "key": "PW"}}
HELPER = {"name": "DOCKYARD_SECRET_PW", "valueFrom": REF}


def _env(rendered):
    return container(rendered)["env"]


def test_a_whole_env_value_becomes_a_secret_key_ref():
    rendered = render(service(environment={"PASSWORD": secret("PW")}))
    assert _env(rendered) == [{"name": "PASSWORD", "valueFrom": REF}]
    assert rendered.services["web"].secret_keys == {"PW"}


def test_a_secret_inside_a_longer_value_uses_a_helper_defined_first_and_expansion():
    rendered = render(service(environment={"URL": f"postgres://u:{secret('PW')}@db/$(x)"}))
    assert _env(rendered) == [HELPER, {"name": "URL", "value": "postgres://u:$(DOCKYARD_SECRET_PW)@db/$$(x)"}]


def test_secrets_in_entrypoint_and_command_use_expansion():
    spec = container(render(service(entrypoint=("run", f"--token={secret('PW')}"), command=(secret("PW"), "$(keep)"))))
    assert spec["command"] == ["run", "--token=$(DOCKYARD_SECRET_PW)"]
    assert spec["args"] == ["$(DOCKYARD_SECRET_PW)", "$$(keep)"]
    assert spec["env"] == [HELPER]


def test_a_secret_in_a_cmd_shell_healthcheck_is_read_from_the_shell():
    spec = container(render(service(healthcheck=Healthcheck(test=("CMD-SHELL", f"check -p {secret('PW')}")))))
    assert spec["livenessProbe"]["exec"]["command"] == ["/bin/sh", "-c", "check -p ${DOCKYARD_SECRET_PW}"]
    assert spec["env"] == [HELPER]


def test_a_secret_in_an_exec_healthcheck_is_an_error_pointing_at_cmd_shell():
    with pytest.raises(TranslationError, match="CMD-SHELL"):
        render(service(healthcheck=Healthcheck(test=("CMD", "check", secret("PW")))))


def test_a_secret_in_an_env_file_goes_to_env_not_to_the_configmap():
    rendered = render(service(env_files=(EnvFile(path="/project/.env.app", values={"PW": secret("PW"), "A": "1"}),)))
    config_map = next(o for o in rendered.objects if o["kind"] == "ConfigMap")
    assert config_map["data"] == {"A": "1"}
    assert _env(rendered) == [{"name": "PW", "valueFrom": REF}]


@pytest.mark.parametrize(("fields", "path"), [
    ({"image": f"app:{secret('PW')}"}, "services.web.image"),
    ({"labels": {"token": secret("PW")}}, "services.web.labels.token"),
    ({"working_dir": secret("PW")}, "services.web.working_dir"),
    ({"ports": (Port(target=80, name=secret("PW")),)}, "services.web.ports.0.name"),
    ({"volumes": (ServiceVolume(type="bind", source=secret("PW"), target="/x"),)}, "services.web.volumes.0.source"),
])
def test_a_secret_anywhere_else_is_an_error_naming_the_path_and_location(fields, path):
    source_map = SourceMap(positions={tuple(path.split(".")): Location(COMPOSE, 7, 9)}, default_file=COMPOSE)
    with pytest.raises(TranslationError) as caught:
        render(service(**fields), source_map=source_map)
    message = str(caught.value)
    assert path in message and "PW" in message
    assert not secretrefs.has_marker(message) and secretrefs.CLOSE not in message


def test_a_secret_in_a_top_level_volume_option_is_an_error():
    volumes = {"data": Volume(key="data", name="demo_data", driver_opts={"size": secret("PW")})}
    with pytest.raises(TranslationError, match="volumes.data.driver_opts.size"):
        render(service(volumes=(ServiceVolume(type="volume", source="data", target="/d"),)), volumes=volumes)


def test_no_marker_ever_reaches_the_output():
    rendered = render(service(environment={"A": secret("PW"), "B": "x" + secret("OTHER")}, command=(secret("PW"),)),
                      environment=env(secret_keys=frozenset({"PW", "OTHER"})))
    for text in (to_yaml(rendered.objects), to_json(rendered.objects)):
        assert secretrefs.OPEN not in text and secretrefs.CLOSE not in text
    assert rendered.services["web"].secret_keys == {"PW", "OTHER"}


def test_escape_expansion_leaves_plain_strings_alone():
    assert secretrefs.escape_expansion("a $b ${c}") == "a $b ${c}"
    assert secretrefs.escape_expansion("$(a) $$") == "$$(a) $$$$"
    assert secretrefs.unmark(f"x{secret('K')}y") == "x${K}y"
