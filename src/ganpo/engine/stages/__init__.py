"""The stages of an account run, in the order :func:`ganpo.engine.account.run_account`
calls them. Each is a small function of the run (:class:`~.context.Run`: what was asked,
and the log, warnings and notes the stages add) and of the typed outputs of the stages
before it, so it can be run and tested alone.

1. :func:`.plan.load_plan` – manifest (checksums verified), year, profile, parameter set,
   prices for the year, methods and physical methods, their parameters checked;
   :func:`.plan.load_units` – the region's units.
2. :func:`.select.select_layers` – the layer entry of each role the methods read, for the
   year (or the year a counterfactual holds it at), in its role's unit; a layer of
   another year only when declared or timeless (decision 0022).
3. :func:`.on_grid.align_on_grid` – the ecosystem map's codes checked
   (:func:`.codes.check_ecosystem_codes`), every layer on its grid (warped when
   declared), derived layers built or reused, all opened lazily.
4. :func:`.inspect_files.inspect_layer_files` – the layer files' nodata declarations.
5. :func:`.blockwise.build_pass` and :func:`.blockwise.compute_pass` – one lazy graph of
   every raster component, computed once: :class:`.blockwise.PassSums`.
6. :func:`.checks.check_pass` – what the pass found: overlap, empty units, per-type
   completeness, the layers' medians (:mod:`.plausibility`), ranges and
   soft ranges, coverage per unit and gap policies (:mod:`.coverage`, :mod:`.gaps`),
   cells without type, gaps.
7. :func:`.rows.sums_to_rows` – result rows of the raster components (gaps filled where
   a policy says so), physical rows, ecosystem extent, coverage table.
8. :func:`.tables.statistics_tables` – statistics tables read, table methods, external
   deduction.
9. :func:`.assemble.assemble` – placeholder warnings, inputs and price tables, notes:
   the :class:`~ganpo.engine.result.AccountResult`.
"""
