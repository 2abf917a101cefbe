"""The service catalog, loaded from data (services.yaml, openstack.yaml)."""

from ngha.catalog.catalog import (Catalog, CatalogService, OrderAfter, extra_catalog_files,
                                  load_catalog)
from ngha.catalog.projects import Project, Projects, load_projects

__all__ = ["Catalog", "CatalogService", "OrderAfter", "Project", "Projects",
           "extra_catalog_files", "load_catalog", "load_projects"]
