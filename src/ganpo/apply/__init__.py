"""Applications of GEP results: transfers, compensation, assessment, asset register,
credit evidence, damage."""
