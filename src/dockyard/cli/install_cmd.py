"""``dockyard install`` / ``dockyard uninstall``: put the controller into a cluster, or take it out.

Applies the manifests shipped in ``dockyard/deploy/`` (CRDs, ``dockyard-system`` namespace,
ServiceAccount, least-privilege ClusterRole and binding, kopf peering, controller Deployment).
"""

from __future__ import annotations

import typer

KUBECONFIG_HELP = "Kubeconfig file (default: KUBECONFIG, ~/.kube/config, then in-cluster)."


def register(app: typer.Typer) -> None:
    app.command("install")(install)
    app.command("uninstall")(uninstall)


def install(
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the manifests instead of applying them."),
    image: str | None = typer.Option(None, "--image", help="Controller image (default: the released one)."),
    kubeconfig: str | None = typer.Option(None, "--kubeconfig", help=KUBECONFIG_HELP),
    context: str | None = typer.Option(None, "--context", help="Kubeconfig context."),
) -> None:
    """Install the dockyard controller, its CRDs and its RBAC into the cluster."""
    import yaml

    from dockyard.cli._common import reported_errors
    from dockyard.controller.install import install as apply_manifests
    from dockyard.controller.install import manifests

    objects = manifests(image)
    if dry_run:
        print(yaml.safe_dump_all(objects, sort_keys=False), end="")
        return
    from dockyard.reconcile.client import KubeClient, load_kubeconfig

    with reported_errors():
        client = KubeClient(load_kubeconfig(kubeconfig, context))
        apply_manifests(client, objects, report=print)
    print("dockyard controller installed in namespace dockyard-system")


def uninstall(
    crds: bool = typer.Option(False, "--crds", help="Also delete the CRDs, and with them every Composition "
                                                    "and Environment."),
    kubeconfig: str | None = typer.Option(None, "--kubeconfig", help=KUBECONFIG_HELP),
    context: str | None = typer.Option(None, "--context", help="Kubeconfig context."),
) -> None:
    """Remove the dockyard controller (keeps the CRDs and what they describe unless --crds)."""
    from dockyard.cli._common import reported_errors
    from dockyard.controller.install import manifests
    from dockyard.controller.install import uninstall as delete_manifests
    from dockyard.reconcile.client import KubeClient, load_kubeconfig

    with reported_errors():
        client = KubeClient(load_kubeconfig(kubeconfig, context))
        delete_manifests(client, manifests(), crds=crds, report=print)
    print("dockyard controller uninstalled")
