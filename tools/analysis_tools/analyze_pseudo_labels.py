"""How good are SiamVP's pseudo-labels? Coverage and accuracy against τ.

    python tools/analysis_tools/analyze_pseudo_labels.py CONFIG CHECKPOINT \
        [--thresholds 0 0.5 0.8 0.9] [--reference first|all] \
        [--confidence probability|margin] [--rotation-check] \
        [--out table.json]

Loads the SSR model of CHECKPOINT, asks its SiamVP for the viewpoint of every
view of every unlabeled training object (the SemiSupervisedViewpointHook of
CONFIG, with the options given here overriding it) and compares the answers
with the stored view order, a diagnostic the training never sees. Prints,
for each threshold τ: coverage (accepted views), exact accuracy, accuracy
within one view (15°), the share of accepted views that are the opposite
view (180°, the front/back confusion of symmetric objects), and the objects
with at least two accepted views (those SSR trains on); then the same per
category at the config's τ.
"""
import argparse
import json
import os
import os.path as osp
import sys

import numpy as np
import torch
from mmengine.config import Config
from mmengine.runner import load_checkpoint

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)
from mmssr.engine.hooks import SemiSupervisedViewpointHook  # noqa: E402
from mmssr.registry import DATASETS, MODELS  # noqa: E402
from mmssr.utils import register_all_modules  # noqa: E402


def label_stats(views: torch.Tensor, conf: torch.Tensor,
                threshold: float) -> dict:
    """Coverage and accuracies of the views accepted at ``threshold``."""
    truth = torch.arange(24).expand_as(views)
    accepted = conf > threshold
    num = int(accepted.sum())
    offset = ((views - truth) % 24)[accepted]
    ring = torch.minimum(offset, 24 - offset)  # views apart on the circle

    def share(mask) -> float:
        return float(mask.float().mean()) if num else float('nan')

    return dict(
        threshold=threshold,
        coverage=num / max(views.numel(), 1),
        exact=share(ring == 0),
        within_one=share(ring <= 1),
        opposite=share(ring == 12),
        eligible_objects=int((accepted.sum(1) >= 2).sum()),
        objects=int(views.shape[0]))


def hook_cfg(cfg: Config) -> dict:
    for hook in cfg.get('custom_hooks', []):
        if hook.get('type') == 'SemiSupervisedViewpointHook':
            found = dict(hook)
            found.pop('type')
            return found
    raise KeyError(f'{cfg.filename}: custom_hooks has no '
                   'SemiSupervisedViewpointHook (an SSR config is needed)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--thresholds', type=float, nargs='+',
                        default=[0.0, 0.5, 0.8, 0.9, 0.95])
    parser.add_argument('--reference', choices=['first', 'all'])
    parser.add_argument('--confidence', choices=['probability', 'margin'])
    parser.add_argument('--rotation-check', action='store_true')
    parser.add_argument('--out', help='write the figures as JSON here')
    args = parser.parse_args()

    register_all_modules()
    cfg = Config.fromfile(args.config)
    options = hook_cfg(cfg)
    if args.reference:
        options['reference'] = args.reference
    if args.confidence:
        options['confidence'] = args.confidence
    if args.rotation_check:
        options['rotation_check'] = True
    hook = SemiSupervisedViewpointHook(**options)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    labeled, unlabeled = dataset.datasets
    model = MODELS.build(cfg.model)
    load_checkpoint(model, args.checkpoint, map_location='cpu',
                    logger='silent')
    siamvp = model.siamvp
    views, conf = hook.predict_unlabeled(siamvp, labeled, unlabeled)

    print(f'SiamVP pseudo-labels of {unlabeled.num_objects} unlabeled objects'
          f' x 24 views, reference={hook.reference}, confidence='
          f'{hook.confidence}, rotation_check={hook.rotation_check}; '
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

    tau = hook.confidence_threshold
    cats = np.asarray(unlabeled.object_categories)
    print(f'\nper category at the config\'s tau = {tau:g}')
    print('| category | coverage | exact | within 1 view | opposite view |')
    print('|---|---|---|---|---|')
    per_category = {}
    for name in dict.fromkeys(unlabeled.object_categories):
        rows_of = torch.from_numpy(np.nonzero(cats == name)[0])
        s = label_stats(views[rows_of], conf[rows_of], tau)
        per_category[name] = s
        print(f'| {name} | {s["coverage"]:.3f} | {s["exact"]:.3f} | '
              f'{s["within_one"]:.3f} | {s["opposite"]:.3f} |')
    if args.out:
        tmp = args.out + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(dict(thresholds=rows, per_category=per_category), f,
                      indent=1)
        os.replace(tmp, args.out)


if __name__ == '__main__':
    main()
