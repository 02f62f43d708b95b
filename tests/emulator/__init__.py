"""A faithful in-process Kubernetes API server for dockyard's tests, built on kmock.

Fixtures (tests/conftest.py loads `tests.emulator.fixtures` for the whole tree):
  kube               a fresh `KubeEmulator` per test (namespace `default` exists; KUBECONFIG points at it;
                     the test fails if the emulator itself hit a bug)
  kube_config        lightkube `KubeConfig` for it
  kube_client        sync `lightkube.Client` (field_manager="test");  async_kube_client: `lightkube.AsyncClient`

`KubeEmulator` (also `with KubeEmulator() as kube:` / `async with`):
  .url, .kubeconfig_path, .kubeconfig            where clients connect (plain HTTP, no auth)
  .requests (RequestLog of RequestRecord)        every HTTP request: method, path, query, verb (get/list/watch/
                                                 create/update/patch/apply/delete/deletecollection), group, version,
                                                 plural, kind, namespace, name, subresource, body, field_manager,
                                                 dry_run, status; .writes() (dry runs excluded), .filter(...)
  .inject(verb, kind, name, namespace, *, status=409|429|500|…, delay=s, drop=True, after=True, times=1|None)
                                                 fault rules (verb "write" = any write); .clear_faults()
  .store_get/store_list/store_put/store_patch_status/store_delete, .create_namespace
                                                 direct storage access for setup/assertions (not logged, no faults)
  .http(method, path, json_body=, params=, content_type=)  raw HTTP (logged, faults apply)
  .add_log_lines(ns, pod, lines, container=, previous=)     what the pod `log` subresource serves
  .emit_event(involved_obj, reason, message, type=)         a core/v1 Event about an object
  .compact()  watch history gone (older resourceVersions → 410);  .revision  current resourceVersion
  .settle()   wait until garbage collection and the simulator have nothing left to do
  .simulator  `Simulator`: .enabled = True; .fail_pods(labels, "image-pull"|"crash-loop"|"unschedulable"|
              "not-ready", namespace=, image=, exit_code=, log_line=, message=); .add_unpullable_image(image);
              .clear_faults()
"""

from tests.emulator.emulator import KubeEmulator
from tests.emulator.faults import Fault, RequestLog, RequestRecord
from tests.emulator.simulator import PodFault, Simulator

__all__ = ["Fault", "KubeEmulator", "PodFault", "RequestLog", "RequestRecord", "Simulator"]
