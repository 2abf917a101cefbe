"""`lab prepare`: install the Debian packages the lab needs without starting them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Sequence

from ngha.lab.errors import LabError
from ngha.transport.process import run_process, run_to_log

LAB_PACKAGES = (
    "pacemaker", "corosync", "pcs", "resource-agents", "haproxy", "mariadb-server",
    "galera-4", "rsync", "rabbitmq-server", "redis-server", "memcached", "keystone",
    "python3-oslo.db", "python3-oslo.messaging", "python3-pymysql", "openssh-server",
    "iproute2",
)
POLICY_RC_D = Path("/usr/sbin/policy-rc.d")
# invoke-rc.d asks this script before starting a service: 101 means "action forbidden".
# apt's output: where `make` also logs it (NGHA_INSTALL_LOG), else ngha's log directory.
APT_LOG = Path(os.environ.get("NGHA_INSTALL_LOG", "/var/log/ngha/install.log"))
DENY_ALL = "#!/bin/sh\n# ngha lab prepare: never start services on the host\nexit 101\n"


def parse_installed(dpkg_query_output: str) -> set[str]:
    """Installed packages in `dpkg-query -W -f '${Package}\\t${db:Status-Abbrev}\\n'` output."""
    installed = set()
    for line in dpkg_query_output.splitlines():
        name, _, status = line.partition("\t")
        if status.startswith("ii"):
            installed.add(name.split(":")[0])
    return installed


def missing_packages(packages: Sequence[str] = LAB_PACKAGES) -> list[str]:
    query = run_process(["dpkg-query", "-W", "-f", "${Package}\t${db:Status-Abbrev}\n",
                         *packages])
    # exit 1 when some package is unknown: its absence from stdout says the same
    installed = parse_installed(query.text()[0])
    return [p for p in packages if p not in installed]


class DenyServiceStarts:
    """Put a deny-all policy-rc.d in place for the install; restore what was there."""

    def __init__(self, path: Path = POLICY_RC_D):
        self.path = path
        self.previous: bytes | None = None

    def __enter__(self) -> "DenyServiceStarts":
        self.previous = self.path.read_bytes() if self.path.exists() else None
        self.path.write_text(DENY_ALL)
        self.path.chmod(0o755)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.previous is None:
            self.path.unlink(missing_ok=True)
        else:
            self.path.write_bytes(self.previous)


def prepare(progress: Callable[[str], None], policy_rc_d: Path = POLICY_RC_D,
            log: Path = APT_LOG) -> list[str]:
    """Returns the packages installed (empty when apt was not needed). apt's output goes
    to `log`, whose path the progress line names."""
    missing = missing_packages()
    if not missing:
        progress(f"all {len(LAB_PACKAGES)} lab packages are installed; apt not needed")
        return []
    progress(f"installing {len(missing)} packages (apt output: {log}): {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    with DenyServiceStarts(policy_rc_d):
        install = ["apt-get", "install", "-y", "-q", *missing]
        if run_to_log(install, log, env=env) != 0:
            # Most often stale package lists on a fresh machine.
            progress("apt-get install failed; refreshing package lists and retrying")
            run_to_log(["apt-get", "update", "-q"], log, env=env)
            if run_to_log(install, log, env=env) != 0:
                raise LabError(f"apt-get install {' '.join(missing)} failed; see {log}")
    still = missing_packages()
    if still:
        raise LabError(f"still not installed after apt-get: {' '.join(still)}; see {log}")
    return missing
