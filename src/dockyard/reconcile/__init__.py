"""dockyard.reconcile: the I/O engine that makes a cluster match a stored Composition.

One engine serves the CLI (``dockyard apply --local``) and the controller. ``engine`` runs the numbered
steps; ``plan`` (what to write), ``validate`` (what must not be written) and ``status`` (what it means)
are pure; ``apply`` and ``client`` are the only modules that talk to the API server. ``composition`` and
``environments`` own the objects dockyard itself stores; ``errors`` holds the retry policy. ``workspaces``
and ``portforward`` serve ``dockyard workspace`` and ``dockyard connect``.
"""
