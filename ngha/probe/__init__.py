"""ngha-probe: the small oslo.db + oslo.messaging service the lab runs on every controller
so apply, status, chaos and migrate can watch the database and broker paths from outside.

The service itself (service.py) runs on the nodes under the system Python and never imports
ngha; ngha only ships its text and its unit files, which these helpers read.
"""

from __future__ import annotations

from importlib import resources

# Where render/apply put things on a node; the unit files' ExecStart uses the same paths.
INSTALL_PATH = "/usr/local/lib/ngha-probe/ngha_probe.py"
CONFIG_FILE = "/etc/ngha-probe/ngha-probe.conf"
CONFIG_DIR = "/etc/ngha-probe/ngha-probe.conf.d"  # must exist: oslo.config refuses a missing one
API_UNIT = "ngha-probe.service"        # every node: systemd (next-gen) or a clone (legacy)
WORKER_UNIT = "ngha-probe-worker.service"  # active/passive: a Pacemaker systemd: primitive
UNITS = (API_UNIT, WORKER_UNIT)
DEFAULT_PORT = 8999
API_TOPIC = "ngha-probe"
WORKER_TOPIC = "ngha-probe-worker"


def service_source() -> str:
    """The text of the service program, to be installed as INSTALL_PATH."""
    return resources.files(__name__).joinpath("service.py").read_text(encoding="utf-8")


def unit_source(name: str) -> str:
    """The text of one unit file, named as in UNITS."""
    if name not in UNITS:
        raise ValueError(f"unknown probe unit {name!r}: expected one of {', '.join(UNITS)}")
    return resources.files(__name__).joinpath("units", name).read_text(encoding="utf-8")
