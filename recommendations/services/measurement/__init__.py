"""Measurement: attribution roll-ups and experiment reports."""
