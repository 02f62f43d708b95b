"""dockyard.reconcile"""
