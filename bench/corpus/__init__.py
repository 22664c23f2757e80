"""Texts and gold in and out: the gold rules, columns, streamed and synthetic corpora, formats."""
