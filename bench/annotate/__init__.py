"""Annotating gold: adding documents, agreement between annotators, gold diffs, review views."""
