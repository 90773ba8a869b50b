"""SHACL validation against ``ontology/shapes.ttl``; this is the package's public API.

Split by concept, as pySHACL's modules are: ``full`` validates files or quads (inputs, running
pySHACL, reading its report); ``access`` reads off the shapes which triples each shape can read
from a focus node; ``incremental`` uses those paths to validate only what a change can affect.
The generated ``ontology/shapes-*.ttl`` beside the shapes file (CRM domains and ranges,
``app.crm_shapes``) are read with it everywhere.
"""

from app.validate.access import Match
from app.validate.full import (
    ValidationReport,
    ValidationResult,
    node_key,
    shapes_path,
    validate_paths,
    validate_quads,
)
from app.validate.incremental import (
    before_change,
    judge,
    validate_against_store,
    validate_change,
)

__all__ = [
    "Match",
    "ValidationReport",
    "ValidationResult",
    "before_change",
    "judge",
    "node_key",
    "shapes_path",
    "validate_against_store",
    "validate_change",
    "validate_paths",
    "validate_quads",
]
