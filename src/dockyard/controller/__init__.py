"""The Composition and Environment controller: kopf handlers that drive the reconcile engine.

Modules: ``run`` (operator settings, HA, start), ``handlers`` (the kopf declarations), ``compositions``
(the one engine call), ``environments`` (what an Environment means in the cluster), ``scheduling``
(one reconcile per composition at a time, debounced), ``events`` (Kubernetes Events), ``errors``
(engine errors to kopf's retry policy). Public entry point: ``run_controller``.
"""

from dockyard.controller.run import ControllerOptions, ControllerState, run_controller

__all__ = ["ControllerOptions", "ControllerState", "run_controller"]
