"""The deployment file `lab up` writes (checked against the project's schema), the secret
files it points to, and the corosync settings the lab's nodes run (derived from it)."""

from __future__ import annotations

import io
import os
import secrets
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from ngha.lab import fencing
from ngha.lab.layout import SHARED_MOUNT
from ngha.lab.state import LabState
from ngha.model.deployment import SECRET_NAMES, Deployment
from ngha.render.corosync import CorosyncSettings, settings_from_deployment


def write_secrets(secrets_dir: Path) -> dict[str, Path]:
    """Random secrets, readable by root only; an existing file is kept (idempotent)."""
    secrets_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(secrets_dir, 0o700)
    paths = {}
    for name in SECRET_NAMES:
        path = secrets_dir / name
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(24) + "\n")
        paths[name] = path
    return paths


# What the lab runs besides the core: Keystone and memcached, and ngha's probe (an API on
# every node and an active/passive worker) so the database and broker paths can be seen.
LAB_SERVICES = ("keystone", "memcached", "ngha-probe", "ngha-probe-worker")
# The OpenStack control plane (without `lab up --core-only`), cinder-volume active/passive.
OPENSTACK_SERVICES = ("glance-api", "placement-api", "nova-api", "nova-conductor",
                      "nova-scheduler", "neutron-server", "neutron-rpc-server", "cinder-api",
                      "cinder-scheduler", "cinder-volume", "heat-api", "heat-engine")
# Cinder's own fake driver stands for a storage backend (it needs python3-fixtures).
OPENSTACK = {"region": "RegionOne", "glance_store": f"{SHARED_MOUNT}/glance-images",
             "settings": {"cinder": {
                 "DEFAULT": {"enabled_backends": "fake"},
                 "fake": {"volume_driver": "cinder.tests.fake_driver.FakeLoggingVolumeDriver",
                          "volume_backend_name": "fake"}}},
             "extra_packages": ["python3-fixtures"]}
# Three nodes with everything running must fit in 3 GB on a 2-core machine.
LAB_TUNING = {"keystone_workers": 2, "keystone_threads": 4,
              "innodb_buffer_pool_size": "32M", "mariadb_max_connections": 200,
              "haproxy_maxconn": 4096, "keystone_password_hash_rounds": 4,
              # every node reads the host's load average: three nodes' load on 2 cores
              "pacemaker_load_threshold": "1000%",
              # one worker per OpenStack daemon and API: 12 services on 3 nodes in ~4.5 GB
              "openstack_workers": 1, "openstack_api_processes": 1,
              "openstack_api_threads": 2}


def lab_deployment_data(state: LabState, secret_files: dict[str, Path]) -> dict:
    """The lab as a deployment: Debian units, knet without crypto (a private bridge inside
    namespaces; an authkey would be one more secret to hand out), the lab's token, and
    fencing through the lab's fence daemon (docs/lab.md)."""
    data = {
        "cluster": state.name,
        "profile": "nextgen",
        "distro": "debian",
        "target": "lab",
        "corosync": {"transport": "knet", "token": state.token_ms, "crypto": False,
                     "blackbox": False},
        "nodes": [{"name": n.name, "address": n.address} for n in state.nodes],
        "vips": dict(state.vips),
        "services": list(LAB_SERVICES) + (list(OPENSTACK_SERVICES) if state.openstack else []),
        "secrets": {name: {"file": str(path)} for name, path in sorted(secret_files.items())},
        "fencing": lab_fencing(state),
        "tuning": dict(LAB_TUNING),
    }
    if state.openstack:
        data["openstack"] = OPENSTACK
    return data


def lab_fencing(state: LabState) -> dict:
    """One device per node through the lab's fence daemon. No credential parameter: the
    agent reads the lab's key from a root-only file on the node."""
    address = fencing.daemon_address(state)
    return {"devices": [
        {"node": n.name, "agent": fencing.AGENT,
         "parameters": {"ip": address, "ipport": fencing.PORT, "plug": n.name}}
        for n in state.nodes]}


def lab_corosync_settings(state: LabState) -> CorosyncSettings:
    """What the nodes run: exactly what ngha renders for the lab's deployment (whose
    corosync settings turn the flight recorder off: ~8 MB of shared memory per node)."""
    deployment = Deployment.model_validate(lab_deployment_data(state, {}))
    return settings_from_deployment(deployment)


def render_deployment(state: LabState, secret_files: dict[str, Path]) -> str:
    data = lab_deployment_data(state, secret_files)
    Deployment.model_validate(data)  # a lab whose own file is invalid is a bug: fail here
    yaml = YAML()
    yaml.default_flow_style = None  # short mappings on one line, as in examples/
    yaml.width = 4096  # never fold a secret path
    vips = CommentedMap(data["vips"])
    vips.fa.set_block_style()  # one VIP a line
    devices = [CommentedMap(d) for d in data["fencing"]["devices"]]
    for device in devices:
        device.fa.set_flow_style()  # one device a line
    out = io.StringIO()
    yaml.dump({**data, "vips": vips, "fencing": {"devices": devices}}, out)
    return f"# Written by `ngha lab up` for lab {state.name} ({state.subnet}).\n" + out.getvalue()


def render_openrc(state: LabState, admin_password: str) -> str:
    """`. openrc` in the lab's client, then `openstack ...`: the admin, through the
    public VIP. Compute API 2.37, so `server create --nic none` works (the client's
    default microversion refuses it before sending anything)."""
    return (f"# Written by `ngha lab up` for lab {state.name}: the admin through the public "
            "VIP.\n"
            f"export OS_AUTH_URL=http://{state.vips['public']}:5000/v3\n"
            "export OS_IDENTITY_API_VERSION=3\n"
            "export OS_USERNAME=admin\n"
            f"export OS_PASSWORD='{admin_password}'\n"
            "export OS_PROJECT_NAME=admin\n"
            "export OS_USER_DOMAIN_NAME=Default\n"
            "export OS_PROJECT_DOMAIN_NAME=Default\n"
            f"export OS_REGION_NAME={OPENSTACK['region']}\n"
            "export OS_COMPUTE_API_VERSION=2.37\n")


def write_openrc(state: LabState, path: Path, secrets_dir: Path) -> Path:
    """Root only (0600), made before its content is written."""
    password = (secrets_dir / "admin_password").read_text().strip()
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(render_openrc(state, password))
    return path


def write_deployment(state: LabState, path: Path, secrets_dir: Path) -> Path:
    path.write_text(render_deployment(state, write_secrets(secrets_dir)))
    return path
