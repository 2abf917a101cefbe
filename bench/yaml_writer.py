"""Builds the benchmark's deployment: N controllers and M services (the shipped catalog
topped up with synthetic site-local services through NGHA_EXTRA_CATALOG)."""

from __future__ import annotations

from pathlib import Path


def write_big_deployment(root: Path, nodes: int, services: int) -> tuple[Path, Path]:
    from ngha.catalog import load_catalog

    shipped = [n for n, s in load_catalog().services.items() if not s.core]
    synthetic = [f"site-service-{i}" for i in range(max(0, services - len(shipped)))]
    extra = root / "site-catalog.yaml"
    extra.write_text("services:\n" + "".join(
        f"  {name}:\n    units: {{rdo: openstack-{name}, debian: {name}}}\n"
        f"    database: true\n    broker: true\n    config_files: [/etc/site/{name}.conf]\n"
        f"    api: {{name: {name.replace('-', '_')}, port: {20000 + i}}}\n"
        f"    legacy:\n      after: [{{service: openstack-core}}]\n"
        for i, name in enumerate(synthetic)))
    lines = ["cluster: bench", "distro: rdo", "nodes:"]
    lines += [f"  - {{name: ctl-{i}, address: 192.0.2.{10 + i}}}" for i in range(nodes)]
    lines += ["vips:", "  control: 192.0.2.200", "  public: 198.51.100.200",
              "  internal_api: 192.0.2.201", "  storage: 192.0.2.202",
              "  storage_mgmt: 192.0.2.203", "  redis: 192.0.2.204", "services:"]
    lines += [f"  - {name}" for name in (shipped + synthetic)[:services]]
    deployment = root / "deployment.yaml"
    deployment.write_text("\n".join(lines) + "\n")
    return deployment, extra
