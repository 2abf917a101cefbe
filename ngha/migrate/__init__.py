"""Legacy to next-gen (and back) on a running cluster: no failed request, no restart."""
