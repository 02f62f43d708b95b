"""A faithful in-process Kubernetes API server for dockyard's tests, built on kmock.

Public surface: `KubeEmulator` (server + helpers), `Fault` and `RequestRecord` (fault rules and the request
log), `Simulator` (optional controllers: Deployments, Jobs, DaemonSets, failing pods). Fixtures `kube`,
`kube_client`, `async_kube_client` live in `tests.emulator.fixtures`.
"""

from tests.emulator.emulator import KubeEmulator
from tests.emulator.faults import Fault, RequestLog, RequestRecord
from tests.emulator.simulator import Simulator

__all__ = ["Fault", "KubeEmulator", "RequestLog", "RequestRecord", "Simulator"]
