"""Linking our entities to Wikidata: scoring, sources, the review workflow and reconciliation.

Data layer only (no FastAPI): ``app/routes/reconcile.py`` serves ``ReconService`` over HTTP and
``histkg link`` (``app/cli.py``) drives the rest.

=====================  =================================================================
module                 what it does
=====================  =================================================================
``normalize``          name folding and transliteration variants (over ``app.names``)
``years``              dates and periods as spans of decimal years
``types``              our types, their families and Wikidata equivalents
``records``            our entities as scoring sees them (names, types, link, dates)
``wikidata``           Wikidata items read from the JSON entity format
``scoring``            one score for both directions, with its reasons
``extract``            streaming a local Wikidata extract (bounded memory)
``api``                the live Wikidata API: rate limit, retries, on-disk cache
``sources``            extract or API behind one interface
``propose``            candidates for unlinked entities, as review rows
``review``             the review file (TSV)
``apply``              writing accepted links into ``data/``, validated by SHACL
``verify``             checking existing links against Wikidata
``facts``              the Wikidata facts graph in the store, and what pages read of it
``export``             cited claims as Wikidata statements with references (the way back)
``export_review``      the review file of ``histkg wikidata export`` and its QuickStatements
``quickstatements``    QuickStatements v1 values and command lines
``recon_query``        reconciliation queries checked, and the properties they may use
``reconcile``          the Reconciliation Service API 0.2 logic
``workflow``           the steps of ``histkg link``, for the CLI
=====================  =================================================================
"""

from app.linking.api import WikidataApi
from app.linking.apply import ApplyReport, LinkChange, apply_review
from app.linking.facts import (
    WIKIDATA_GRAPH,
    WikidataFacts,
    store_facts,
    wikidata_facts,
    write_facts,
)
from app.linking.propose import propose, unlinked
from app.linking.reconcile import ReconService
from app.linking.records import EntityRecord, load_records
from app.linking.review import ReviewRow, read_review, write_review
from app.linking.sources import ApiSource, CandidateSource, ExtractSource
from app.linking.verify import LinkCheck, verify_links

__all__ = [
    "WIKIDATA_GRAPH",
    "ApiSource",
    "ApplyReport",
    "CandidateSource",
    "EntityRecord",
    "ExtractSource",
    "LinkChange",
    "LinkCheck",
    "ReconService",
    "ReviewRow",
    "WikidataApi",
    "WikidataFacts",
    "apply_review",
    "load_records",
    "propose",
    "read_review",
    "store_facts",
    "unlinked",
    "verify_links",
    "wikidata_facts",
    "write_facts",
    "write_review",
]
