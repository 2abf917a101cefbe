"""Environment files shipped with ngha (next-gen and legacy defaults)."""
