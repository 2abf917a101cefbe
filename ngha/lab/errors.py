"""Errors a lab user can act on; each prints as one line (see ngha.errors)."""

from __future__ import annotations

from ngha.errors import BAD_INPUT, OperationFailed


class LabError(OperationFailed):
    """A lab operation could not be completed; the message says what and how to fix it."""


class LabNotFoundError(LabError):
    """No lab of that name is up."""


class LabRefused(LabError):
    """The request itself is wrong (exit 2): nothing was done."""

    def __init__(self, message: str, **kwargs):
        kwargs.setdefault("exit_code", BAD_INPUT)
        super().__init__(message, **kwargs)


class NodeIsDown(LabRefused):
    """Crash of a node that is already down (fencing's `off` takes that as done)."""


class NodeIsRunning(LabRefused):
    """Boot of a node that is already running (fencing's `on` takes that as done)."""


class NotRootError(LabRefused):
    """The lab creates namespaces, mounts and cgroups, which only root may do."""


class UnknownNodeError(LabRefused):
    """A node name that the lab does not have."""


class SubnetError(LabRefused):
    """A lab subnet that is malformed, public, too small or collides with a host route."""
