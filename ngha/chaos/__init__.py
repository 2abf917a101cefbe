"""Failure scenarios run in the lab, and the report comparing legacy with next-gen."""
