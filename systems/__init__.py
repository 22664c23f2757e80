"""Built-in systems, one backend per module; registered by name in ``bench.registry.BUILTINS``.

Modules here import their heavy libraries inside functions, so listing them stays cheap.
"""
