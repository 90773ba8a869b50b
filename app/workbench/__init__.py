"""The curation workbench: what curators see and do in the browser, without HTTP.

Page contexts for the workbench's templates (``app/templates/workbench/``), built from the
accounts (``app.accounts``) and the revision history; the routes (``app.routes.workbench``)
only translate requests into these and back.
"""
