"""dockyard.manifests"""
