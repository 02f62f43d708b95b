"""dockyard.dashboard"""
