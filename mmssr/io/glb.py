"""Binary glTF (.glb) with vertex colours, written and read with numpy.

open3d's .glb writer stores the buffer as a base64 data URI inside the JSON
chunk, writes the colours unconverted (glTF's ``COLOR_0`` is *linear*, so
sRGB image colours then show washed out) and gives no material; open3d 0.20
cannot read that file back. This writer stores one binary chunk with
``POSITION``, ``NORMAL``, ``COLOR_0`` (the sRGB colours converted to linear)
and 32-bit indices, and a matte, double-sided material, so that three.js,
``<model-viewer>``, Blender and the glTF sample viewers show the colours as
they were sampled from the photo.
"""
import json
import struct
from typing import Dict, Optional

import numpy as np

from mmssr.utils.fileio import write_bytes_atomic

GLB_MAGIC = b'glTF'
CHUNK_JSON = 0x4E4F534A
CHUNK_BIN = 0x004E4942
FLOAT, UINT32 = 5126, 5125
COMPONENTS = {
    5120: np.int8,
    5121: np.uint8,
    5122: np.int16,
    5123: np.uint16,
    5125: np.uint32,
    5126: np.float32
}
WIDTHS = {'SCALAR': 1, 'VEC2': 2, 'VEC3': 3, 'VEC4': 4}


def srgb_to_linear(c: np.ndarray) -> np.ndarray:
    c = np.clip(np.asarray(c, np.float64), 0, 1)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055)**2.4)


def linear_to_srgb(c: np.ndarray) -> np.ndarray:
    c = np.clip(np.asarray(c, np.float64), 0, 1)
    return np.where(c <= 0.0031308, c * 12.92, 1.055 * c**(1 / 2.4) - 0.055)


def vertex_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """(V, 3) unit normals: area-weighted sums of the faces' normals."""
    tri = vertices[faces]
    face_n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    normals = np.zeros_like(vertices)
    for k in range(3):
        np.add.at(normals, faces[:, k], face_n)
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    return normals / np.where(length > 0, length, 1)


def glb_bytes(vertices: np.ndarray,
              faces: np.ndarray,
              vertex_colors: Optional[np.ndarray] = None) -> bytes:
    """The .glb file of a triangle mesh; colours (V, 3) sRGB in [0, 1]."""
    verts = np.ascontiguousarray(vertices, np.float32).reshape(-1, 3)
    tris = np.ascontiguousarray(faces, np.uint32).reshape(-1, 3)
    arrays = [('POSITION', verts),
              ('NORMAL', vertex_normals(verts, tris).astype(np.float32))]
    if vertex_colors is not None:
        arrays.append(
            ('COLOR_0',
             srgb_to_linear(vertex_colors).astype(np.float32).reshape(-1, 3)))
    blobs, views, accessors, attributes = [], [], [], {}
    offset = 0
    for name, data in arrays + [('indices', tris.reshape(-1))]:
        blob = data.tobytes()
        views.append(
            dict(
                buffer=0,
                byteOffset=offset,
                byteLength=len(blob),
                target=34963 if name == 'indices' else 34962))
        accessor = dict(
            bufferView=len(views) - 1,
            count=len(data),
            componentType=UINT32 if name == 'indices' else FLOAT,
            type='SCALAR' if name == 'indices' else 'VEC3')
        if name == 'POSITION':  # the spec requires its bounds
            accessor.update(
                min=verts.min(0).tolist(), max=verts.max(0).tolist())
        accessors.append(accessor)
        if name != 'indices':
            attributes[name] = len(accessors) - 1
        blobs.append(blob)
        offset += len(blob)  # every element is 4 bytes: stays aligned
    gltf = dict(
        asset=dict(version='2.0', generator='mmssr'),
        scene=0,
        scenes=[dict(nodes=[0])],
        nodes=[dict(mesh=0)],
        meshes=[
            dict(primitives=[
                dict(
                    attributes=attributes,
                    indices=len(accessors) - 1,
                    material=0,
                    mode=4)
            ])
        ],
        materials=[
            dict(
                pbrMetallicRoughness=dict(
                    baseColorFactor=[1, 1, 1, 1],
                    metallicFactor=0.0,
                    roughnessFactor=0.9),
                doubleSided=True)
        ],
        accessors=accessors,
        bufferViews=views,
        buffers=[dict(byteLength=offset)])
    text = json.dumps(gltf, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 4)
    binary = b''.join(blobs)
    binary += b'\0' * (-len(binary) % 4)
    total = 12 + 8 + len(text) + 8 + len(binary)
    return b''.join([
        GLB_MAGIC,
        struct.pack('<II', 2, total),
        struct.pack('<II', len(text), CHUNK_JSON), text,
        struct.pack('<II', len(binary), CHUNK_BIN), binary
    ])


def write_glb(path: str,
              vertices: np.ndarray,
              faces: np.ndarray,
              vertex_colors: Optional[np.ndarray] = None) -> None:
    """Write :func:`glb_bytes` to ``path``, whole or not at all."""
    write_bytes_atomic(path, glb_bytes(vertices, faces, vertex_colors))


def read_glb(path: str) -> Dict[str, np.ndarray]:
    """First primitive of a .glb with its buffer in the binary chunk.

    Returns ``vertices`` (V, 3), ``faces`` (F, 3) and, when the file has
    them, ``normals`` and ``vertex_colors`` (V, 3) as sRGB in [0, 1]
    (``COLOR_0`` is linear in glTF; integer colours are normalised).
    """
    with open(path, 'rb') as f:
        data = f.read()
    if data[:4] != GLB_MAGIC:
        raise ValueError(f'{path}: not a binary glTF file')
    size, kind = struct.unpack_from('<II', data, 12)
    if kind != CHUNK_JSON:
        raise ValueError(f'{path}: the first chunk is not JSON')
    gltf = json.loads(data[20:20 + size])
    start = 20 + size
    bin_size, bin_kind = struct.unpack_from('<II', data, start)
    if bin_kind != CHUNK_BIN:
        raise ValueError(f'{path}: no binary chunk')
    binary = data[start + 8:start + 8 + bin_size]

    def accessor(index: int) -> np.ndarray:
        acc = gltf['accessors'][index]
        view = gltf['bufferViews'][acc['bufferView']]
        dtype = np.dtype(COMPONENTS[acc['componentType']])
        width = WIDTHS[acc['type']]
        begin = view.get('byteOffset', 0) + acc.get('byteOffset', 0)
        stride = view.get('byteStride', width * dtype.itemsize)
        rows = np.ndarray((acc['count'], width), dtype, binary, begin,
                          (stride, dtype.itemsize))
        out = rows.astype(np.float64 if dtype.kind == 'f' else np.int64)
        if acc.get('normalized') and dtype.kind != 'f':
            out = out / np.iinfo(dtype).max
        return out

    prim = gltf['meshes'][0]['primitives'][0]
    attrs = prim['attributes']
    out = dict(
        vertices=accessor(attrs['POSITION']),
        faces=accessor(prim['indices']).reshape(-1, 3))
    if 'NORMAL' in attrs:
        out['normals'] = accessor(attrs['NORMAL'])
    if 'COLOR_0' in attrs:
        out['vertex_colors'] = linear_to_srgb(
            accessor(attrs['COLOR_0'])[:, :3])
    return out
