"""dockyard: Docker Compose services deployed into Kubernetes environments, and kept there."""

__version__ = "0.1.0"
