"""Ecological-environment zoning control (生态环境分区管控): the environmental control units
(环境管控单元) with their requirement lists, the ecological red lines, and the check of a
site or plan against them (docs/zoning.md).

- :mod:`~ganpo.zoning.industries`: the industry codes of GB/T 4754-2017 (sections and
  divisions) and their matching;
- :mod:`~ganpo.zoning.units`: a zoning dataset (units, red lines, requirements) read and
  validated;
- :mod:`~ganpo.zoning.check`: a site or plan checked: units and red lines hit, with areas,
  and the clauses that apply.
"""
