"""Statistical reporting workflow (统计报表制度): forms, templates, upload checks, review
states and the approved dataset an account runs on. Testable without HTTP; the routes are
in :mod:`ganpo.web.routes.reporting`."""
