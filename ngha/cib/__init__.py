"""Build and check CIB XML; one module per concern."""
