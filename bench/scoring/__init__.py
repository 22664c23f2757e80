"""Scoring: alignment, match counts, the engine, reports and signatures, significance."""
