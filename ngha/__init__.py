"""ngha: the minimal-Pacemaker ("next generation") HA architecture for OpenStack controllers."""

__version__ = "0.1.0"
