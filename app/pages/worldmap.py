"""An offline world map: the land outline shipped in ``app/static/map/`` drawn as SVG.

The outline is world-atlas's ``land-110m.json`` (TopoJSON: arcs of quantized, delta-encoded
points shared by the polygons that use them). It is decoded here into one SVG path in an
equirectangular projection (x = longitude + 180, y = 90 - latitude, a 360 x 180 view box), once
per process; a place page puts its point on it. No tile server, no script, no other host.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

OUTLINE = Path(__file__).resolve().parent.parent / "static" / "map" / "land-110m.json"
WIDTH, HEIGHT = 360, 180


def project(longitude: float, latitude: float) -> tuple[float, float]:
    """A point's place in the map's view box."""
    return round(longitude + 180, 2), round(90 - latitude, 2)


def _arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    transform = topology["transform"]
    (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
    decoded = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append(project(x * sx + tx, y * sy + ty))
        decoded.append(points)
    return decoded


def _ring(arcs: list[list[tuple[float, float]]], indexes: list[int]) -> str:
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)
    path = []
    previous = None
    for x, y in points:  # a jump across the antimeridian starts a new stroke, not a line
        move = previous is None or abs(x - previous) > WIDTH / 2
        path.append(("M" if move else "L") + f"{x:g},{y:g}")
        previous = x
    return "".join(path) + "Z"


@lru_cache(maxsize=1)
def land_svg() -> str:
    """The land outline as an SVG document (cached: the file ships with the package)."""
    topology = json.loads(OUTLINE.read_text(encoding="utf-8"))
    arcs = _arcs(topology)
    rings: list[str] = []
    for geometry in topology["objects"]["land"]["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        for polygon in polygons:
            rings.extend(_ring(arcs, ring) for ring in polygon)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}">'
        f'<path fill="#d9d2c3" stroke="#9a8f7a" stroke-width="0.2" d="{"".join(rings)}"/></svg>'
    )
