"""The embedded demo dataset: Jiangxi's real counties with synthetic, plausible layers.

See :func:`ganpo.demo.generator.build_demo_dataset` and ``docs/decisions/0002``.
"""
