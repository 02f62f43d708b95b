"""dockyard.cli: the ``dockyard`` command line (typer). One module per command."""
