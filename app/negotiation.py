"""HTTP content negotiation: which of the formats we offer does an ``Accept`` header prefer?

Pure functions, no web framework. ``choose(accept, offers)`` follows RFC 9110 section 12.5.1:
every media range in the header carries a quality (``q``, default 1); an offer takes the quality
of the most specific range that matches it (``type/subtype`` beats ``type/*`` beats ``*/*``, and
a range with parameters beats the same range without); ``q=0`` means "not acceptable". Among
offers of equal quality the server's order decides, so the first offer is the default for a
missing header or ``*/*``.
"""

from dataclasses import dataclass

MAX_RANGES = 32
"""Media ranges of an ``Accept`` header that are read; the rest are ignored. Real clients send a
handful; reading thousands would cost each request milliseconds of the event loop."""


@dataclass(frozen=True)
class MediaRange:
    """One element of an ``Accept`` header."""

    type: str
    subtype: str
    params: frozenset[tuple[str, str]]
    quality: float

    def specificity(self, media_type: str) -> int | None:
        """How precisely this range matches ``media_type`` (higher wins), or None if it does not."""
        main, _, sub = media_type.partition("/")
        if self.type == "*":
            return 0
        if self.type != main:
            return None
        if self.subtype == "*":
            return 1
        if self.subtype != sub:
            return None
        return 3 if self.params else 2


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse an ``Accept`` header; malformed elements are skipped, an empty header means ``*/*``,
    and only the first ``MAX_RANGES`` ranges count."""
    if header is None or not header.strip():
        return [MediaRange("*", "*", frozenset(), 1.0)]
    ranges: list[MediaRange] = []
    for element in header.split(",", MAX_RANGES)[:MAX_RANGES]:
        kind, *parameters = (part.strip() for part in element.split(";"))
        main, slash, sub = kind.lower().partition("/")
        if not slash or not main or not sub or (main == "*" and sub != "*"):
            continue
        quality, params = 1.0, set()
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            name, value = name.strip().lower(), value.strip().strip('"')
            if name == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
                break  # what follows q are accept-extensions, not media type parameters
            if name:
                params.add((name, value.lower()))
        ranges.append(MediaRange(main, sub, frozenset(params), quality))
    return ranges


def quality(ranges: list[MediaRange], media_type: str) -> float:
    """The quality the client gives ``media_type``: that of its most specific matching range."""
    best: tuple[int, float] | None = None
    for media_range in ranges:
        specificity = media_range.specificity(media_type)
        if specificity is not None and (best is None or specificity > best[0]):
            best = (specificity, media_range.quality)
    return 0.0 if best is None else best[1]


def choose(accept: str | None, offers: list[str]) -> str | None:
    """The offer the client prefers, the earliest among equals; None when none is acceptable."""
    ranges = parse_accept(accept)
    best: tuple[float, str] | None = None
    for offer in offers:
        q = quality(ranges, offer)
        if q > 0 and (best is None or q > best[0]):
            best = (q, offer)
    return None if best is None else best[1]


def shown(header: str | None, limit: int = 120) -> str:
    """``header`` as an error message may quote it: at most ``limit`` characters."""
    text = header or ""
    return text if len(text) <= limit else text[:limit] + "..."
