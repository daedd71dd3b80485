"""Pseudo-label cameras of a checkpoint: grid snapping against refinement.

    python tools/analysis_tools/analyze_pseudo_cameras.py CONFIG CHECKPOINT \
        [--cfg-options model.semi_train_cfg.refine.rounds=8 ...] \
        [--max-objects K] [--out cameras.json]

Loads the SSR model of CHECKPOINT and runs one pseudo-labelling pass of
CONFIG's rule (its ``semi_train_cfg``, the gate ignored) over the unlabeled
training images of CONFIG's dataset, timing it. For the accepted images it
compares with their true cameras (a diagnostic the training never sees):
the retrieved grid view's camera (snapping, the method without
refinement) and, when the config has ``semi_train_cfg.refine``, the
refined camera (with ``refine.hypotheses`` > 1 the grid view is still
SiamVP's first answer, from a second pass without refinement that the time
leaves out). Prints the mean absolute azimuth and elevation errors (°),
the mean relative distance error, their medians, and the pass's time;
with refinement also the refined cameras grouped by their silhouette IoU
(the only fit training can see without true cameras, and what
``refine.min_iou`` gates on): how many, their errors, and the shares that
are a wrong view (azimuth off by more than 45°) and the opposite one
(more than 135°).
"""
import argparse
import time
from dataclasses import replace

import numpy as np
from mmengine.config import Config, DictAction
from mmengine.fileio import dump
from mmengine.runner import load_checkpoint

from mmssr.cli import add_debug_argument, cli_main
from mmssr.registry import DATASETS, MODELS
from mmssr.structures.view_cameras import grid_cameras, wrap_degrees
from mmssr.utils import register_all_modules


def error_summary(cameras: np.ndarray, true: np.ndarray) -> dict:
    """Mean and median absolute errors of cameras (K, 3) against truth."""
    known = np.isfinite(cameras).all(1) & np.isfinite(true).all(1)
    cameras, true = cameras[known].astype(float), true[known].astype(float)
    errors = np.stack([
        np.abs(wrap_degrees(cameras[:, 0] - true[:, 0])),
        np.abs(cameras[:, 1] - true[:, 1]),
        np.abs(cameras[:, 2] - true[:, 2]) / true[:, 2]
    ], 1)
    out = dict(count=int(known.sum()))
    for i, name in enumerate(('azimuth', 'elevation', 'distance')):
        out[name] = float(errors[:, i].mean()) if len(errors) else np.nan
        out[f'{name}_median'] = float(np.median(
            errors[:, i])) if len(errors) else np.nan
    return out


IOU_BANDS = (0.0, 0.6, 0.7, 0.8, 0.9, 1.0)


def errors_by_fit(cameras: np.ndarray, true: np.ndarray,
                  fit: np.ndarray) -> list:
    """Error summaries of the refined cameras in each band of silhouette
    IoU (:data:`IOU_BANDS`), with the shares of wrong and opposite views."""
    bands = []
    known = np.isfinite(cameras).all(1) & np.isfinite(true).all(1)
    for low, high in zip(IOU_BANDS[:-1], IOU_BANDS[1:]):
        inside = known & (fit >= low) & ((fit < high) | (high == 1.0))
        found = error_summary(cameras[inside], true[inside])
        azimuth = np.abs(wrap_degrees(cameras[inside, 0] - true[inside, 0]))
        for limit in (45, 135):
            found[f'azimuth_over_{limit}'] = (float(
                (azimuth > limit).mean()) if len(azimuth) else np.nan)
        bands.append(dict(found, low=low, high=high))
    return bands


def format_band(band: dict) -> str:
    return (f'| {band["low"]:.1f}-{band["high"]:.1f} | {band["count"]} | '
            f'{band["azimuth"]:.2f} | {band["elevation"]:.2f} | '
            f'{band["distance"]:.3f} | {band["azimuth_over_45"]:.3f} | '
            f'{band["azimuth_over_135"]:.3f} |')


def format_row(name: str, found: dict) -> str:
    return (f'| {name} | {found["count"]} | {found["azimuth"]:.2f} '
            f'({found["azimuth_median"]:.2f}) | {found["elevation"]:.2f} '
            f'({found["elevation_median"]:.2f}) | {found["distance"]:.3f} '
            f'({found["distance_median"]:.3f}) |')


def pseudo_label(model, query):
    return model.pseudo_label(
        query.images,
        query.references,
        query.stored_views,
        image_objects=query.image_objects,
        stored_cameras=query.stored_cameras)


@cli_main
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--max-objects', type=int, help='per category')
    parser.add_argument('--out', help='write the figures as JSON')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    add_debug_argument(parser)
    args = parser.parse_args()
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    dataset_cfg = dict(cfg.train_dataloader.dataset, pipeline=[])
    if args.max_objects:
        dataset_cfg['max_unlabeled'] = args.max_objects
    dataset = DATASETS.build(dataset_cfg)
    model = MODELS.build(cfg.model)
    load_checkpoint(model, args.checkpoint, map_location='cpu')
    model.eval()
    table = dataset.unlabeled.pseudo_table
    refine = model.semi_train_cfg.refine
    snapped = np.full((table.num_images, 3), np.nan, np.float32)
    refined = snapped.copy()
    fit = np.full(table.num_images, np.nan, np.float32)
    seconds = 0.0
    for query in dataset.pseudo_label_queries():
        start = time.perf_counter()
        found = pseudo_label(model, query)
        seconds += time.perf_counter() - start
        if refine is not None:
            refined[query.image_indices] = found.cameras.numpy()
            fit[query.image_indices] = found.silhouette_iou.numpy()
        if refine is not None and refine.hypotheses > 1:
            # the grid view SiamVP names first, not the winning hypothesis'
            model.semi_train_cfg = replace(model.semi_train_cfg, refine=None)
            found = pseudo_label(model, query)
            model.semi_train_cfg = replace(
                model.semi_train_cfg, refine=refine)
        views = found.views.numpy()
        accepted = query.image_indices[views >= 0]
        snapped[accepted] = grid_cameras(views[views >= 0])
    results = dict(
        images=table.num_images,
        seconds=seconds,
        refine=str(refine),
        snapped=error_summary(snapped, table.true_cameras))
    lines = [
        f'{table.num_images} unlabeled images, pass in {seconds:.1f} s', '',
        '| cameras | accepted | azimuth ° mean (median) | elevation ° |'
        ' distance, relative |', '|---|---|---|---|---|',
        format_row('retrieved grid view', results['snapped'])
    ]
    if refine is not None:
        results['refined'] = error_summary(refined, table.true_cameras)
        lines.append(format_row('refined', results['refined']))
        results['refined_by_silhouette_iou'] = errors_by_fit(
            refined, table.true_cameras, fit)
        lines += [
            '', 'refined cameras by silhouette IoU:', '',
            '| silhouette IoU | accepted | azimuth ° mean | elevation ° mean |'
            ' distance, relative | azimuth > 45° | azimuth > 135° |',
            '|---|---|---|---|---|---|---|'
        ] + [format_band(b) for b in results['refined_by_silhouette_iou']]
    print('\n'.join(lines))
    if args.out:
        dump(results, args.out, indent=1)
    return 0


if __name__ == '__main__':
    main()
