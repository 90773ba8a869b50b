"""Competency questions of histkg: SPARQL queries with their expected answers."""
