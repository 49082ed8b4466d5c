"""Gateways to services outside recsite: every call to them, plain values out, one "unavailable" error.

Nothing here knows about serving, training or the admin; they depend on the gateways, never the reverse.
"""
