"""Surface metrics of a predicted mesh against stored surface points.

Pure functions on numpy arrays (docs/advanced_guides/conventions.md#metric);
the predicted surface is sampled by :func:`mmssr.geometry.sample_surface`:

- :func:`chamfer_and_fscore`: Chamfer-L1 / -L2 (mean of the two directed
  means), F-score at distance thresholds (Tatarchenko et al., CVPR 2019) and
  normal consistency (mean ``|cos|`` between the normals of nearest
  neighbours, both directions).

Nearest neighbours come from a KD-tree: ``scipy.spatial.cKDTree`` when scipy
is installed, else open3d's ``KDTreeFlann``.
"""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np


def _as_numpy(x) -> np.ndarray:
    if hasattr(x, 'detach'):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def nearest_neighbours(query: np.ndarray,
                       reference: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Distance (Q,) and index (Q,) of each query point's nearest reference.

    Uses ``scipy.spatial.cKDTree``, or open3d's ``KDTreeFlann`` without
    scipy.
    """
    query = np.ascontiguousarray(query, dtype=np.float64)
    reference = np.ascontiguousarray(reference, dtype=np.float64)
    try:
        from scipy.spatial import cKDTree
    except ImportError:  # pragma: no cover - scipy is normally there
        return _nearest_open3d(query, reference)
    dist, index = cKDTree(reference).query(query, k=1)
    return dist, index.astype(np.int64)


def _nearest_open3d(query: np.ndarray,
                    reference: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    from mmssr.utils.misc import import_open3d
    o3d = import_open3d()
    cloud = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(reference))
    tree = o3d.geometry.KDTreeFlann(cloud)
    index = np.empty(len(query), dtype=np.int64)
    for i, point in enumerate(query):  # open3d has no batched query
        index[i] = tree.search_knn_vector_3d(point, 1)[1][0]
    dist = np.linalg.norm(query - reference[index], axis=1)
    return dist, index


def _check_points(name: str, points: np.ndarray) -> np.ndarray:
    points = _as_numpy(points).astype(np.float64)
    if points.ndim != 2 or points.shape[1] != 3 or len(points) == 0:
        raise ValueError(f'{name} must be (N >= 1, 3), got {points.shape}')
    return points


def _abs_cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    na = np.linalg.norm(a, axis=1)
    nb = np.linalg.norm(b, axis=1)
    return np.abs((a * b).sum(1)) / np.maximum(na * nb, 1e-12)


def chamfer_and_fscore(
    pred_pts,
    pred_normals: Optional[np.ndarray],
    gt_pts,
    gt_normals: Optional[np.ndarray],
    thresholds: Sequence[float] = (0.01, 0.02)
) -> Dict[str, float]:
    """Surface scores of predicted points against ground-truth points.

    Returns a dict with
        - ``chamfer_l1``: ``(mean_p d(p, G) + mean_g d(g, P)) / 2``, Euclidean;
        - ``chamfer_l2``: the same with squared distances;
        - ``precision@t``, ``recall@t``, ``fscore@t`` for each threshold t:
          the share of predicted points within t of the ground truth, the
          share of ground-truth points within t of the prediction, and their
          harmonic mean (0 when both are 0);
        - ``normal_consistency``: ``(mean_p |cos(n_p, n_NN(p))| + mean_g
          |cos(n_g, n_NN(g))|) / 2``, only when both normals are given.

    Thresholds are formatted with ``'{:g}'`` in the keys (``fscore@0.01``).
    """
    pred = _check_points('pred_pts', pred_pts)
    gt = _check_points('gt_pts', gt_pts)
    d_pred, i_pred = nearest_neighbours(pred, gt)  # pred -> gt
    d_gt, i_gt = nearest_neighbours(gt, pred)  # gt -> pred
    out = dict(
        chamfer_l1=float(0.5 * (d_pred.mean() + d_gt.mean())),
        chamfer_l2=float(0.5 * ((d_pred**2).mean() + (d_gt**2).mean())))
    for tau in thresholds:
        precision = float((d_pred < tau).mean())
        recall = float((d_gt < tau).mean())
        total = precision + recall
        key = f'{float(tau):g}'
        out[f'precision@{key}'] = precision
        out[f'recall@{key}'] = recall
        out[f'fscore@{key}'] = (2 * precision * recall /
                                total if total > 0 else 0.0)
    if pred_normals is not None and gt_normals is not None:
        pn = _as_numpy(pred_normals).astype(np.float64).reshape(-1, 3)
        gn = _as_numpy(gt_normals).astype(np.float64).reshape(-1, 3)
        if len(pn) != len(pred) or len(gn) != len(gt):
            raise ValueError('one normal per point is needed: '
                             f'{len(pn)} for {len(pred)} predicted, '
                             f'{len(gn)} for {len(gt)} ground-truth points')
        out['normal_consistency'] = float(
            0.5 *
            (_abs_cos(pn, gn[i_pred]).mean() + _abs_cos(gn, pn[i_gt]).mean()))
    return out
