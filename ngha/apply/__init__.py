"""Carry out a plan on a live cluster (see run.py for the steps)."""
