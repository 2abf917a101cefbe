"""Failure scenarios on the lab: faults injected, recovery measured through the VIPs."""
