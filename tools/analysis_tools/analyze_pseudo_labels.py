"""How good are SiamVP's pseudo-labels? Coverage and accuracy against τ.

    python tools/analysis_tools/analyze_pseudo_labels.py CONFIG CHECKPOINT \
        [--thresholds 0 0.5 0.8 0.9] [--reference first|all] \
        [--confidence probability|margin] [--rotation-check] \
        [--out table.json]

Loads the SSR model of CHECKPOINT, asks it for the viewpoint of every view
of every unlabeled training object (the model's semi_train_cfg from CONFIG,
with the options given here overriding it) and compares the answers
with the stored view order, a diagnostic the training never sees. Prints,
for each threshold τ: coverage (accepted views), exact accuracy, accuracy
within one view (15°), the share of accepted views that are the opposite
view (180°, the front/back confusion of symmetric objects), and the objects
with at least two accepted views (those SSR trains on); then the same per
category at the config's τ, with the reference objects' agreement (the
share of views on which every labeled object alone names the same view: an
estimate of whether viewpoints transfer that reads no hidden view id).
"""
import argparse
import os

import numpy as np
import torch
from mmengine.config import Config
from mmengine.fileio import dump
from mmengine.runner import load_checkpoint

from mmssr.registry import DATASETS, MODELS
from mmssr.structures import NUM_VIEWS
from mmssr.utils import register_all_modules


def label_stats(views: torch.Tensor, conf: torch.Tensor,
                threshold: float) -> dict:
    """Coverage and accuracies of the views accepted at ``threshold``."""
    truth = torch.arange(NUM_VIEWS).expand_as(views)
    accepted = conf > threshold
    num = int(accepted.sum())
    offset = ((views - truth) % NUM_VIEWS)[accepted]
    # views apart on the circle
    ring = torch.minimum(offset, NUM_VIEWS - offset)

    def share(mask) -> float:
        return float(mask.float().mean()) if num else float('nan')

    return dict(
        threshold=threshold,
        coverage=num / max(views.numel(), 1),
        exact=share(ring == 0),
        within_one=share(ring <= 1),
        opposite=share(ring == NUM_VIEWS // 2),
        eligible_objects=int((accepted.sum(1) >= 2).sum()),
        objects=int(views.shape[0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument(
        '--thresholds',
        type=float,
        nargs='+',
        default=[0.0, 0.5, 0.8, 0.9, 0.95])
    parser.add_argument('--reference', choices=['first', 'all'])
    parser.add_argument('--confidence', choices=['probability', 'margin'])
    parser.add_argument('--rotation-check', action='store_true')
    parser.add_argument('--out', help='write the figures as JSON here')
    args = parser.parse_args()

    register_all_modules()
    cfg = Config.fromfile(args.config)
    if 'semi_train_cfg' not in cfg.model:
        raise SystemExit(f'error: {args.config}: model.semi_train_cfg is '
                         'missing (an SSR config is needed)')
    options = {
        key: value
        for key, value in dict(
            reference=args.reference,
            confidence=args.confidence,
            rotation_check=args.rotation_check or None).items() if value
    }
    cfg.model.semi_train_cfg.update(options)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    unlabeled = dataset.unlabeled
    if unlabeled.pseudo_labels.dim() != 2:  # images from a views file
        raise SystemExit(f'error: {args.config}: the unlabeled images are '
                         'not on the 24-view grid; use tools/analysis_tools/'
                         'analyze_pseudo_cameras.py')
    model = MODELS.build(cfg.model)
    load_checkpoint(
        model, args.checkpoint, map_location='cpu', logger='silent')
    rule = model.semi_train_cfg
    views = torch.full((unlabeled.num_objects, NUM_VIEWS), -1)
    conf = torch.zeros(unlabeled.num_objects, NUM_VIEWS)
    agreement = {}
    for query in dataset.pseudo_label_queries():
        found, confidence, agree = model.viewpoint_confidence(
            query.images, query.references)
        views[query.objects] = found.view(len(query.objects), NUM_VIEWS)
        conf[query.objects] = confidence.view(len(query.objects), NUM_VIEWS)
        agreement.setdefault(query.category, []).append(
            (agree, len(query.objects)))

    print(f'SiamVP pseudo-labels of {unlabeled.num_objects} unlabeled objects'
          f' x {NUM_VIEWS} views, reference={rule.reference}, confidence='
          f'{rule.confidence}, rotation_check={rule.rotation_check}; '
          f'checkpoint {args.checkpoint}')
    print('| tau | coverage | exact | within 1 view | opposite view | '
          'objects with >= 2 views |')
    print('|---|---|---|---|---|---|')
    rows = []
    for tau in args.thresholds:
        s = label_stats(views, conf, tau)
        rows.append(s)
        print(f'| {tau:g} | {s["coverage"]:.3f} | {s["exact"]:.3f} | '
              f'{s["within_one"]:.3f} | {s["opposite"]:.3f} | '
              f'{s["eligible_objects"]}/{s["objects"]} |')

    tau = rule.threshold
    cats = np.asarray(unlabeled.object_categories)
    print(f'\nper category at the config\'s tau = {tau:g}')
    print('| category | coverage | exact | within 1 view | opposite view | '
          'reference agreement |')
    print('|---|---|---|---|---|---|')
    per_category = {}
    for name in dict.fromkeys(unlabeled.object_categories):
        rows_of = torch.from_numpy(np.nonzero(cats == name)[0])
        s = label_stats(views[rows_of], conf[rows_of], tau)
        parts = agreement.get(name, [])
        weight = sum(n for a, n in parts if a == a)
        s['agreement'] = (
            sum(a * n for a, n in parts if a == a) /
            weight if weight else float('nan'))
        per_category[name] = s
        print(f'| {name} | {s["coverage"]:.3f} | {s["exact"]:.3f} | '
              f'{s["within_one"]:.3f} | {s["opposite"]:.3f} | '
              f'{s["agreement"]:.3f} |')
    if args.out:
        tmp = args.out + '.tmp'
        dump(
            dict(thresholds=rows, per_category=per_category),
            tmp,
            file_format='json',
            indent=1)
        os.replace(tmp, args.out)


if __name__ == '__main__':
    main()
