"""`caseflow whatif`'s machinery outside the pure core: the process pool that runs a cohort
(pool) and the report as CSV, SVG charts and HTML (render)."""
