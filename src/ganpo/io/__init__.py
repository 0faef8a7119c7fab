"""Reading and validating datasets: manifests, raster layers, statistics tables, units."""
