"""The matrix's rows: each OpenStack service as its users know it (keystone, glance, nova,
...), the checks that prove it answers (its cheapest read through the VIP, and where it
has RPC a flow that crosses it), and the catalog services whose restarts count against it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ngha.errors import NghaError
from ngha.targets import Target

# project -> (its read path in the prober, its RPC-crossing flow or None)
CHECKS: dict[str, tuple[str, str | None]] = {
    "keystone": ("keystone", None),
    "glance": ("image", None),
    "placement": ("placement", None),
    "nova": ("server", "server-create"),
    "neutron": ("network", "network-delete"),
    "cinder": ("volume", "volume-create"),
    "heat": ("stack", "stack-create"),
}


@dataclass(frozen=True)
class Row:
    name: str
    read: str
    flow: str | None
    services: tuple[str, ...]  # catalog service names: their restarts count here

    @property
    def checks(self) -> tuple[str, ...]:
        return (self.read,) + ((self.flow,) if self.flow else ())


def rows_for(rows: list[Row], wanted: tuple[str, ...], flows: dict[str, str]) -> list[Row]:
    """The rows a fault measures (`wanted`; empty: all), each with the flow the fault
    gives it instead of its own."""
    return [replace(r, flow=flows.get(r.name, r.flow)) for r in rows
            if not wanted or r.name in wanted]


def in_groups(rows: list[Row], size: int) -> list[list[Row]]:
    """The rows in groups of `size` in their order (0: one group of all)."""
    if size <= 0 or not rows:
        return [rows] if rows else []
    return [rows[i:i + size] for i in range(0, len(rows), size)]


def matrix_rows(target: Target, only: list[str] | None = None) -> list[Row]:
    """Keystone and every configured project, in catalog order (`only`: those named)."""
    deployed = {s.name for s in target.loaded.services}
    rows = [Row("keystone", *CHECKS["keystone"], ("keystone",))] if "keystone" in deployed \
        else []
    for project in target.loaded.configured_projects:
        if project.name not in CHECKS:
            continue  # a site's project: no check known for it yet
        services = tuple(s.name for s in target.loaded.configured_services
                         if s.spec.project == project.name)
        rows.append(Row(project.name, *CHECKS[project.name], services))
    if not rows:
        raise NghaError("the deployment has no OpenStack service the matrix can check",
                        fix="deploy the control plane (`ngha lab up` lists it)")
    if only:
        known = {r.name for r in rows}
        unknown = [name for name in only if name not in known]
        if unknown:
            raise NghaError(f"unknown service {unknown[0]!r} for --services",
                            field="--services", fix="one of: " + ", ".join(sorted(known)))
        rows = [r for r in rows if r.name in only]
    return rows
