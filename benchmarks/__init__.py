"""Benchmarks against the bundled emulator: ``python -m benchmarks`` writes BENCHMARKS.md."""
