"""dockyard.controller"""
