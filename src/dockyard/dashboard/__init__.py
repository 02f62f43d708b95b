"""The environment dashboard served by ``dockyard dashboard``: status, compose editor, events and logs.

A Starlette app (``app.create_app``) over the same reconcile engine as the CLI (``engine.Cluster``);
its pages are in ``views``, its guards (Host, token, CSRF, headers) in ``security``.
"""
