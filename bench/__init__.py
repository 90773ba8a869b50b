"""Side-by-side benchmark of histkg against the oxigraph server and rdflib-endpoint.

Run it with ``bench/run`` (see docs/benchmarks.md).
"""
