"""Profiles turn a loaded deployment into the desired state (next-gen or legacy)."""

from ngha.profiles.build import build_desired_state

__all__ = ["build_desired_state"]
