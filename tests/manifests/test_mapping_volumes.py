"""Storage: PVCs for named volumes, external claims, emptyDirs, bind mounts as ConfigMaps, hostPath policy."""

import base64

import pytest

from dockyard.compose.model import ServiceVolume, TmpfsOptions, Volume, VolumeOptions
from dockyard.errors import PolicyError, TranslationError
from manifest_builders import container, env, one, render, service

GiB = 1 << 30


def _pod(rendered):
    return one(rendered, "Deployment")["spec"]["template"]["spec"]


def _volume(source, target, **kw):
    return ServiceVolume(type=kw.pop("type", "volume"), source=source, target=target, **kw)


def test_a_named_volume_becomes_a_pvc_named_after_the_volume_without_owner(validate_objects):
    rendered = render(service(volumes=(_volume("data", "/data"),)), volumes={"data": Volume(key="data", name="demo_data")})
    claim = one(rendered, "PersistentVolumeClaim", "demo-data")
    assert claim["spec"] == {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
    assert "ownerReferences" not in claim["metadata"]
    assert claim["metadata"]["labels"]["dockyard.dev/volume"] == "data"
    assert "dockyard.dev/service" not in claim["metadata"]["labels"]
    assert _pod(rendered)["volumes"] == [{"name": "data-data", "persistentVolumeClaim": {"claimName": "demo-data"}}]
    assert container(rendered)["volumeMounts"] == [{"name": "data-data", "mountPath": "/data"}]
    validate_objects(rendered.objects)


def test_size_class_and_access_mode_come_from_x_dockyard_or_driver_opts():
    volumes = {
        "a": Volume(key="a", name="demo_a", extensions={"x-dockyard": {"size": "20Gi", "storage_class": "fast", "access_mode": "ReadWriteMany"}}),
        "b": Volume(key="b", name="demo_b", driver_opts={"size": "5g", "storage_class": "slow"}),
    }
    rendered = render(service(volumes=(_volume("a", "/a"), _volume("b", "/b"))), volumes=volumes)
    a, b = one(rendered, "PersistentVolumeClaim", "demo-a")["spec"], one(rendered, "PersistentVolumeClaim", "demo-b")["spec"]
    assert (a["resources"]["requests"]["storage"], a["storageClassName"], a["accessModes"]) == ("20Gi", "fast", ["ReadWriteMany"])
    assert (b["resources"]["requests"]["storage"], b["storageClassName"]) == ("5Gi", "slow")


@pytest.mark.parametrize(("ext", "message"), [({"size": "lots"}, "volumes.a: volume size 'lots' is not a size"),
                                               ({"access_mode": "Everyone"}, "volumes.a: access_mode must be one of")])
def test_a_bad_size_or_access_mode_is_an_error(ext, message):
    with pytest.raises(TranslationError, match=message):
        render(service(volumes=(_volume("a", "/a"),)), volumes={"a": Volume(key="a", name="demo_a", extensions={"x-dockyard": ext})})


def test_an_external_volume_uses_the_existing_claim_and_renders_no_pvc():
    rendered = render(service(volumes=(_volume("shared", "/s"),)), volumes={"shared": Volume(key="shared", name="team-data", external=True)})
    assert not [o for o in rendered.objects if o["kind"] == "PersistentVolumeClaim"]
    assert _pod(rendered)["volumes"][0]["persistentVolumeClaim"] == {"claimName": "team-data"}


def test_an_anonymous_volume_is_an_empty_dir_with_a_warning():
    rendered = render(service(volumes=(_volume(None, "/cache"),)))
    assert _pod(rendered)["volumes"][0]["emptyDir"] == {}
    assert any("emptyDir" in w.message for w in rendered.warnings)


def test_tmpfs_is_a_memory_empty_dir_with_its_size():
    rendered = render(service(volumes=(_volume(None, "/tmp", type="tmpfs", tmpfs=TmpfsOptions(size=64 << 20)),), tmpfs=("/run:size=1m",)))
    volumes = _pod(rendered)["volumes"]
    assert [v["emptyDir"] for v in volumes] == [{"medium": "Memory", "sizeLimit": "64Mi"}, {"medium": "Memory", "sizeLimit": "1Mi"}]
    assert [m["mountPath"] for m in container(rendered)["volumeMounts"]] == ["/tmp", "/run"]


def test_read_only_and_subpath_are_honoured():
    entry = _volume("data", "/d", read_only=True, volume=VolumeOptions(subpath="sub"))
    rendered = render(service(volumes=(entry,)), volumes={"data": Volume(key="data", name="demo_data")})
    assert container(rendered)["volumeMounts"][0] == {"name": "data-data", "mountPath": "/d", "readOnly": True, "subPath": "sub"}


def test_a_bind_mounted_file_next_to_the_compose_file_becomes_a_configmap_with_subpath(validate_objects):
    entry = _volume("/project/nginx.conf", "/etc/nginx/nginx.conf", type="bind", read_only=True)
    rendered = render(service(volumes=(entry,)), files={"/project/nginx.conf": b"events {}\n"})
    config_map = one(rendered, "ConfigMap")
    assert config_map["data"] == {"nginx.conf": "events {}\n"}
    mount = container(rendered)["volumeMounts"][0]
    assert mount["subPath"] == "nginx.conf" and mount["mountPath"] == "/etc/nginx/nginx.conf" and mount["readOnly"]
    assert config_map["metadata"]["labels"]["dockyard.dev/service"] == "web"
    validate_objects(rendered.objects)


def test_a_bind_mounted_directory_keeps_its_tree_and_binary_files_use_binary_data():
    files = {"/project/conf/a.txt": b"a", "/project/conf/sub/b.bin": b"\xff\x00\xfe"}
    rendered = render(service(volumes=(_volume("/project/conf", "/conf", type="bind"),)), files=files)
    config_map = one(rendered, "ConfigMap")
    assert config_map["data"] == {"a.txt": "a"}
    assert config_map["binaryData"] == {"sub__b.bin": base64.b64encode(b"\xff\x00\xfe").decode()}
    items = _pod(rendered)["volumes"][0]["configMap"]["items"]
    assert items == [{"key": "a.txt", "path": "a.txt"}, {"key": "sub__b.bin", "path": "sub/b.bin"}]
    assert any("read-only" in w.message for w in rendered.warnings)


def test_bind_content_past_the_configmap_limit_is_an_error():
    files = {"/project/big.bin": b"x" * ((1 << 20) + 1)}
    with pytest.raises(TranslationError, match="limited to 1 MiB"):
        render(service(volumes=(_volume("/project/big.bin", "/big", type="bind"),)), files=files)


def test_any_other_host_path_is_refused_unless_allowed():
    web = service(volumes=(_volume("/var/run/docker.sock", "/var/run/docker.sock", type="bind"),))
    with pytest.raises(PolicyError, match="hostPath volumes are not allowed") as caught:
        render(web)
    assert "services.web.volumes.0" in str(caught.value)
    rendered = render(web, environment=env(allow=frozenset({"host-path"})))
    assert _pod(rendered)["volumes"][0]["hostPath"] == {"path": "/var/run/docker.sock"}


def test_files_outside_the_project_directory_are_host_paths():
    with pytest.raises(PolicyError, match="'/etc/hosts': it is outside the project directory, so there is nothing to ship"):
        render(service(volumes=(_volume("/etc/hosts", "/h", type="bind"),)), files={"/etc/hosts": b"x"})


def test_a_missing_or_empty_directory_in_the_project_is_a_host_path_that_says_so():
    with pytest.raises(PolicyError, match="'/project/data': it is missing or holds no files, .*use a named volume"):
        render(service(volumes=(_volume("/project/data", "/var/lib/data", type="bind"),)))


def test_shm_size_is_a_memory_empty_dir_at_dev_shm():
    rendered = render(service(shm_size=256 << 20))
    assert {"name": "dshm", "mountPath": "/dev/shm"} in container(rendered)["volumeMounts"]


def _digest(rendered):
    return one(rendered, "Deployment")["spec"]["template"]["metadata"].get("annotations", {}).get("dockyard.dev/content-digest")


def test_changing_a_shipped_file_changes_the_pod_template_so_the_service_rolls():
    entry = _volume("/project/app.conf", "/etc/app.conf", type="bind", read_only=True)
    first = render(service(volumes=(entry,)), files={"/project/app.conf": b"level = 1\n"})
    same = render(service(volumes=(entry,)), files={"/project/app.conf": b"level = 1\n"})
    changed = render(service(volumes=(entry,)), files={"/project/app.conf": b"level = 2\n"})
    assert _digest(first) and _digest(first) == _digest(same) != _digest(changed)


def test_a_service_without_shipped_content_has_no_content_digest():
    assert _digest(render(service())) is None


def test_an_external_volume_whose_name_kubernetes_rejects_is_normalised_with_a_warning():
    rendered = render(service(volumes=(_volume("shared", "/s"),)), volumes={"shared": Volume(key="shared", name="Team_Data", external=True)})
    assert _pod(rendered)["volumes"][0]["persistentVolumeClaim"] == {"claimName": "team-data"}
    assert any("'team-data'" in w.message for w in rendered.warnings)


def test_two_volumes_normalising_to_one_claim_is_an_error_naming_both():
    volumes = {"data_x": Volume(key="data_x", name="demo_data_x"), "data-x": Volume(key="data-x", name="demo_data-x")}
    with pytest.raises(TranslationError, match="volumes 'data-x' and 'data_x' both become the Kubernetes claim 'demo-data-x'"):
        render(service(volumes=(_volume("data_x", "/a"), _volume("data-x", "/b"))), volumes=volumes)


def test_a_volume_and_an_external_volume_of_the_same_name_share_the_claim_as_in_compose():
    volumes = {"data": Volume(key="data", name="demo_data"), "old": Volume(key="old", name="demo_data", external=True)}
    rendered = render(service(volumes=(_volume("data", "/a"), _volume("old", "/b"))), volumes=volumes)
    assert [c["metadata"]["name"] for c in rendered.objects if c["kind"] == "PersistentVolumeClaim"] == ["demo-data"]


def test_two_external_volumes_under_alike_keys_each_mount_their_own_claim():
    volumes = {"data_x": Volume(key="data_x", name="first", external=True), "data-x": Volume(key="data-x", name="second", external=True)}
    rendered = render(service(volumes=(_volume("data_x", "/a"), _volume("data-x", "/b"))), volumes=volumes)
    claims = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in _pod(rendered)["volumes"]}
    assert {m["mountPath"]: claims[m["name"]] for m in container(rendered)["volumeMounts"]} == {"/a": "first", "/b": "second"}
