"""Carbon accounts: greenhouse-gas inventories of regions (issue 15).

The inventory core: emission factors as data (:mod:`~ganpo.carbon.factors`), one pure
function per category over pandas activity tables (:mod:`~ganpo.carbon.energy`,
:mod:`~ganpo.carbon.industry`, :mod:`~ganpo.carbon.agriculture`,
:mod:`~ganpo.carbon.waste`) whose rows may be checked against the inventory's region
(:mod:`~ganpo.carbon.regions`, :func:`~ganpo.carbon.inputs.in_region`), a check of the
energy balance (:mod:`~ganpo.carbon.balance`), a tidy result with CO2-equivalents under
a named GWP set and the provenance of every factor (:mod:`~ganpo.carbon.result`), and
IPCC uncertainty Approaches 1 and 2 (:mod:`~ganpo.carbon.uncertainty`). Methods follow
the IPCC 2006 Guidelines and the provincial guideline (省级温室气体清单编制指南, 2011);
see docs/carbon.md.
"""
