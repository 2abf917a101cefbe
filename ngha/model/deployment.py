"""The deployment file's schema: what an operator writes, typed and checked field by field.

Cross-field rules that need the catalog (unknown services, A/P as clone, address clashes)
live in validate.py and networks.py so that every message can name the line of the
offending field. Messages never repeat a refused value: it may be a pasted secret.
"""

from __future__ import annotations

import re
from typing import Literal, get_args

from pydantic import (BaseModel, ConfigDict, Field, StrictBool, StrictInt, field_validator,
                      model_validator)

from ngha.model.addresses import (HostAddress, IPAddress, IPNetwork, parse_address,
                                  parse_host_address)
from ngha.names import config_path_problem, interface_name_problem, unit_name_problem

# The networks of a TripleO controller (public is TripleO's "external").
NodeNetwork = Literal["control", "public", "internal_api", "storage", "storage_mgmt"]
NODE_NETWORKS: tuple[str, ...] = get_args(NodeNetwork)
# VIPs are named after their network, plus the redis VIP, which lives on internal_api.
VipName = Literal["control", "public", "internal_api", "storage", "storage_mgmt", "redis"]
NETWORKS: tuple[str, ...] = get_args(VipName)  # VIP names, in canonical order
REDIS_VIP_NETWORK = "internal_api"
HOSTNAME = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# database_password: every service's database user; rabbitmq_password: the services' broker
# user (the Erlang cookie is derived from it); redis_password: Redis and HAProxy's check;
# admin_password: Keystone's bootstrap admin; service_password: the OpenStack services'
# Keystone users (each project's own password is derived from it, as each project's
# database password is from database_password: see model/secrets.py).
SECRET_NAMES = ("database_password", "rabbitmq_password", "redis_password", "admin_password",
                "service_password")
# Parameter names that hold a credential (password, api/access keys, IPMI Kg key, SNMP
# community ...): never accepted inline in fencing parameters, they would land in the CIB.
SECRET_PARAMETER = re.compile(
    r"(passw|secret|token|community|key|_kg$|^kg$|cred|auth|(^|_)pw(d)?($|_))", re.IGNORECASE)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Node(Strict):
    """A controller with one address for every network (`address: 192.0.2.10`, optionally
    with its prefix, `192.0.2.10/24`) or one per network (`addresses: {control: ...,
    internal_api: ...}`, TripleO style)."""

    name: str
    single_address: str | None = Field(None, alias="address")
    addresses: dict[NodeNetwork, str] | None = None
    roles: tuple[str, ...] | None = None

    @field_validator("name")
    @classmethod
    def _hostname(cls, value: str) -> str:
        if not HOSTNAME.fullmatch(value):
            raise ValueError("not a valid node name: use lower-case letters, digits and '-' "
                             "(a short hostname)")
        return value

    @field_validator("single_address")
    @classmethod
    def _single(cls, value: str | None) -> str | None:
        return None if value is None else str(parse_host_address(value))

    @field_validator("addresses")
    @classmethod
    def _per_network(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("give at least one network address, e.g. {control: 192.0.2.10/24}")
        return {network: str(parse_host_address(text)) for network, text in value.items()}

    @model_validator(mode="after")
    def _one_form(self) -> "Node":
        if (self.single_address is None) == (self.addresses is None):
            raise ValueError("give either 'address' (one address for every network) or "
                             "'addresses' (one per network), not both or neither")
        return self

    @property
    def per_network(self) -> bool:
        return self.addresses is not None

    def host_addresses(self) -> dict[str | None, HostAddress]:
        """network -> address as written; the one-address form is {None: address}."""
        if self.addresses is None:
            return {None: parse_host_address(self.single_address or "")}
        return {network: parse_host_address(text) for network, text in self.addresses.items()}

    @property
    def primary(self) -> HostAddress:
        """The cluster address (corosync ring0, HAProxy servers): control, else the first."""
        hosts = self.host_addresses()
        return hosts.get("control") or next(iter(hosts.values()))

    @property
    def address(self) -> str:
        return str(self.primary.ip)

    @property
    def ip(self) -> IPAddress:
        return self.primary.ip

    def host_on(self, network: str) -> HostAddress | None:
        """The address on `network`; the one address in the simple form; None if the node
        has addresses per network and none on this one."""
        hosts = self.host_addresses()
        return hosts[None] if None in hosts else hosts.get(network)

    def address_on(self, network: str) -> str | None:
        host = self.host_on(network)
        return None if host is None else str(host.ip)

    def prefix_on(self, network: str) -> int | None:
        host = self.host_on(network)
        return None if host is None else host.prefix


class Vip(Strict):
    address: str
    netmask: StrictInt | None = None  # prefix length; default: the network's, else 32 / 64
    network: NodeNetwork | None = None  # default: the VIP's name (the redis VIP: internal_api)
    nic: str | None = None  # IPaddr2's nic: the interface to add the VIP to

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        return str(parse_address(value))

    @field_validator("nic")
    @classmethod
    def _nic(cls, value: str | None) -> str | None:
        problem = None if value is None else interface_name_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _netmask(self) -> "Vip":
        bits = self.ip.max_prefixlen
        if self.netmask is not None and not 1 <= self.netmask <= bits:
            raise ValueError(f"netmask must be a prefix length from 1 to {bits}")
        return self

    @property
    def ip(self) -> IPAddress:
        return parse_address(self.address)

    @property
    def default_prefix(self) -> int:
        """What IPaddr2 gets when neither the VIP nor its network says: a host route."""
        return 32 if self.ip.version == 4 else 64

    @property
    def resource_id(self) -> str:
        # ':' is not allowed in an XML ID, so IPv6 addresses are written with '.'
        return "ip-" + self.address.replace(":", ".")


class ServiceSpec(Strict):
    """A deployed service with optional overrides of the catalog."""

    name: str
    unit: str | None = None
    config_files: tuple[str, ...] | None = None
    mode: Literal["active-active", "active-passive"] | None = None

    @field_validator("unit")
    @classmethod
    def _unit(cls, value: str | None) -> str | None:
        if value is not None:
            value = value.removesuffix(".service")
            problem = unit_name_problem(value)
            if problem:
                raise ValueError(problem)
        return value

    @field_validator("config_files")
    @classmethod
    def _config_files(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for path in value or ():
            problem = config_path_problem(path)
            if problem:
                raise ValueError(problem)
        return value


class Corosync(Strict):
    transport: Literal["knet", "udpu", "udp"] = "knet"
    token: StrictInt = Field(10000, ge=100, le=300000, description="token timeout in ms")
    # knet encryption; needs the same authkey on every node. Only knet can encrypt, so the
    # default follows the transport (validate.py refuses crypto: true with udp/udpu).
    crypto: StrictBool | None = None
    # corosync's flight recorder: ~8 MB of /dev/shm per node (the lab turns it off)
    blackbox: StrictBool = True

    @property
    def encrypted(self) -> bool:
        return self.transport == "knet" if self.crypto is None else self.crypto


class SecretRef(Strict):
    """Where a secret lives. Exactly one of file or env; never the secret itself."""

    file: str | None = None
    env: str | None = None

    @model_validator(mode="after")
    def _one(self) -> "SecretRef":
        if (self.file is None) == (self.env is None):
            raise ValueError("give exactly one of 'file' or 'env'")
        if self.env is not None and not ENV_NAME.fullmatch(self.env):
            # the value is not echoed: someone may have pasted the secret itself here
            raise ValueError("'env' must name an environment variable (letters, digits, _)")
        if self.file is not None and not self.file.startswith("/"):
            raise ValueError("a secret file must be an absolute path")
        return self


class FenceDevice(Strict):
    node: str
    agent: str
    parameters: dict[str, str] = Field(default_factory=dict)

    @field_validator("parameters", mode="before")
    @classmethod
    def _scalars_as_text(cls, value: object) -> object:
        # "lanplus: 1" or "ssl: true" are ordinary in YAML; Pacemaker stores text.
        if isinstance(value, dict):
            return {k: (str(v).lower() if isinstance(v, bool) else str(v))
                    if isinstance(v, (int, float, bool)) else v for k, v in value.items()}
        return value

    @field_validator("parameters")
    @classmethod
    def _parameter_names(cls, value: dict[str, str]) -> dict[str, str]:
        for key, text in value.items():
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", key):
                raise ValueError("not a fence agent parameter name (letters, digits, '_', '-')")
            if key.endswith("_script") and not text.startswith("/"):
                # a credential pasted here would be run as a command and land in the CIB
                raise ValueError(f"'{key}' must be the absolute path of a root-only script "
                                 "that prints the credential")
        return value

    @field_validator("agent")
    @classmethod
    def _agent(cls, value: str) -> str:
        if not re.fullmatch(r"fence_[a-z0-9_]+", value):
            raise ValueError("not a fence agent name (fence_ipmilan, fence_xvm ...)")
        return value


class Fencing(Strict):
    devices: tuple[FenceDevice, ...] = ()


class Tuning(Strict):
    """Sizes that depend on the machines, not on the architecture. The defaults suit
    production controllers; the lab's deployment sets small ones (2 cores, 3 nodes)."""

    keystone_workers: StrictInt = Field(4, ge=1, le=64, description="uwsgi processes")
    keystone_threads: StrictInt = Field(8, ge=1, le=256)
    innodb_buffer_pool_size: str = Field("512M", pattern=r"^[1-9][0-9]*[KMG]$")
    mariadb_max_connections: StrictInt = Field(1024, ge=16, le=100000)
    # bcrypt cost of Keystone's password hashes (None: Keystone's default, 12). Each token
    # request pays it: a lab that issues five tokens a second on 2 cores wants it low.
    keystone_password_hash_rounds: StrictInt | None = Field(None, ge=4, le=31)
    # HAProxy needs about two file descriptors per connection: 20480 connections need a
    # hard limit of ~41k open files for the process that starts it.
    haproxy_maxconn: StrictInt = Field(20480, ge=64, le=1000000)
    # Pacemaker's load-threshold (None: its default, 80%). Above it the controller runs
    # fewer actions at once; under "high" load, one action at a time cluster-wide, so a
    # slow notify can hold up a VIP's move. Nodes that share their CPUs (the lab's three
    # nodes all read the host's load average) want it high.
    pacemaker_load_threshold: str | None = Field(None, pattern=r"^[1-9][0-9]{0,4}%$")
    # The OpenStack services ngha configures: workers of each daemon (conductor,
    # scheduler, engine, RPC server ...) and each uwsgi API's processes and threads.
    # Each worker costs ~100-130 MiB.
    openstack_workers: StrictInt = Field(2, ge=1, le=64)
    openstack_api_processes: StrictInt = Field(2, ge=1, le=64)
    openstack_api_threads: StrictInt = Field(4, ge=1, le=256)


class OpenStack(Strict):
    """ngha installs, configures and registers the listed OpenStack services (the catalog
    entries that name a project): omit it where another tool configures them, and ngha
    only places them (units, Pacemaker, retry settings)."""

    region: str = Field("RegionOne", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    # Glance's file store: shared by every node (NFS, CephFS), or an image uploaded
    # through one node is missing on the others
    glance_store: str = "/var/lib/glance/images"
    # per project, section -> option -> value, written after ngha's own settings: a
    # cinder-volume backend goes here (`cinder: {DEFAULT: {enabled_backends: b1}, b1: ...}`)
    settings: dict[str, dict[str, dict[str, str]]] = Field(default_factory=dict)
    # installed with the services (e.g. a backend driver's libraries)
    extra_packages: tuple[str, ...] = ()

    @field_validator("glance_store")
    @classmethod
    def _store(cls, value: str) -> str:
        problem = config_path_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("settings", mode="before")
    @classmethod
    def _scalars_as_text(cls, value: object) -> object:
        # "workers: 2" or "debug: true" are ordinary in YAML; ini files hold text
        if not isinstance(value, dict):
            return value
        return {project: {section: {k: (str(v).lower() if isinstance(v, bool) else str(v))
                                    if isinstance(v, (int, float, bool)) else v
                                    for k, v in options.items()}
                          if isinstance(options, dict) else options
                          for section, options in sections.items()}
                if isinstance(sections, dict) else sections
                for project, sections in value.items()}

    @field_validator("settings")
    @classmethod
    def _settings(cls, value: dict[str, dict[str, dict[str, str]]]) -> dict:
        for sections in value.values():
            for section, options in sections.items():
                if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]{0,100}", section):
                    raise ValueError("not an ini section name (letters, digits, '_.-')")
                for option, text in options.items():
                    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]{0,100}", option):
                        raise ValueError("not an ini option name (letters, digits, '_.-')")
                    if "\n" in text or "\r" in text:
                        raise ValueError("an ini value must be one line")
        return value

    @field_validator("extra_packages")
    @classmethod
    def _packages(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if not re.fullmatch(r"[a-z0-9][a-z0-9+.-]{0,100}", name):
                raise ValueError("not a package name (e.g. python3-fixtures)")
        return value


class Deployment(Strict):
    cluster: str
    profile: Literal["nextgen", "legacy"] = "nextgen"
    distro: Literal["rdo", "debian"] = "rdo"
    target: Literal["local", "ssh", "lab"] = "ssh"
    corosync: Corosync = Corosync()
    nodes: tuple[Node, ...] = Field(min_length=1)
    vips: dict[VipName, Vip]
    services: tuple[ServiceSpec, ...] = ()
    secrets: dict[str, SecretRef] = Field(default_factory=dict)
    fencing: Fencing | None = None
    tuning: Tuning = Tuning()
    openstack: OpenStack | None = None

    @field_validator("cluster")
    @classmethod
    def _cluster(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}", value):
            raise ValueError("cluster name: 1-32 letters, digits, '-' or '_'")
        return value

    # Short forms: "control: 192.0.2.10" and "- keystone" stand for the full mappings.
    @field_validator("vips", mode="before")
    @classmethod
    def _vip_shorthand(cls, value: object) -> object:
        if isinstance(value, dict):
            return {net: {"address": v} if isinstance(v, str) else v for net, v in value.items()}
        return value

    @field_validator("services", mode="before")
    @classmethod
    def _service_shorthand(cls, value: object) -> object:
        if isinstance(value, list):
            return [{"name": v} if isinstance(v, str) else v for v in value]
        return value

    @property
    def vip_list(self) -> list[tuple[str, Vip]]:
        """VIPs in the canonical order."""
        return [(name, self.vips[name]) for name in NETWORKS if name in self.vips]  # type: ignore[index]

    def node(self, name: str) -> Node | None:
        return next((n for n in self.nodes if n.name == name), None)

    def nodes_running(self, service: str) -> list[Node]:
        """Nodes allowed to run a Pacemaker-owned service: those carrying its role, or every
        node when no node carries that role (roles restrict only what they name)."""
        carrying = [n for n in self.nodes if service in (n.roles or ())]
        return carrying or list(self.nodes)

    def vip_network(self, name: str) -> str:
        vip = self.vips[name]  # type: ignore[index]
        if vip.network is not None:
            return vip.network
        return REDIS_VIP_NETWORK if name == "redis" else name

    def network_subnet(self, network: str) -> IPNetwork | None:
        """The subnet the nodes' addresses give for a network (validation makes them agree),
        or None when no address on it carries a prefix."""
        for node in self.nodes:
            host = node.host_on(network)
            if host is not None and host.subnet is not None:
                return host.subnet
        return None

    def vip_prefix(self, name: str) -> int:
        """cidr_netmask of a VIP: its own netmask, else its network's prefix, else a host
        route (32 or 64)."""
        vip = self.vips[name]  # type: ignore[index]
        if vip.netmask is not None:
            return vip.netmask
        subnet = self.network_subnet(self.vip_network(name))
        return subnet.prefixlen if subnet is not None else vip.default_prefix
