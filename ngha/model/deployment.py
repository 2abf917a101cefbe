"""The deployment file's schema: what an operator writes, typed and checked field by field.

Cross-field rules that need the catalog (unknown services, A/P as clone, address clashes)
live in validate.py so that every message can name the line of the offending field.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Literal

from pydantic import (BaseModel, ConfigDict, Field, StrictBool, StrictInt, field_validator,
                      model_validator)

NETWORKS = ("control", "public", "internal_api", "storage", "storage_mgmt", "redis")
Network = Literal["control", "public", "internal_api", "storage", "storage_mgmt", "redis"]
HOSTNAME = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
# systemd unit names (without .service): letters, digits and :-_.\@, no leading '-'.
UNIT_NAME = re.compile(r"[A-Za-z0-9_.@:][A-Za-z0-9_.@:-]{0,200}")
CONFIG_PATH = re.compile(r"(/[A-Za-z0-9_.@+-]+)+")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
SECRET_NAMES = ("database_password", "rabbitmq_password", "redis_password")
# Parameter names that hold a credential (password, api/access keys, IPMI Kg key, SNMP
# community ...): never accepted inline in fencing parameters, they would land in the CIB.
SECRET_PARAMETER = re.compile(r"(passw|secret|token|community|key|_kg$|^kg$|cred|auth)",
                              re.IGNORECASE)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Node(Strict):
    name: str
    address: str
    roles: tuple[str, ...] | None = None

    @field_validator("name")
    @classmethod
    def _hostname(cls, value: str) -> str:
        if not HOSTNAME.fullmatch(value):
            raise ValueError(f"{value!r} is not a valid node name: use lower-case letters, "
                             "digits and '-' (a short hostname)")
        return value

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        return str(parse_address(value))

    @property
    def ip(self) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
        return ipaddress.ip_address(self.address)


class Vip(Strict):
    address: str
    netmask: StrictInt | None = None  # prefix length; default 32 for IPv4, 64 for IPv6

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        return str(parse_address(value))

    @model_validator(mode="after")
    def _netmask(self) -> "Vip":
        bits = ipaddress.ip_address(self.address).max_prefixlen
        if self.netmask is not None and not 1 <= self.netmask <= bits:
            raise ValueError(f"netmask must be a prefix length from 1 to {bits}")
        return self

    @property
    def prefix(self) -> int:
        if self.netmask is not None:
            return self.netmask
        return 32 if ipaddress.ip_address(self.address).version == 4 else 64

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
        # The unit name becomes a Pacemaker id, a file path and a shell word: keep it plain.
        if value is not None:
            value = value.removesuffix(".service")
            if not UNIT_NAME.fullmatch(value) or ".." in value:
                raise ValueError("not a systemd unit name: use letters, digits and "
                                 "':-_.@' (e.g. openstack-nova-api)")
        return value

    @field_validator("config_files")
    @classmethod
    def _config_files(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for path in value or ():
            parts = path.split("/")
            if not CONFIG_PATH.fullmatch(path) or "." in parts or ".." in parts:
                raise ValueError(f"{path!r} is not a plain absolute path "
                                 "(e.g. /etc/nova/nova.conf)")
        return value


class Corosync(Strict):
    transport: Literal["knet", "udpu", "udp"] = "knet"
    token: StrictInt = Field(10000, ge=100, le=300000, description="token timeout in ms")
    crypto: StrictBool = True  # knet encryption; needs the same authkey on every node


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
        for key in value:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", key):
                raise ValueError(f"{key!r} is not a fence agent parameter name")
        return value

    @field_validator("agent")
    @classmethod
    def _agent(cls, value: str) -> str:
        if not re.fullmatch(r"fence_[a-z0-9_]+", value):
            raise ValueError(f"{value!r} is not a fence agent name (fence_ipmilan, fence_xvm ...)")
        return value


class Fencing(Strict):
    devices: tuple[FenceDevice, ...] = ()


class Deployment(Strict):
    cluster: str
    profile: Literal["nextgen", "legacy"] = "nextgen"
    distro: Literal["rdo", "debian"] = "rdo"
    target: Literal["local", "ssh", "lab"] = "ssh"
    corosync: Corosync = Corosync()
    nodes: tuple[Node, ...] = Field(min_length=1)
    vips: dict[Network, Vip]
    services: tuple[ServiceSpec, ...] = ()
    secrets: dict[str, SecretRef] = Field(default_factory=dict)
    fencing: Fencing | None = None

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
        """VIPs in the canonical network order."""
        return [(net, self.vips[net]) for net in NETWORKS if net in self.vips]  # type: ignore[misc]

    def node(self, name: str) -> Node | None:
        return next((n for n in self.nodes if n.name == name), None)


def parse_address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    try:
        ip = ipaddress.ip_address(value.strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a valid IPv4 or IPv6 address") from None
    if ip.is_unspecified or ip.is_multicast:
        raise ValueError(f"{value} cannot be used as a host address")
    if getattr(ip, "scope_id", None):
        raise ValueError(f"{value!r}: a zone index (%...) cannot be used; give the bare address")
    return ip
