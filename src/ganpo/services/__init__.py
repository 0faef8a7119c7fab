"""Ecosystem services: pure vectorised formulas plus a declaration of their inputs.

Services never import the engine, the store or the web layer. Each module holds the
published formulas of one service as functions of numbers or arrays (numpy or dask alike);
:mod:`ganpo.services.registry` declares what each service reads and produces.
"""
