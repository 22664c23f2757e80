"""Running systems: load, extract, time, cache, executors, environment, the results directory."""
