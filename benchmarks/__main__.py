"""``python -m benchmarks``: run every benchmark, print the table, write BENCHMARKS.md (full mode)."""

import sys

from benchmarks.harness import main

sys.exit(main())
