"""Builders: one module per output format, writing files from translated articles."""
