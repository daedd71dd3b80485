"""The canonical frame of ShapeNet (docs: conventions.md), for any mesh.

Up is +y, the front faces −z, right-handed. ``up``/``front`` name the
input's axes (default ``+y``/``-z``: ShapeNetCore v1 and v2 are already in
this pose); the mesh is rotated to it, its bounding box centred at the
origin and scaled so its longest side is ``scale`` (1.0: it fills the voxel
cube [−0.5, 0.5]³, the span of the 32³ cell centres). ``normalized=True``
keeps the coordinates as they are (meshes already in that frame and scale).
"""
import numpy as np

from mmssr.errors import DataError

AXES = {
    '+x': (1, 0, 0),
    '-x': (-1, 0, 0),
    '+y': (0, 1, 0),
    '-y': (0, -1, 0),
    '+z': (0, 0, 1),
    '-z': (0, 0, -1)
}


def axis_rotation(up: str = '+y', front: str = '-z') -> np.ndarray:
    """(3, 3) rotation taking the input's ``up``/``front`` axes to +y/−z."""
    if up not in AXES or front not in AXES:
        raise DataError(f'--up/--front: expected one of {list(AXES)}, got '
                        f'{up!r}/{front!r}')
    u, f = np.array(AXES[up], float), np.array(AXES[front], float)
    if abs(u @ f) > 0:
        raise DataError(f'--up {up} and --front {front} must be '
                        'perpendicular axes')
    back = -f
    return np.stack([np.cross(u, back), u, back])


def to_canonical(vertices: np.ndarray,
                 faces: np.ndarray,
                 up: str = '+y',
                 front: str = '-z',
                 normalized: bool = False,
                 scale: float = 1.0) -> np.ndarray:
    """Vertices in the canonical frame (see the module docstring)."""
    verts = vertices @ axis_rotation(up, front).T
    if normalized:
        return verts
    used = verts[np.unique(faces)]
    low, high = used.min(0), used.max(0)
    return (verts - (low + high) / 2) * (scale / float((high - low).max()))
