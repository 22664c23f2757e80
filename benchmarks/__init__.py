"""Speed benchmarks (pytest-benchmark), each pairing bench with its anchor in the same run.

    pytest benchmarks/ --benchmark-only --benchmark-json=bench.json
    python -m benchmarks.tables bench.json      # the tables of docs/metrics.md and docs/run.md

See docs/run.md, "Benchmarks".
"""
