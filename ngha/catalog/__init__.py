"""The service catalog, loaded from data (services.yaml)."""

from ngha.catalog.catalog import (Catalog, CatalogService, OrderAfter, extra_catalog_files,
                                  load_catalog)

__all__ = ["Catalog", "CatalogService", "OrderAfter", "extra_catalog_files", "load_catalog"]
