"""bench: an extraction-evaluation benchmark harness for entities, dates and numbers."""

__version__ = "0.1.0"
