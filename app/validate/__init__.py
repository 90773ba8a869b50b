"""SHACL validation against ``ontology/shapes.ttl``: full (``full``) and incremental.

The public API of the package; the modules are split by concept, as pySHACL's are.
"""

from app.validate.full import (
    Match,
    ValidationReport,
    ValidationResult,
    before_change,
    node_key,
    shapes_path,
    validate_against_store,
    validate_change,
    validate_paths,
    validate_quads,
)

__all__ = [
    "Match",
    "ValidationReport",
    "ValidationResult",
    "before_change",
    "node_key",
    "shapes_path",
    "validate_against_store",
    "validate_change",
    "validate_paths",
    "validate_quads",
]
