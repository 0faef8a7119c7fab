"""The accounting engine: aligns grids, applies services block by block, aggregates to
administrative units and ecosystem types, and records provenance. It owns nodata."""
