"""dockyard.compose"""
