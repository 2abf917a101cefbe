"""What a command on a live cluster works with: the target (everything the deployment
wants there) and the connection to its nodes, built by one function every command uses."""

from ngha.targets.target import Target, open_target

__all__ = ["Target", "open_target"]
