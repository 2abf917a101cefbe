"""Desired state -> files on disk (cib.xml, pcs script, node files, haproxy.cfg, graph)."""
