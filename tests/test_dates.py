"""Dates in words (``app.dates``): EDTF values, relative offsets, bounds."""

from datetime import date

import pytest

from app.dates import (
    DateFacts,
    date_in_words,
    day_in_words,
    duration_in_words,
    edtf_bounds,
    edtf_in_words,
    offset_in_words,
)
from app.ingest.edtf import bounds as ingest_bounds
from app.linking.years import parse_when

DASH = "\u2013"


@pytest.mark.parametrize(
    ("edtf", "words"),
    [
        ("1931-09-18", "18 September 1931"),
        ("1931-09-01", "1 September 1931"),
        ("1931-09", "September 1931"),
        ("1932", "1932"),
        ("1932-21", "spring 1932"),
        ("1932-22", "summer 1932"),
        ("1932-23", "autumn 1932"),
        ("1932-24", "winter 1932"),
        ("1932-33", "first quarter of 1932"),
        ("1932-40", "first half of 1932"),
        ("1904/1905", f"1904{DASH}05"),
        ("1914/1918", f"1914{DASH}18"),
        ("1999/2001", f"1999{DASH}2001"),
        ("1931-10-02/1931-10-30", f"2{DASH}30 October 1931"),
        ("1932-06/1932-08", f"June{DASH}August 1932"),
        ("1931-09-18/1931-10-27", f"18 September {DASH} 27 October 1931"),
        ("1931-09-18/1932-02-27", f"18 September 1931 {DASH} 27 February 1932"),
        ("1931~", "about 1931"),
        ("1931?", "1931 (uncertain)"),
        ("1931%", "about 1931 (uncertain)"),
        ("1931-09-18~", "about 18 September 1931"),
        ("193X", "the 1930s"),
        ("19XX", "the 1900s"),
        ("1931/..", "from 1931 onwards"),
        ("../1931", "until 1931"),
        ("1931/", "from 1931 (end unknown)"),
        ("-0043", "44 BC"),
    ],
)
def test_edtf_values_read_as_a_reference_work_prints_them(edtf: str, words: str) -> None:
    assert edtf_in_words(edtf) == words


@pytest.mark.parametrize("edtf", ["1931-02-30", "1931-13", "garbage", "1931-09-18T10:00"])
def test_what_is_not_a_valid_edtf_value_is_shown_as_written(edtf: str) -> None:
    assert edtf_in_words(edtf) == edtf
    assert edtf_bounds(edtf) is None


@pytest.mark.parametrize(
    ("edtf", "first", "last"),
    [
        ("1931-09-18", date(1931, 9, 18), date(1931, 9, 18)),
        ("1932", date(1932, 1, 1), date(1932, 12, 31)),
        ("1932-02", date(1932, 2, 1), date(1932, 2, 29)),
        ("1932-22", date(1932, 6, 1), date(1932, 8, 31)),
        ("1932-24", date(1932, 12, 1), date(1932, 12, 31)),  # as python-edtf and the shapes
        ("1904/1905", date(1904, 1, 1), date(1905, 12, 31)),
        ("1931-10-02/1931-10-30", date(1931, 10, 2), date(1931, 10, 30)),
        ("1931~", date(1931, 1, 1), date(1931, 12, 31)),  # qualifiers do not widen bounds
    ],
)
def test_bounds_follow_the_shapes(edtf: str, first: date, last: date) -> None:
    assert edtf_bounds(edtf) == (first, last)


def test_bounds_agree_with_the_reference_edtf_library() -> None:
    edtf = pytest.importorskip("edtf")
    for value in ("1931-09-18", "1932", "1932-22", "1904/1905", "1931-10-02/1931-10-30"):
        parsed = edtf.parse_edtf(value)
        lower, upper = (
            edtf.struct_time_to_date(parsed.lower_strict()),
            edtf.struct_time_to_date(parsed.upper_strict()),
        )
        assert edtf_bounds(value) == (lower, upper), value


@pytest.mark.parametrize(
    ("least", "greatest", "words"),
    [
        ("P5D", "P5D", ("five days", False)),
        ("P1D", "P1D", ("one day", False)),
        ("P14D", "P42D", ("two to six weeks", False)),
        ("P7D", "P7D", ("seven days", False)),
        ("P1M", "P2M", ("one to two months", False)),
        ("P1Y2M", "P1Y2M", ("one year and two months", False)),
        ("-P3D", "-P3D", ("three days", True)),
        ("P5D", "P2W", ("five days to two weeks", False)),
        ("P30D", "P30D", ("30 days", False)),
    ],
)
def test_offsets_in_words(least: str, greatest: str, words: tuple[str, bool]) -> None:
    assert offset_in_words(least, greatest) == words


def test_durations_that_are_not_durations() -> None:
    assert duration_in_words("P") is None
    assert duration_in_words("five days") is None
    assert offset_in_words(None, None) is None


def test_a_relative_date_names_its_anchor_event() -> None:
    """The issue's example: the writing of five days after the Mukden Incident."""
    facts = DateFacts(
        edtf="1931-09-23", relative_to="Mukden Incident", offset_min="P5D", offset_max="P5D"
    )
    assert date_in_words(facts) == "23 September 1931, five days after the Mukden Incident"


def test_a_vague_relative_date_gives_its_range_and_reading() -> None:
    facts = DateFacts(
        edtf="1931-10-02/1931-10-30",
        phrase="a few weeks after the Mukden Incident",
        relative_to="Mukden Incident",
        offset_min="P14D",
        offset_max="P42D",
    )
    words = f"2{DASH}30 October 1931, two to six weeks after the Mukden Incident"
    assert date_in_words(facts) == words


def test_an_anchor_whose_label_takes_no_article() -> None:
    facts = DateFacts(
        edtf="1931-09-20",
        relative_to="Stalin\u2019s holidays",
        relative_article=False,
        offset_min="-P2D",
        offset_max="-P2D",
    )
    assert date_in_words(facts) == "20 September 1931, two days before Stalin\u2019s holidays"


def test_without_edtf_the_source_phrase_is_kept() -> None:
    assert date_in_words(DateFacts(phrase="at the time")) == "at the time"
    assert date_in_words(DateFacts()) == ""


def test_bounds_of_facts_prefer_the_stored_bounds() -> None:
    stored = DateFacts(edtf="1931", begin=date(1931, 3, 1), end=date(1931, 3, 31))
    assert stored.bounds == (date(1931, 3, 1), date(1931, 3, 31))
    assert DateFacts(edtf="1931-09-18").exact_day
    assert not DateFacts(edtf="1931").exact_day


def test_day_in_words() -> None:
    assert day_in_words(date(1931, 9, 5)) == "5 September 1931"


@pytest.mark.parametrize("value", ["1932-21", "1932-22", "1932-23", "1932-24", "1930-24/1931-21"])
def test_a_season_covers_the_same_days_wherever_the_app_reads_it(value: str) -> None:
    """Pages (``app.dates``), ingestion (``app.ingest.edtf``) and reconciliation's date spans
    (``app.linking.years``) read a season alike: winter (24) is December of its year."""
    first, last = ingest_bounds(value)
    assert edtf_bounds(value) == (first, last)
    span = parse_when(value)
    assert span is not None
    assert int(span.start) == first.year
    assert int(span.end - 1e-9) == last.year
    assert round((span.end - span.start) * 365) == (last - first).days + 1
