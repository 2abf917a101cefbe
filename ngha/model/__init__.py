"""The deployment model: schema, environment files, loading and semantic validation."""
