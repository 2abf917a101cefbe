"""The rules of the `openstack:` section: what each service ngha configures needs, checked
before anything is touched (each failure names its field)."""

from __future__ import annotations

from ngha.catalog import Catalog, load_projects
from ngha.model.deployment import Deployment

# What ngha's tasks need to configure any OpenStack project
NEEDED_SECRETS = ("database_password", "rabbitmq_password", "admin_password",
                  "service_password")


def validate_openstack(deployment: Deployment, catalog: Catalog, fail) -> None:
    openstack = deployment.openstack
    if openstack is None:
        return
    projects = load_projects().projects
    listed = {spec.name: i for i, spec in enumerate(deployment.services)}
    configured: set[str] = set()
    for name, i in listed.items():
        entry = catalog.services.get(name)
        if entry is None or entry.project is None:
            continue
        if entry.project not in projects:
            fail(f"{name}'s project {entry.project!r} is not in the catalog's projects",
                 ("services", i), "add the project to a site catalog file (projects:)")
        if not entry.packages.get(deployment.distro):
            fail(f"ngha knows no {deployment.distro} packages for {name}", ("services", i),
                 f"remove {name}, or remove `openstack:` and configure the services with "
                 "another tool (ngha then only places them)")
        configured.add(entry.project)
    if configured and "keystone" not in listed:
        fail("the OpenStack services register in Keystone, which is not listed",
             ("services",), "add keystone to services")
    for secret in NEEDED_SECRETS:
        if configured and secret not in deployment.secrets:
            fail(f"the OpenStack services need the secret {secret!r}", ("secrets",),
                 f"add '{secret}: {{file: /etc/ngha/secrets/{secret}}}' (a root-only file)")
    for project in openstack.settings:
        if project not in configured:
            fail(f"settings for {project!r}, which no listed service uses",
                 ("openstack", "settings", project),
                 f"list its services, or remove these settings (configured here: "
                 f"{', '.join(sorted(configured)) or 'none'})")
    if "cinder-volume" in listed:
        _volume_backend(deployment, fail)


def _volume_backend(deployment: Deployment, fail) -> None:
    """cinder-volume with no backend would run and refuse every volume."""
    cinder = deployment.openstack.settings.get("cinder", {})
    enabled = [b.strip() for b in cinder.get("DEFAULT", {}).get("enabled_backends", "")
               .split(",") if b.strip()]
    example = ("openstack: {settings: {cinder: {DEFAULT: {enabled_backends: b1}, "
               "b1: {volume_driver: ..., volume_backend_name: b1}}}}")
    if not enabled:
        fail("cinder-volume is listed without a storage backend",
             ("openstack", "settings", "cinder", "DEFAULT", "enabled_backends"),
             f"name its backend: {example}")
    for backend in enabled:
        if "volume_driver" not in cinder.get(backend, {}):
            fail(f"backend {backend!r} has no volume_driver",
                 ("openstack", "settings", "cinder", backend), f"e.g. {example}")
