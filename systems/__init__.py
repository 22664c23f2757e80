"""Built-in systems: one backend per module, registered in ``bench.systems``."""
