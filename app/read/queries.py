"""The SPARQL queries behind the pages: portable SPARQL 1.1, four round trips per page.

A remote store runs them; an embedded store gets the same rows by walking the graph with direct
lookups (``app.read.walk``, much faster: Oxigraph scans for the big unions below at a million
triples), and ``tests/test_pages_walk.py`` checks the two agree for every entity of the seed
graph, so a change here needs its twin there.

Each query names the entity ``?entity`` and gets it through ``Store.query(bindings=...)``, which
puts it in a ``VALUES`` block at the start of the WHERE group (``app.sparql.with_bindings``).
The shape every query here keeps, so that the bound entity drives the evaluation on any engine:

* ``?entity`` is only a term of triple patterns, never read by a ``BIND`` or ``FILTER`` before a
  pattern of the same group has bound it, and never hidden inside a sub-select (whose inner
  variables the outer ``VALUES`` cannot reach);
* no ``GROUP BY`` or aggregate: counting and grouping happen in Python, which keeps the queries
  simple for every engine the pages must run on (Oxigraph, Virtuoso);
* a query is ``{ union of ways to reach a node from ?entity } { union of facts about the node }``
  with no ``FILTER`` or ``OPTIONAL`` in between: the engine (Oxigraph) then carries the bound
  entity into each branch and the bound node into each fact, so the cost follows the size of the
  entity's neighbourhood, not the size of the store. (A ``FILTER`` there, or fact patterns with
  constants joined directly after the union, make it evaluate them for the whole store first;
  ``tests/test_pages_all.py`` checks the cost on a store twenty-one times the seed graph.)

Rows come back as tagged facts, ``?kind`` saying what each row is (an entity-attribute-value
shape), and ``app.read.neighbourhood`` assembles them. The Wikidata facts of the items an entity is
the same as come with the node facts (``wikidata`` rows, from their own graph only), so they
cost no extra round trip and never mix with the claims. Labels of classes, properties and
concepts come from a cached table (``VOCABULARY``) instead of these queries.

Vocabulary: a claim is a named graph whose IRI is typed ``hk:Claim``, described outside the
graph (``ontology/README.md``).
"""

from app.sources import WIKIDATA_GRAPH
from app.vocab import sparql_prologue

PROLOGUE = sparql_prologue()


def _union(branches: list[str]) -> str:
    return "\n  UNION\n".join(f"  {{ {branch} }}" for branch in branches)


QUADS = (
    PROLOGUE
    + """
# The entity's own triples in every graph (a claim's: in the graphs that own it), and all that
# the claim graphs about it say.
SELECT DISTINCT ?g ?s ?p ?o WHERE {
  { GRAPH ?g { ?entity ?p ?o } FILTER NOT EXISTS { ?entity a hk:Claim } BIND(?entity AS ?s) }
  UNION { GRAPH ?g { ?entity a hk:Claim . ?entity ?p ?o } BIND(?entity AS ?s) }
  UNION { GRAPH ?g { ?entity ?p1 ?o1 } ?g a hk:Claim . GRAPH ?g { ?s ?p ?o } }
  UNION { GRAPH ?g { ?s1 ?p1 ?entity } ?g a hk:Claim . GRAPH ?g { ?s ?p ?o } }
  UNION { ?entity a hk:Claim . GRAPH ?entity { ?s ?p ?o } BIND(?entity AS ?g) }
}
"""
)

# Claims "about" the entity: their graph states something of it, their description points at
# it (a mode, an agent, a passage, a page, a footnote), they cite a page of it (a book), or
# they are the entity. Their variables must not occur in the facts joined with them (a shared
# ``?part`` once limited the books shown on a book's page to that book).
_RELEVANT_CLAIMS = [
    "GRAPH ?claim { ?entity ?p1 ?o1 } ?claim a hk:Claim .",
    "GRAPH ?claim { ?s1 ?p1 ?entity } ?claim a hk:Claim .",
    "GRAPH ?owner { ?claim ?p2 ?entity . ?claim a hk:Claim . }",
    "?entityPart dcterms:isPartOf ?entity ."
    " GRAPH ?owner { ?claim prov:wasDerivedFrom ?entityPart . ?claim a hk:Claim . }",
    "?entity a hk:Claim . BIND(?entity AS ?claim)",
]

# What a page shows of a claim's sources, as (?kind, ?a, ?b, ?c) facts. Each branch names its
# property: fetching ``?claim ?p ?o`` wholesale would return ten times the rows. A claim's
# description (mode, attribution, footnote, sources) is read only from a graph that says it is
# a claim (``GRAPH ?owner``, its owner): another graph cannot give it another author.
_OWNED = "GRAPH ?owner { ?claim a hk:Claim ; "
_CLAIM_PROPERTIES = ("rdfs:label", "hk:mode", "hk:editorialNote", "hk:footnote")
_NOTE_PROPERTIES = ("bibo:number", "bibo:content")
_PART_PROPERTIES = ("rdfs:label", "bibo:pages", "bibo:pageStart", "dcterms:isPartOf")
_SELECTOR_PROPERTIES = ("oa:start", "oa:end", "oa:exact")
_CLAIM_FACTS = [
    *(f'{_OWNED}{p} ?b }} BIND({p} AS ?a) BIND("claim" AS ?kind)' for p in _CLAIM_PROPERTIES),
    f"{_OWNED}prov:qualifiedAttribution ?q . ?q prov:agent ?a ; prov:hadRole ?b }}"
    ' BIND("attribution" AS ?kind)',
    f"{_OWNED}prov:qualifiedAttribution ?q . ?q prov:agent ?a }} ?a rdfs:label ?b ."
    ' BIND("agent" AS ?kind)',
    *(
        f'{_OWNED}hk:footnote ?a }} ?a {p} ?c . BIND({p} AS ?b) BIND("note" AS ?kind)'
        for p in _NOTE_PROPERTIES
    ),
    *(
        f"{_OWNED}hk:footnote ?note }} ?note cito:citesAsEvidence ?a ."
        f' ?a {p} ?c . BIND({p} AS ?b) BIND("part" AS ?kind)'
        for p in _PART_PROPERTIES
    ),
    f"{_OWNED}hk:footnote ?note }} ?note cito:citesAsEvidence ?part ."
    ' ?part dcterms:isPartOf ?a . ?a rdfs:label ?b . BIND("book" AS ?kind)',
    *(
        f'{_OWNED}prov:wasDerivedFrom ?a }} ?a {p} ?c . BIND({p} AS ?b) BIND("source" AS ?kind)'
        for p in _PART_PROPERTIES
    ),
    f"{_OWNED}prov:wasDerivedFrom ?part }} ?part dcterms:isPartOf ?a . ?a rdfs:label ?b ."
    ' BIND("book" AS ?kind)',
    *(
        f"{_OWNED}prov:wasDerivedFrom ?a }} ?a oa:hasSelector ?selector ."
        f' ?selector {p} ?c . BIND({p} AS ?b) BIND("selector" AS ?kind)'
        for p in _SELECTOR_PROPERTIES
    ),
    f"{_OWNED}prov:wasDerivedFrom ?a }} ?a oa:hasSource ?c . ?c dcterms:identifier ?b ."
    ' BIND("text" AS ?kind)',
    "GRAPH ?claim { ?a crm:P190_has_symbolic_content ?b ; hk:textAnchor ?anchor . }"
    ' ?anchor oa:hasSelector ?selector . ?selector oa:exact ?c . BIND("quotation" AS ?kind)',
]

PROVENANCE = (
    PROLOGUE
    + """
# How each claim about the entity is sourced: rows (?claim, ?kind, ?a, ?b, ?c).
SELECT DISTINCT ?claim ?kind ?a ?b ?c WHERE {
  {
"""
    + _union(_RELEVANT_CLAIMS)
    + """
  }
  {
"""
    + _union(_CLAIM_FACTS)
    + """
  }
}
"""
)

# What a page needs to know of a node, as (?kind, ?a, ?b, ?c) facts: its labels, classes,
# types, date phrase, the properties of its time-span (with the label of the event a
# relative date counts from), and for a Wikidata item what the Wikidata facts graph says.
_NODE_FACTS = [
    '?n rdfs:label ?a . BIND("label" AS ?kind)',
    '?n a ?a . BIND("class" AS ?kind)',
    '?n crm:P2_has_type ?a . BIND("type" AS ?kind)',
    '?n hk:datePhrase ?a . BIND("phrase" AS ?kind)',
    '?n crm:P4_has_time-span ?c . ?c ?a ?b . BIND("date" AS ?kind)',
    'GRAPH ?c { ?n crm:P4_has_time-span ?a } BIND("dated-in" AS ?kind)',
    "?n crm:P4_has_time-span ?span . ?span hk:relativeTo ?anchorEvent ."
    ' ?anchorEvent rdfs:label ?a . BIND("anchor" AS ?kind)',
    '?n oa:hasSelector ?selector . ?selector ?a ?b . BIND("selector" AS ?kind)',
    '?n oa:hasSource ?b . ?b dcterms:identifier ?a . BIND("text" AS ?kind)',
    f'GRAPH {WIKIDATA_GRAPH} {{ ?n ?a ?b }} BIND("wikidata" AS ?kind)',
]

# The nodes a page shows: the entity, the nodes it links to, and every node of the claim graphs
# about it (which include the nodes linking to it from claims).
_NEIGHBOURHOOD = [
    "?entity ?p0 ?o0 . BIND(?entity AS ?n)",
    "?entity ?p0 ?n .",
    "GRAPH ?cg { ?entity ?p1 ?o1 } ?cg a hk:Claim . GRAPH ?cg { ?n ?p2 ?o2 }",
    "GRAPH ?cg { ?entity ?p1 ?o1 } ?cg a hk:Claim . GRAPH ?cg { ?s2 ?p2 ?n }",
    "GRAPH ?cg { ?s1 ?p1 ?entity } ?cg a hk:Claim . GRAPH ?cg { ?n ?p2 ?o2 }",
    "GRAPH ?cg { ?s1 ?p1 ?entity } ?cg a hk:Claim . GRAPH ?cg { ?s2 ?p2 ?n }",
    "?entity a hk:Claim . GRAPH ?entity { ?n ?p2 ?o2 }",
    "?entity a hk:Claim . GRAPH ?entity { ?s2 ?p2 ?n }",
]

NODES = (
    PROLOGUE
    + """
# Labels, classes, types, dates and passages of the entity, what it links to and the nodes of
# its claims, and the Wikidata facts of the items it links to: rows (?n, ?kind, ?a, ?b, ?c).
SELECT DISTINCT ?n ?kind ?a ?b ?c WHERE {
  {
"""
    + _union(_NEIGHBOURHOOD)
    + """
  }
  {
"""
    + _union(_NODE_FACTS)
    + """
  }
}
"""
)


def inbound_page(limit: int, offset: int) -> str:
    """One page of the distinct links into the entity, by property then label.

    A passage has no label: its words (``oa:exact`` of its selector) stand in for one, so a
    page can name it by what it says rather than by its IRI.

    The caller asks for one row more than it shows, to know whether a next page exists.
    """
    if limit < 1 or offset < 0:
        raise ValueError("limit must be positive and offset not negative")
    return (
        PROLOGUE
        + """
SELECT DISTINCT ?p ?s ?label WHERE {
  ?s ?p ?entity .
  FILTER(isIRI(?s))
  OPTIONAL { ?s rdfs:label ?named FILTER(LANG(?named) = "en" || LANG(?named) = "") }
  OPTIONAL { ?s oa:hasSelector/oa:exact ?words FILTER(!BOUND(?named)) }
  BIND(COALESCE(?named, ?words) AS ?label)
}
ORDER BY STR(?p) LCASE(STR(?label)) STR(?s)
"""
        + f"LIMIT {int(limit)} OFFSET {int(offset)}\n"
    )


VOCABULARY = (
    PROLOGUE
    + """
# Labels of the terms pages name but do not link to: classes, properties and concepts.
SELECT ?term ?label WHERE {
  { ?term a owl:Class } UNION { ?term a rdfs:Class } UNION { ?term a rdf:Property }
  UNION { ?term a owl:ObjectProperty } UNION { ?term a owl:DatatypeProperty }
  UNION { ?term a owl:AnnotationProperty } UNION { ?term a skos:Concept }
  ?term rdfs:label ?label .
}
"""
)


# ------------------------------------------------------------------ the RDF description

# Triples that describe how a claim is sourced, as (?s ?p ?o): the claim's own description,
# its attributions and their agents and roles, its footnote and the cited pages, the passages
# and pages it derives from, and the labels of the books and concepts involved.
_CLAIM_TRIPLES = [
    "?claim ?p ?o . BIND(?claim AS ?s)",
    "?claim prov:qualifiedAttribution ?s . ?s ?p ?o .",
    "?claim prov:qualifiedAttribution ?q . ?q prov:agent|prov:hadRole ?s ."
    " ?s rdfs:label ?o . BIND(rdfs:label AS ?p)",
    "?claim prov:wasAttributedTo|hk:mode|hk:footnoteScope ?s . ?s rdfs:label ?o ."
    " BIND(rdfs:label AS ?p)",
    "?claim hk:footnote ?s . ?s ?p ?o .",
    "?claim hk:footnote ?note . ?note cito:citesAsEvidence ?s . ?s ?p ?o .",
    "?claim hk:footnote ?note . ?note cito:citesAsEvidence ?part . ?part dcterms:isPartOf ?s ."
    " ?s rdfs:label ?o . BIND(rdfs:label AS ?p)",
    "?claim prov:wasDerivedFrom ?s . ?s ?p ?o .",
    "?claim prov:wasDerivedFrom ?a . ?a oa:hasSelector ?s . ?s ?p ?o .",
    "?claim prov:wasDerivedFrom ?a . ?a oa:hasSource ?s . ?s ?p ?o .",
    "?claim prov:wasDerivedFrom ?part . ?part dcterms:isPartOf ?s ."
    " ?s rdfs:label ?o . BIND(rdfs:label AS ?p)",
]

CLAIM_DESCRIPTIONS = (
    PROLOGUE
    + """
# The provenance of every claim about the entity (their descriptions live outside the claim
# graphs, so these triples belong to the default graph of the answer).
CONSTRUCT { ?s ?p ?o } WHERE {
  {
"""
    + _union(_RELEVANT_CLAIMS)
    + """
  }
  {
"""
    + _union(_CLAIM_TRIPLES)
    + """
  }
}
"""
)

MENTIONS = (
    PROLOGUE
    + """
# The passages that name the entity, with their selectors.
CONSTRUCT { ?s ?p ?o } WHERE {
  {
    ?entity hk:mention|hk:textAnchor|hk:markerAnchor ?s . ?s ?p ?o .
  } UNION {
    ?entity hk:mention|hk:textAnchor|hk:markerAnchor ?a . ?a oa:hasSelector ?s . ?s ?p ?o .
  }
}
"""
)

LABELS = (
    PROLOGUE
    + """
# The labels of everything the entity and its claims link to.
CONSTRUCT { ?n rdfs:label ?label } WHERE {
  {
"""
    + _union(_NEIGHBOURHOOD)
    + """
  }
  ?n rdfs:label ?label .
}
"""
)
