"""Render-and-compare recovers a camera from a silhouette."""
import numpy as np
import pytest
import torch

from mmssr.datasets.synthetic import synthetic_object_mesh
from mmssr.errors import ConfigError
from mmssr.models.reconstructors.camera_refinement import (RefineConfig,
                                                           refine_cameras)
from mmssr.renderer import SoftRasterizer
from mmssr.structures.view_cameras import (camera_errors, cameras_to_eyes,
                                           grid_cameras, nearest_grid_views)

# objects of three families, each seen from a camera off the grid: within
# half a grid step and beyond it (elevation 12 degrees off, distance -9 %)
TRUE = np.array([[-52.0, 34.0, 2.85], [131.0, 26.5, 2.62], [8.0, 42.0, 2.5]],
                np.float32)


def scene():
    renderer = SoftRasterizer(image_size=32, sigma_val=1e-5)
    meshes = [
        synthetic_object_mesh(name, 'train', 0)
        for name in ('car', 'sofa', 'airplane')
    ]
    targets = []
    for (verts, faces, _), cam in zip(meshes, TRUE):
        with torch.no_grad():
            targets.append(
                renderer(
                    torch.as_tensor(verts, dtype=torch.float32)[None],
                    torch.as_tensor(faces),
                    cameras_to_eyes(cam)[None])[0, 3])
    return renderer, meshes, targets


def test_refinement_recovers_a_known_camera_offset():
    renderer, meshes, targets = scene()
    start = grid_cameras(nearest_grid_views(TRUE))  # SiamVP's best answer
    found = []
    for (verts, faces, _), target, cam in zip(meshes, targets, start):
        found.append(
            refine_cameras(renderer,
                           torch.as_tensor(verts, dtype=torch.float32)[None],
                           torch.as_tensor(faces), target[None],
                           torch.as_tensor(cam)[None],
                           RefineConfig()).cameras[0])
    found = torch.stack(found).numpy()
    before = camera_errors(start, TRUE)
    after = camera_errors(found, TRUE)
    assert before['elevation'] > 5 and before['distance'] > 0.04
    # within a degree or two and 2 % of the distance
    assert after['azimuth'] < 2.0, found
    assert after['elevation'] < 2.0, found
    assert after['distance'] < 0.02, found


def test_hypotheses_recover_a_camera_whose_first_answer_is_wrong():
    renderer, meshes, targets = scene()
    right = torch.as_tensor(grid_cameras(nearest_grid_views(TRUE)))
    wrong = right + torch.tensor([90.0, 0.0, 0.0])  # SiamVP's first answer
    cfg = RefineConfig(hypotheses=2)
    found = dict(alone=[], both=[], same=[])
    for i, (verts, faces, _) in enumerate(meshes):
        args = (renderer, torch.as_tensor(verts, dtype=torch.float32)[None],
                torch.as_tensor(faces), targets[i][None])
        found['alone'].append(refine_cameras(*args, wrong[i:i + 1], cfg))
        found['both'].append(
            refine_cameras(*args,
                           torch.stack([wrong[i:i + 1], right[i:i + 1]], 1),
                           cfg))
        # a less probable view must fit better by more than
        # min_improvement: the same camera twice keeps the first
        found['same'].append(
            refine_cameras(*args,
                           torch.stack([right[i:i + 1], right[i:i + 1]], 1),
                           cfg))

    def cameras(key):
        return torch.cat([f.cameras for f in found[key]]).numpy()

    assert all(f.hypothesis is None for f in found['alone'])
    assert camera_errors(cameras('alone'), TRUE)['azimuth'] > 20
    assert [int(f.hypothesis) for f in found['both']] == [1, 1, 1]
    assert camera_errors(cameras('both'), TRUE)['azimuth'] < 2.0
    assert [int(f.hypothesis) for f in found['same']] == [0, 0, 0]
    np.testing.assert_allclose(cameras('same'), cameras('both'))


def test_object_mesh_is_the_mean_of_the_objects_meshes():
    renderer, meshes, targets = scene()
    verts = torch.as_tensor(meshes[0][0], dtype=torch.float32)
    faces = torch.as_tensor(meshes[0][1])
    start = torch.as_tensor(grid_cameras(nearest_grid_views(TRUE[:1])))
    # two noisy copies whose mean is the true mesh, one object
    noise = torch.randn_like(verts) * 0.05
    pair = torch.stack([verts + noise, verts - noise])
    cfg = RefineConfig(mesh='object')
    found = refine_cameras(
        renderer,
        pair,
        faces,
        targets[0][None].expand(2, -1, -1),
        start.expand(2, -1),
        cfg,
        groups=[7, 7])
    alone = refine_cameras(
        renderer, verts[None], faces, targets[0][None], start, cfg, groups=[0])
    torch.testing.assert_close(found.cameras, alone.cameras.expand(2, -1))
    # without objects, each image is fitted with its own mesh
    own = refine_cameras(renderer, pair,
                         faces, targets[0][None].expand(2, -1, -1),
                         start.expand(2, -1), cfg)
    assert not torch.equal(own.cameras, found.cameras)


def test_refine_config_names_bad_settings():
    with pytest.raises(ConfigError, match='refine.rounds'):
        RefineConfig(rounds=-1)
    with pytest.raises(ConfigError, match='refine.hypotheses'):
        RefineConfig(hypotheses=0)
    with pytest.raises(ConfigError, match="did you mean 'rounds'"):
        RefineConfig.from_dict(dict(round=3))
    assert RefineConfig.from_dict(None) is None
    assert RefineConfig.from_dict(
        dict(elevations=[20, 40])).elevations == (20.0, 40.0)
