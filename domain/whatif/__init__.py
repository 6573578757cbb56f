"""What-if: a cohort of cases run through the same pure core under several regimes,
counted, priced from the rulebook's price table and compared (issue 14)."""
