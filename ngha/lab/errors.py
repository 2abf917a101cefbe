"""Errors a lab user can act on: each one prints as a single line, without a traceback."""

from __future__ import annotations

import click


class LabError(click.ClickException):
    """A lab operation cannot proceed; the message says what is wrong and how to fix it."""

    exit_code = 1


class NotRootError(LabError):
    """The lab creates namespaces, mounts and cgroups, which only root may do."""

    exit_code = 2


class LabNotFoundError(LabError):
    """No lab of that name is up."""


class UnknownNodeError(LabError):
    """A node name that the lab does not have."""


class SubnetError(LabError):
    """A lab subnet that is malformed, public, too small or collides with a host route."""
