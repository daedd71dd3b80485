"""Closed, outward-wound triangle meshes of simple solids."""
from typing import List, Sequence, Tuple

import numpy as np

from mmssr.geometry import icosphere


class Part:
    """One closed solid: vertices (V, 3), faces (F, 3) and an RGB colour."""

    def __init__(self, vertices: np.ndarray, faces: np.ndarray,
                 color: Sequence[float]) -> None:
        self.vertices = np.asarray(vertices, dtype=np.float64)
        self.faces = np.asarray(faces, dtype=np.int64)
        self.color = np.asarray(color, dtype=np.float64)

    def transformed(
        self,
        rotation: np.ndarray = None,
        offset: Sequence[float] = (0, 0, 0)
    ) -> 'Part':
        verts = self.vertices
        if rotation is not None:
            verts = verts @ np.asarray(rotation).T
        return Part(verts + np.asarray(offset), self.faces, self.color)


def rotation_x(degrees: float) -> np.ndarray:
    a = np.radians(degrees)
    return np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)],
                     [0, np.sin(a), np.cos(a)]])


def rotation_y(degrees: float) -> np.ndarray:
    a = np.radians(degrees)
    return np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0],
                     [-np.sin(a), 0, np.cos(a)]])


def rotation_z(degrees: float) -> np.ndarray:
    a = np.radians(degrees)
    return np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a),
                                                  np.cos(a), 0], [0, 0, 1]])


_BOX_FACES = np.array([[0, 1, 2], [0, 2, 3], [4, 6, 5], [4, 7, 6], [0, 5, 1],
                       [0, 4, 5], [2, 7, 3], [2, 6, 7], [1, 6, 2], [1, 5, 6],
                       [0, 7, 4], [0, 3, 7]])


def box(center: Sequence[float],
        size: Sequence[float],
        color: Sequence[float],
        top_scale: Sequence[float] = (1.0, 1.0),
        rotation: np.ndarray = None) -> Part:
    """Axis-aligned box; ``top_scale`` (x, z) tapers the top face."""
    sx, sy, sz = np.asarray(size, dtype=np.float64) / 2
    tx, tz = top_scale
    verts = np.array([[-sx, -sy, -sz], [sx, -sy, -sz], [sx, -sy, sz],
                      [-sx, -sy, sz], [-sx * tx, sy, -sz * tz],
                      [sx * tx, sy, -sz * tz], [sx * tx, sy, sz * tz],
                      [-sx * tx, sy, sz * tz]])
    return Part(verts, _BOX_FACES, color).transformed(rotation, center)


def frustum(center: Sequence[float],
            radius_bottom: float,
            radius_top: float,
            height: float,
            color: Sequence[float],
            segments: int = 16,
            axis: str = 'y') -> Part:
    """Cylinder or truncated cone along ``axis`` (radii may differ)."""
    ang = np.linspace(0, 2 * np.pi, segments, endpoint=False)
    ring = np.stack([np.cos(ang), np.zeros_like(ang), np.sin(ang)], 1)
    bottom = ring * radius_bottom + [0, -height / 2, 0]
    top = ring * radius_top + [0, height / 2, 0]
    verts = np.concatenate(
        [bottom, top, [[0, -height / 2, 0], [0, height / 2, 0]]])
    n = segments
    faces = []
    for i in range(n):
        j = (i + 1) % n
        faces += [
            [i, n + i, j],
            [j, n + i, n + j],  # side
            [2 * n, i, j],
            [2 * n + 1, n + j, n + i]
        ]  # caps
    part = Part(verts, np.array(faces), color)
    rot = {'y': None, 'x': rotation_z(-90), 'z': rotation_x(90)}[axis]
    return part.transformed(rot, center)


def ellipsoid(center: Sequence[float],
              radii: Sequence[float],
              color: Sequence[float],
              subdivisions: int = 2) -> Part:
    verts, faces = icosphere(subdivisions)
    return Part(verts * np.asarray(radii), faces,
                color).transformed(None, center)


def merge(parts: List[Part]) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Concatenate parts: vertices (V, 3), faces (F, 3), face colours."""
    verts, faces, colors, offset = [], [], [], 0
    for part in parts:
        verts.append(part.vertices)
        faces.append(part.faces + offset)
        colors.append(np.broadcast_to(part.color, (len(part.faces), 3)))
        offset += len(part.vertices)
    return (np.concatenate(verts), np.concatenate(faces),
            np.concatenate(colors))


def normalize_parts(parts: List[Part], extent: float) -> List[Part]:
    """Centre the bounding box at the origin and scale its longest side."""
    verts = np.concatenate([p.vertices for p in parts])
    lo, hi = verts.min(0), verts.max(0)
    scale = extent / (hi - lo).max()
    center = (lo + hi) / 2
    return [
        Part((p.vertices - center) * scale, p.faces, p.color) for p in parts
    ]
