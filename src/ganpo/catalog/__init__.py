"""Catalogue: ecosystem types, indicators and parameter sets, kept as data files."""
