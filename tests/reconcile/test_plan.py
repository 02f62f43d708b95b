"""Pure planning: what is written, what is left alone, what is recreated or pruned."""

import copy

from dockyard.reconcile.plan import ANNOTATION_APPLIED_DIGEST, Action, changes_between, is_subset, plan, stamp

from .factory import Svc, rendered


def _live(objects):
    """Objects as a server returns them: stamped, plus defaults and server metadata."""
    out = []
    for obj in objects:
        live = stamp(obj)
        live["metadata"].update(uid="u-1", resourceVersion="7", generation=1, managedFields=[{"manager": "dockyard"}])
        if live["kind"] == "Deployment":
            live["spec"]["strategy"] = {"type": "RollingUpdate"}
            live["spec"]["template"]["spec"]["containers"][0]["terminationMessagePath"] = "/dev/termination-log"
        if live["kind"] == "Service":
            live["spec"]["clusterIP"] = "10.0.0.12"
            live["spec"]["type"] = "ClusterIP"
        live["status"] = {"observed": True}
        out.append(live)
    return out


def test_every_object_is_created_when_nothing_is_live():
    r = rendered([Svc("web"), Svc("db", port=5432)])
    result = plan(r.objects, [], "shop")
    assert [s.action for s in result.steps] == [Action.CREATE] * 4
    assert not result.prunes and not result.problems


def test_a_live_copy_with_server_defaults_plans_no_write():
    r = rendered([Svc("web"), Svc("db", port=5432)])
    result = plan(r.objects, _live(r.objects), "shop")
    assert result.writes == ()
    assert {s.action for s in result.steps} == {Action.UNCHANGED}


def test_changing_one_image_plans_exactly_one_update():
    before = rendered([Svc("web"), Svc("db", port=5432)])
    after = rendered([Svc("web", image="nginx:1.28"), Svc("db", port=5432)])
    result = plan(after.objects, _live(before.objects), "shop")
    assert [(s.action, s.kind, s.name) for s in result.writes] == [(Action.UPDATE, "Deployment", "web")]


def test_removing_a_field_is_a_difference_through_the_applied_digest():
    before = rendered([Svc("web", env={"A": "1", "B": "2"})])
    after = rendered([Svc("web", env={"A": "1"})])
    result = plan(after.objects, _live(before.objects), "shop")
    assert [(s.action, s.kind) for s in result.writes] == [(Action.UPDATE, "Deployment")]


def test_quantities_equal_by_value_are_not_differences():
    assert is_subset({"memory": "1024Mi", "cpu": "0.5"}, {"memory": "1Gi", "cpu": "500m"})
    assert not is_subset({"memory": "1024Mi"}, {"memory": "1G"})


def test_lists_of_named_items_match_by_name_not_position():
    desired = [{"name": "a", "value": "1"}, {"name": "b", "value": "2"}]
    assert is_subset(desired, [{"name": "b", "value": "2"}, {"name": "a", "value": "1", "extra": True}])
    assert not is_subset(desired, [{"name": "a", "value": "1"}])


def test_a_service_type_change_is_a_recreate():
    before = rendered([Svc("web")])
    after = copy.deepcopy(rendered([Svc("web")]))
    service = next(o for o in after.objects if o["kind"] == "Service")
    service["spec"]["type"] = "NodePort"
    result = plan(after.objects, _live(before.objects), "shop")
    assert [(s.action, s.kind) for s in result.writes] == [(Action.RECREATE, "Service")]
    assert "spec.type" in result.writes[0].reason


def test_a_job_template_change_is_a_recreate():
    before = rendered([Svc("migrate", job=True, port=None)])
    after = rendered([Svc("migrate", job=True, port=None, image="migrate:2")])
    result = plan(after.objects, _live(before.objects), "shop")
    assert [(s.action, s.kind) for s in result.writes] == [(Action.RECREATE, "Job")]


def test_objects_no_longer_desired_are_pruned_but_volumes_are_kept():
    before = rendered([Svc("web"), Svc("db", port=5432, volume="data")])
    after = rendered([Svc("web")])
    result = plan(after.objects, _live(before.objects), "shop")
    assert sorted((s.kind, s.name) for s in result.prunes) == [("Deployment", "db"), ("Service", "db")]
    with_volumes = plan(after.objects, _live(before.objects), "shop", prune_volumes=True)
    assert ("PersistentVolumeClaim", "data") in {(s.kind, s.name) for s in with_volumes.prunes}


def test_objects_of_other_compositions_or_owners_are_never_pruned_nor_taken_over():
    mine = rendered([Svc("web")])
    foreign = _live(rendered([Svc("web"), Svc("api")], composition="other").objects)
    result = plan(mine.objects, foreign, "shop")
    assert result.prunes == ()
    assert len(result.problems) == 2 and all("not owned by composition 'shop'" in p for p in result.problems)


def test_stamping_is_deterministic_and_ignores_a_previous_stamp():
    obj = rendered([Svc("web")]).objects[0]
    once = stamp(obj)
    assert stamp(once) == once == stamp(obj)
    assert ANNOTATION_APPLIED_DIGEST in once["metadata"]["annotations"]


def test_changes_between_names_each_changed_field_by_path():
    before = _live(rendered([Svc("web")]).objects)[1]
    after = copy.deepcopy(before)
    after["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2"
    after["spec"]["replicas"] = 3
    paths = [c.path for c in changes_between(before, after)]
    assert paths == ["spec.replicas", "spec.template.spec.containers[name=web].image"]


def test_zero_values_the_server_omits_match_an_absent_field():
    desired = {"readOnly": False, "annotations": {}, "args": [], "replicas": 0, "name": ""}
    assert is_subset(desired, {})
    assert not is_subset({"readOnly": True}, {})
    assert not is_subset({"readOnly": False}, {"readOnly": True})


def test_a_cluster_ip_change_is_a_recreate_but_an_unset_one_is_not():
    before = rendered([Svc("web")])
    headless = copy.deepcopy(rendered([Svc("web")]))
    next(o for o in headless.objects if o["kind"] == "Service")["spec"]["clusterIP"] = "None"
    result = plan(headless.objects, _live(before.objects), "shop")
    assert [(s.action, s.kind, s.reason) for s in result.writes] == [
        (Action.RECREATE, "Service", "spec.clusterIP cannot change in place")]
    assert plan(before.objects, _live(before.objects), "shop").writes == ()  # live 10.0.0.12, desired unset
