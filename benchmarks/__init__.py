"""teleprinter's benchmarks: ``python -m benchmarks [--quick] [--only NAME]`` (see harness.py)."""
