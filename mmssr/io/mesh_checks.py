"""Element counts that mesh headers declare, checked against the file size.

open3d allocates what a PLY or OFF header or a binary STL's triangle count
declares before it reads the elements: a 300-byte PLY that claims two
billion vertices takes gigabytes. Every element needs some bytes in the
file (an ASCII number and a separator, or its binary size), so a header
that declares more elements than the file can hold is refused before
reading (:class:`~.mesh_io.MeshSkipped`); what is read is then bounded by
the file's size. .obj files declare no counts.
"""
import os.path as osp
from typing import List, Tuple

_PLY_TYPE_BYTES = {
    'char': 1,
    'uchar': 1,
    'int8': 1,
    'uint8': 1,
    'short': 2,
    'ushort': 2,
    'int16': 2,
    'uint16': 2,
    'int': 4,
    'uint': 4,
    'int32': 4,
    'uint32': 4,
    'float': 4,
    'float32': 4,
    'double': 8,
    'float64': 8
}
_MAX_HEADER = 65536


def declared_too_large(path: str) -> str:
    """Why ``path``'s header declares more than the file holds, or ``''``."""
    ext = osp.splitext(path)[1].lower()
    try:
        size = osp.getsize(path)
        with open(path, 'rb') as f:
            head = f.read(_MAX_HEADER)
    except OSError:
        return ''  # the reader reports it
    if ext == '.ply':
        need, what = _ply_need(head)
    elif ext == '.off':
        need, what = _off_need(head)
    elif ext == '.stl':
        need, what = _stl_need(head, size)
    else:
        return ''
    if need > size:
        return (f'corrupt: the header declares {what}, more than the '
                f'file\'s {size} bytes can hold')
    return ''


def _ply_need(head: bytes) -> Tuple[int, str]:
    end = head.find(b'end_header')
    if not head.startswith(b'ply') or end < 0:
        return 0, ''
    lines = head[:end].decode('ascii', errors='replace').splitlines()
    ascii_format = any(line.split()[:2] == ['format', 'ascii']
                       for line in lines)
    elements: List[List] = []  # [name, count, min bytes per element]
    for line in lines:
        words = line.split()
        if len(words) >= 3 and words[0] == 'element':
            try:
                elements.append([words[1], int(words[2]), 0])
            except ValueError:
                return 0, ''
        elif len(words) >= 3 and words[0] == 'property' and elements:
            if ascii_format:
                elements[-1][2] += 2  # a digit and a separator
            elif words[1] == 'list':
                elements[-1][2] += _PLY_TYPE_BYTES.get(words[2], 1)
            else:
                elements[-1][2] += _PLY_TYPE_BYTES.get(words[1], 1)
    need = end + sum(max(c, 0) * max(b, 1) for _, c, b in elements)
    what = ' and '.join(f'{c} {n}(s)' for n, c, _ in elements)
    return need, what


def _off_need(head: bytes) -> Tuple[int, str]:
    words: List[str] = []
    for line in head.decode('ascii', errors='replace').splitlines():
        words += line.split('#')[0].split()
        if len(words) >= 3:
            break
    if len(words) < 3 or not words[0].endswith('OFF'):
        return 0, ''
    try:
        vertices, faces = int(words[1]), int(words[2])
    except ValueError:
        return 0, ''
    # "x y z" and "3 a b c" lines at their shortest
    need = 6 * max(vertices, 0) + 8 * max(faces, 0)
    return need, f'{vertices} vertices and {faces} faces'


def _stl_need(head: bytes, size: int) -> Tuple[int, str]:
    if len(head) < 84:
        return 0, ''
    count = int.from_bytes(head[80:84], 'little')
    need = 84 + 50 * count
    if head.startswith(b'solid') and need != size:
        return 0, ''  # an ASCII STL: no count
    return need, f'{count} triangles'
