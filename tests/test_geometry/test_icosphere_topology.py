import numpy as np
import pytest
import torch

from mmssr.geometry import (icosphere, interior_edge_quads, unique_edges,
                            vertex_adjacency)


@pytest.mark.parametrize('sub', [0, 1, 2, 3])
def test_icosphere_counts_unit_norm_and_outward(sub):
    verts, faces = icosphere(sub)
    assert len(verts) == 10 * 4**sub + 2 and len(faces) == 20 * 4**sub
    np.testing.assert_allclose(np.linalg.norm(verts, axis=1), 1.0)
    tri = verts[faces]
    normal = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    assert ((normal * tri.mean(1)).sum(1) > 0).all()
    with pytest.raises(ValueError):
        icosphere(-1)


def test_topology_of_a_closed_mesh():
    _, faces = icosphere(2)
    faces = torch.as_tensor(faces)
    edges = unique_edges(faces)
    assert len(edges) == 480  # E = 3F/2 for a closed triangle mesh
    quads = interior_edge_quads(faces)
    assert len(quads) == len(edges)
    assert (quads[:, 2] != quads[:, 3]).all()
    _, degree = vertex_adjacency(faces, 162)
    assert set(degree.tolist()) == {5, 6}
    assert (degree == 5).sum() == 12  # the icosahedron's corners


def test_open_mesh_edges_are_not_interior():
    faces = torch.tensor([[0, 1, 2], [0, 2, 3]])
    quads = interior_edge_quads(faces)
    assert quads.tolist() == [[0, 2, 1, 3]]
