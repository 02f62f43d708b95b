"""Shipped content: compose configs/secrets as ConfigMaps/Secrets, their mounts, name collisions, and what the content digest may hash."""

import base64

import pytest

from dockyard.compose.model import EnvFile, FileObject, FileReference
from dockyard.errors import TranslationError
from manifest_builders import container, env, one, render, secret, service


def _mounts(rendered):
    return {m["mountPath"]: m for m in container(rendered)["volumeMounts"]}


def test_a_file_config_becomes_a_configmap_mounted_at_slash_name(validate_objects):
    rendered = render(service(configs=(FileReference(source="site"),)),
                      configs={"site": FileObject(key="site", name="demo_site", file="/project/site.conf")},
                      files={"/project/site.conf": b"server {}"})
    assert one(rendered, "ConfigMap", "demo-site")["data"] == {"site": "server {}"}
    mount = _mounts(rendered)["/site"]
    assert mount["subPath"] == "site" and mount["readOnly"]
    validate_objects(rendered.objects)


def test_content_configs_and_long_syntax_target_and_mode():
    rendered = render(service(configs=(FileReference(source="motd", target="/etc/motd", mode=0o440),)),
                      configs={"motd": FileObject(key="motd", name="demo_motd", content="hello")})
    assert one(rendered, "ConfigMap")["data"] == {"motd": "hello"}
    volume = one(rendered, "Deployment")["spec"]["template"]["spec"]["volumes"][0]
    assert volume["configMap"]["items"] == [{"key": "motd", "path": "motd", "mode": 0o440}]
    assert "/etc/motd" in _mounts(rendered)


def test_secrets_become_secrets_mounted_under_run_secrets(validate_objects):
    rendered = render(service(secrets=(FileReference(source="api_key"), FileReference(source="tls", target="certs/tls.pem"))),
                      secrets={"api_key": FileObject(key="api_key", name="demo_api_key", file="/project/key.txt"),
                               "tls": FileObject(key="tls", name="demo_tls", file="/project/tls.pem")},
                      files={"/project/key.txt": b"s3cret", "/project/tls.pem": b"PEM"})
    secret_obj = one(rendered, "Secret", "demo-api-key")
    assert secret_obj["data"] == {"api_key": base64.b64encode(b"s3cret").decode()}
    assert "s3cret" not in str([o for o in rendered.objects if o["kind"] != "Secret"])
    assert {"/run/secrets/api_key", "/run/secrets/certs/tls.pem"} <= set(_mounts(rendered))
    validate_objects(rendered.objects)


def test_external_configs_and_secrets_use_the_existing_objects():
    rendered = render(service(secrets=(FileReference(source="db"),), configs=(FileReference(source="c"),)),
                      secrets={"db": FileObject(key="db", name="prod-db", external=True)},
                      configs={"c": FileObject(key="c", name="shared-conf", external=True)})
    assert not [o for o in rendered.objects if o["kind"] in ("Secret", "ConfigMap")]
    volumes = {v["name"]: v for v in one(rendered, "Deployment")["spec"]["template"]["spec"]["volumes"]}
    assert volumes["secret-db"]["secret"]["secretName"] == "prod-db"
    assert volumes["config-c"]["configMap"]["name"] == "shared-conf"


def test_a_compose_secret_from_an_env_secret_is_mounted_from_env_secret_without_copying():
    rendered = render(service(secrets=(FileReference(source="pw"),)),
                      secrets={"pw": FileObject(key="pw", name="demo_pw", environment="DB_PASSWORD")},
                      variables={"DB_PASSWORD": secret("DB_PASSWORD")})
    assert not [o for o in rendered.objects if o["kind"] == "Secret"]
    volume = one(rendered, "Deployment")["spec"]["template"]["spec"]["volumes"][0]
    assert volume["secret"] == {"secretName": "env-secret", "items": [{"key": "DB_PASSWORD", "path": "DB_PASSWORD"}]}


def test_a_config_whose_content_holds_an_env_secret_is_an_error():
    with pytest.raises(TranslationError, match="cannot be"):
        render(service(configs=(FileReference(source="c"),)),
               configs={"c": FileObject(key="c", name="demo_c", content="pw=" + secret("PW"))})


def test_an_unset_environment_source_is_an_error():
    with pytest.raises(TranslationError, match="NOPE is not set"):
        render(service(secrets=(FileReference(source="s"),)), secrets={"s": FileObject(key="s", name="demo_s", environment="NOPE")})


def test_a_rendered_object_may_not_take_an_environment_reserved_name():
    with pytest.raises(TranslationError, match="'env-config'"):
        render(service(configs=(FileReference(source="config"),)), name="env",
               configs={"config": FileObject(key="config", name="env_config", content="x")})


def test_two_configs_normalising_to_one_configmap_name_is_an_error_naming_both():
    configs = {"app_conf": FileObject(key="app_conf", name="demo_app_conf", content="a"),
               "app-conf": FileObject(key="app-conf", name="demo_app-conf", content="b")}
    with pytest.raises(TranslationError, match="configs 'app-conf' and 'app_conf' both become the Kubernetes ConfigMap 'demo-app-conf'"):
        render(service(configs=(FileReference(source="app_conf"), FileReference(source="app-conf"))), configs=configs)


def test_two_external_configs_under_alike_keys_each_mount_their_own_object():
    configs = {"c_1": FileObject(key="c_1", name="first", external=True), "c-1": FileObject(key="c-1", name="second", external=True)}
    rendered = render(service(configs=(FileReference(source="c_1"), FileReference(source="c-1"))), configs=configs)
    volumes = {v["name"]: v["configMap"]["name"] for v in one(rendered, "Deployment")["spec"]["template"]["spec"]["volumes"]}
    mounted = {m["mountPath"]: volumes[m["name"]] for m in container(rendered)["volumeMounts"]}
    assert mounted == {"/c_1": "first", "/c-1": "second"}


def test_a_service_env_file_configmap_and_a_config_under_one_name_is_an_error():
    with pytest.raises(TranslationError, match="two different ConfigMap objects would both be named 'demo-x-env'"):
        render(service("demo-x", env_files=(EnvFile(path="/project/a.env", values={"A": "1"}),), configs=(FileReference(source="x-env"),)),
               configs={"x-env": FileObject(key="x-env", name="demo_x-env", content="hi")})


def test_a_compose_secret_reaches_no_other_object_not_even_as_an_unkeyed_hash():
    def others(content: bytes) -> list[dict]:
        rendered = render(service(secrets=(FileReference(source="api_key"),), configs=(FileReference(source="site"),)),
                          secrets={"api_key": FileObject(key="api_key", name="demo_api_key", file="/project/key.txt")},
                          configs={"site": FileObject(key="site", name="demo_site", content="server {}")},
                          files={"/project/key.txt": content})
        return [o for o in rendered.objects if o["kind"] != "Secret"]

    assert others(b"hunter2") == others(b"hunter3")  # the reconciler's keyed config-digest rolls the pods instead
    template = one(render(service(configs=(FileReference(source="site"),)),
                          configs={"site": FileObject(key="site", name="demo_site", content="server {}")}), "Deployment")
    assert "dockyard.dev/content-digest" in template["spec"]["template"]["metadata"]["annotations"]
