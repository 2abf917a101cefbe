"""`lab prepare`: install the Debian packages the lab needs without starting them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Sequence

from ngha.catalog import load_catalog
from ngha.lab.deployment import OPENSTACK, OPENSTACK_SERVICES
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
# Host packages whose upgrade an operator wants to hear of before it happens.
WATCHED = ("systemd", "udev", "libc6", "python3")
DENY_ALL = "#!/bin/sh\n# ngha lab prepare: never start services on the host\nexit 101\n"


def openstack_packages() -> tuple[str, ...]:
    """What the lab's OpenStack control plane needs (the catalog's Debian packages of its
    services, their extras) and the OpenStack CLI for the lab's client."""
    catalog = load_catalog()
    names = [p for service in OPENSTACK_SERVICES
             for p in catalog.services[service].packages.get("debian", ())]
    names += [*OPENSTACK["extra_packages"], "python3-openstackclient"]
    return tuple(dict.fromkeys(names))


def parse_upgrades(simulation: str, watched: Sequence[str] = WATCHED) -> list[str]:
    """Installed packages of `watched` that `apt-get -s install` would upgrade ("Inst
    systemd [252.38-1] (252.39-1 ...)": a version in brackets is the installed one)."""
    found = []
    for line in simulation.splitlines():
        parts = line.split()
        if len(parts) > 2 and parts[0] == "Inst" and parts[2].startswith("["):
            if parts[1] in watched:
                found.append(parts[1])
    return found


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
        if self.previous == DENY_ALL.encode():
            self.previous = None  # ours, left by a prepare that was killed: not the host's
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
    to `log`, whose path the progress line names. The core's packages come with their
    recommends; the control plane's without (279 packages instead of 181)."""
    installed = _install(LAB_PACKAGES, [], progress, policy_rc_d, log)
    return installed + _install(openstack_packages(), ["--no-install-recommends"], progress,
                                policy_rc_d, log, what="OpenStack control plane")


def _install(packages: Sequence[str], options: list[str], progress: Callable[[str], None],
             policy_rc_d: Path, log: Path, what: str = "lab") -> list[str]:
    missing = missing_packages(packages)
    if not missing:
        progress(f"all {len(packages)} {what} packages are installed; apt not needed")
        return []
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    simulation = run_process(["apt-get", "-s", "install", *options, *missing], env=env)
    upgraded = parse_upgrades(simulation.text()[0])
    if upgraded:
        progress(f"note: installing them upgrades the host's {', '.join(upgraded)}")
    progress(f"installing {len(missing)} {what} packages (apt output: {log}): "
             f"{' '.join(missing)}")
    with DenyServiceStarts(policy_rc_d):
        install = ["apt-get", "install", "-y", "-q", *options, *missing]
        if run_to_log(install, log, env=env) != 0:
            # Most often stale package lists on a fresh machine.
            progress("apt-get install failed; refreshing package lists and retrying")
            run_to_log(["apt-get", "update", "-q"], log, env=env)
            if run_to_log(install, log, env=env) != 0:
                raise LabError(f"apt-get install {' '.join(missing)} failed; see {log}")
    still = missing_packages(packages)
    if still:
        raise LabError(f"still not installed after apt-get: {' '.join(still)}; see {log}")
    return missing
