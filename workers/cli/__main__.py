"""`python -m workers.cli`, as the tests run it: the same entry point as the `caseflow` script."""

from workers.cli import main

main()
