"""The time-span SPARQL constraint computes the same strict bounds as python-edtf.

``hks:TimeSpanShape`` recomputes the bounds of an EDTF value with SPARQL string functions
(nested IF for month lengths and leap years) because SHACL cannot call python-edtf. This test
runs that very query, taken from ``ontology/shapes.ttl``, on pyoxigraph (the engine the
validator uses) over every year 1890-1950 in every form of histkg's EDTF profile, and compares
its expected bounds with python-edtf's ``lower_strict()``/``upper_strict()``.

Where the two are known to differ, the SPARQL is right and the test says so:
* python-edtf accepts days that do not exist (``1931-02-29``); the SPARQL reports them.
* python-edtf rejects qualified seasons (``1932-22~``), which the profile allows; their bounds
  must equal those of the unqualified season, since qualifiers do not widen strict bounds.
"""

import calendar
import datetime
import re
import time
import warnings
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import SH

HKS = rdflib.Namespace("https://w3id.org/histkg/shapes#")

YEARS = range(1890, 1951)
EDTF_DT = "http://id.loc.gov/datatypes/edtf/EDTF"
TS = "https://w3id.org/histkg/id/timespan/"
WRONG = "0001-01-01T00:00:00"


def timespan_query(shapes_graph: rdflib.Graph) -> str:
    """The SELECT of hks:TimeSpanShape's SPARQL constraint, with its declared prefixes."""
    constraint = shapes_graph.value(HKS.TimeSpanShape, SH.sparql)
    select = str(shapes_graph.value(constraint, SH.select))
    prefixes = shapes_graph.value(constraint, SH.prefixes)
    lines = [
        f"PREFIX {shapes_graph.value(d, SH.prefix)}: <{shapes_graph.value(d, SH.namespace)}>"
        for d in shapes_graph.objects(prefixes, SH.declare)
    ]
    return "\n".join(lines) + "\n" + select


def profile_values() -> Iterator[str]:
    """Every form of the profile for every year: years, months, seasons, days, intervals.

    Days are few per year (python-edtf takes ~4 ms a parse): the ends of February, to test
    leap years, and impossible days (which need no python-edtf, see ``is_real_date``).
    """
    for y in YEARS:
        yield from (f"{y}", f"{y}~", f"{y}-02~", f"{y}-02-28%")
        yield from (f"{y}-{m:02d}" for m in range(1, 13))
        yield from (f"{y}-{season}" for season in (21, 22, 23, 24))
        yield from (f"{y}-02-28", f"{y}-02-29", f"{y}-12-31", f"{y}-02-30", f"{y}-04-31")
        yield from (f"{y}/{y + 1}", f"{y}?/{y + 2}~", f"{y}-02/{y}-03", f"{y}-21/{y}-24")
        yield from (f"{y}-09-18/{y + 1}-02", f"{y}-11/{y + 1}-22", f"{y}-23/{y + 1}-02-29")


def python_edtf_bounds(value: str) -> tuple[str, str] | None:
    """python-edtf's strict bounds at T00:00:00 / T23:59:59, or None if it cannot parse."""
    import edtf  # imported here: python-edtf is slow to import and only this test needs it

    try:
        parsed = edtf.parse_edtf(value)
    except Exception:  # EDTFParseException and friends
        return None
    lower = time.strftime("%Y-%m-%d", parsed.lower_strict())
    upper = time.strftime("%Y-%m-%d", parsed.upper_strict())
    return f"{lower}T00:00:00", f"{upper}T23:59:59"


def is_real_date(day: str) -> bool:
    try:
        datetime.date.fromisoformat(day)
    except ValueError:
        return False
    return True


def run(query: str, spans: dict[str, tuple[str, str, str]]) -> dict[str, dict[str, str]]:
    """Load time-spans ``{name: (edtf, begin, end)}`` and return the query's rows by name."""
    store = ox.Store()
    xsd_dt = ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")
    for name, (value, begin, end) in spans.items():
        node = ox.NamedNode(TS + name)
        for predicate, obj in (
            (
                "https://w3id.org/histkg/ontology#edtf",
                ox.Literal(value, datatype=ox.NamedNode(EDTF_DT)),
            ),
            (
                "http://www.cidoc-crm.org/cidoc-crm/P82a_begin_of_the_begin",
                ox.Literal(begin, datatype=xsd_dt),
            ),
            (
                "http://www.cidoc-crm.org/cidoc-crm/P82b_end_of_the_end",
                ox.Literal(end, datatype=xsd_dt),
            ),
        ):
            store.add(ox.Quad(node, ox.NamedNode(predicate), obj))
    rows: dict[str, dict[str, str]] = {}
    solutions = store.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    for solution in solutions:
        name = solution["this"].value[len(TS) :]
        rows[name] = {
            var: solution[var].value for var in ("value", "problem", "expBegin", "expEnd")
        }
    return rows


@pytest.fixture(scope="module")
def query(shapes_graph: rdflib.Graph) -> str:
    return timespan_query(shapes_graph)


def day_parts(value: str) -> list[str]:
    """The ``YYYY-MM-DD`` ends of a value, qualifiers stripped."""
    return [part.rstrip("?~%") for part in value.split("/") if len(part.rstrip("?~%")) == 10]


@pytest.fixture(scope="module")
def values() -> list[str]:
    return sorted(set(profile_values()))


@pytest.fixture(scope="module")
def edtf_bounds(values: list[str]) -> dict[str, tuple[str, str] | None]:
    """python-edtf's bounds of every value that names real days (computed once: it is slow)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            value: python_edtf_bounds(value)
            for value in values
            if all(is_real_date(day) for day in day_parts(value))
        }


def test_sparql_bounds_equal_python_edtf(
    query: str, values: list[str], edtf_bounds: dict[str, tuple[str, str] | None]
) -> None:
    """With wrong stored bounds every value is reported, with python-edtf's bounds expected."""
    rows = run(query, {str(i): (v, WRONG, WRONG) for i, v in enumerate(values)})
    assert len(rows) == len(values)
    impossible = 0
    for i, value in enumerate(values):
        row = rows[str(i)]
        if value not in edtf_bounds:
            assert row["problem"].startswith("it names a day that does not exist"), value
            impossible += 1
            continue
        bounds = edtf_bounds[value]
        assert bounds is not None, f"python-edtf cannot parse {value}"
        assert (row["expBegin"], row["expEnd"]) == bounds, value
    leap_years = sum(1 for y in YEARS if calendar.isleap(y))
    # Feb 29 of common years (twice: alone and as an interval end), Feb 30 and Apr 31 of all.
    assert impossible == 2 * (len(YEARS) - leap_years) + 2 * len(YEARS)
    assert len(edtf_bounds) == len(values) - impossible > 1500


def test_correct_bounds_pass(query: str, edtf_bounds: dict[str, tuple[str, str] | None]) -> None:
    """Storing python-edtf's bounds gives no result at all (no false alarm)."""
    spans = {str(i): (v, *b) for i, (v, b) in enumerate(edtf_bounds.items()) if b is not None}
    assert len(spans) == len(edtf_bounds)
    assert run(query, spans) == {}


def test_leap_years_follow_the_gregorian_rule(query: str) -> None:
    """1900 is not a leap year, 1904 and 2000 are: February's end and day 29 say so."""
    rows = run(query, {y: (f"{y}-02", WRONG, WRONG) for y in ("1900", "1904", "2000", "2100")})
    assert {y: row["expEnd"][8:10] for y, row in rows.items()} == {
        "1900": "28",
        "1904": "29",
        "2000": "29",
        "2100": "28",
    }
    rows = run(query, {"a": ("1900-02-29", WRONG, WRONG), "b": ("2000-02-29", WRONG, WRONG)})
    assert rows["a"]["problem"].startswith("it names a day that does not exist")
    assert rows["b"]["expBegin"] == "2000-02-29T00:00:00"


@pytest.mark.parametrize(
    ("value", "begin", "end"),
    [
        ("1932-22~", "1932-06-01T00:00:00", "1932-08-31T23:59:59"),
        ("1932-24?", "1932-12-01T00:00:00", "1932-12-31T23:59:59"),
        ("1931-21%/1932-23~", "1931-03-01T00:00:00", "1932-11-30T23:59:59"),
    ],
)
def test_qualified_seasons_keep_strict_bounds(query: str, value: str, begin: str, end: str) -> None:
    """python-edtf rejects qualified seasons; the profile allows them with unwidened bounds."""
    assert run(query, {"s": (value, begin, end)}) == {}
    assert "s" in run(query, {"s": (value, begin, "1932-12-31T23:59:58")})


def test_winter_is_december_of_the_same_year() -> None:
    """python-edtf puts season 24 (winter) in December of its year; the shapes follow it."""
    assert python_edtf_bounds("1932-24") == ("1932-12-01T00:00:00", "1932-12-31T23:59:59")


@pytest.mark.parametrize(
    ("begin", "end"),
    [
        ("1931-09-18T00:00:00Z", "1931-09-18T23:59:59Z"),  # a timezone
        ("1931-09-17T00:00:00", "1931-09-18T23:59:59"),  # widened for "approximate"
        ("1931-09-18T00:00:00", "1931-09-18T00:00:00"),  # end at midnight
    ],
)
def test_off_convention_bounds_are_reported(query: str, begin: str, end: str) -> None:
    rows = run(query, {"s": ("1931-09-18~", begin, end)})
    assert rows["s"]["expBegin"] == "1931-09-18T00:00:00"
    assert rows["s"]["expEnd"] == "1931-09-18T23:59:59"


def test_values_outside_the_profile_are_left_to_the_pattern(query: str) -> None:
    """The SPARQL only judges values the profile's pattern accepts (no double report)."""
    rows = run(query, {"a": ("1932-13", WRONG, WRONG), "b": ("1930/..", WRONG, WRONG)})
    assert rows == {}


def profile_pattern(shapes_graph: rdflib.Graph) -> str:
    for prop in shapes_graph.objects(HKS.TimeSpanShape, SH.property):
        if str(shapes_graph.value(prop, SH.name)) == "EDTF profile":
            return str(shapes_graph.value(prop, SH.pattern))
    raise AssertionError("hks:TimeSpanShape has no 'EDTF profile' pattern")


@pytest.mark.parametrize(
    "value",
    [
        "1932",
        "1932-02",
        "1932-02-29",
        "1932-21",
        "1932-24",
        "1932?",
        "1932-05~",
        "1932-05-03%",
        "1932-22~",
        "1904/1905",
        "1931-09-18/1932-02-27",
        "1931?/1932-22~",
    ],
)
def test_profile_accepts(shapes_graph: rdflib.Graph, value: str) -> None:
    assert re.search(profile_pattern(shapes_graph), value)


@pytest.mark.parametrize(
    "value",
    [
        "32",
        "1932-13",
        "1932-00",
        "1932-25",
        "1932-1",
        "1932-02-32",
        "1932-22-01",
        "19XX",
        "1932X",
        "1932?~",
        "?1932",
        "1932/..",
        "../1932",
        "1932/",
        "[1932,1933]",
        "1932-05-03T10:00",
        " 1932",
        "1932/1933/1934",
        "-1932",
    ],
)
def test_profile_rejects(shapes_graph: rdflib.Graph, value: str) -> None:
    """Outside the profile: python-edtf may parse some of these, histkg does not store them."""
    assert not re.search(profile_pattern(shapes_graph), value)
