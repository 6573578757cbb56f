"""Reports over many cases, computed by the pure core (no I/O)."""
