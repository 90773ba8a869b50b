"""The read model: everything derived from one state of the store, for pages and routes to read.

The store is the truth; what pages show is derived from it (neighbourhood reads, labels and
kinds, the search index, the timeline, the dump and VoID statistics). Nothing here knows of
HTTP or HTML: ``app.pages`` turns these values into page contexts, ``app.routes`` into answers.
"""

from app.read.model import ReadModel, read_model, store_state

__all__ = ["ReadModel", "read_model", "store_state"]
