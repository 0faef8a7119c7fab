"""Product carbon footprints (产品碳足迹) after ISO 14067:2018 and GB/T 24067-2024: a
product system as data (processes, their inputs and outputs with units, direct emissions),
cradle-to-gate or cradle-to-grave, a stated allocation rule, biogenic carbon kept apart,
computed with Brightway's ``bw2calc`` (docs/footprint.md).

- :mod:`~ganpo.footprint.model`: the product system file, validated;
- :mod:`~ganpo.footprint.background`: background processes from the published factors
  that :mod:`ganpo.carbon` ships (grid electricity, fuel combustion);
- :mod:`~ganpo.footprint.lca`: the matrices, the footprint and its contributions, Monte
  Carlo;
- :mod:`~ganpo.footprint.pact`: export in the WBCSD PACT data-exchange format.
"""
