"""How long evaluating the SoftRas test split takes: forward passes and IoU.

    python tools/analysis_tools/benchmark_evaluation.py \
        [--config configs/ssr/ssr_shapenet_n2_joint.py] [--checkpoint CKPT] \
        [--objects-per-category 693] [--target-objects 9000]

Generates (once, into ``--data-root``) a synthetic test split of 13
categories at the renders' 64x64, builds the config's model (random weights
unless ``--checkpoint``: the meshes have the template's size either way),
and runs what ``tools/test.py`` runs (the dataset, the config's test
dataloader, ``test_step``, ``ShapeNetIoUMetric``) with a clock around each
part. Prints the times and their linear extrapolation to
``--target-objects`` objects x 24 views (the SoftRas test split has about
9k objects).
"""
import argparse
import time

import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from torch.utils.data import DataLoader

from mmssr.cli import add_debug_argument, cli_main
from mmssr.utils import register_all_modules


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--config', default='configs/ssr/ssr_shapenet_n2_joint.py')
    parser.add_argument('--checkpoint', default=None)
    parser.add_argument('--data-root', default='data/synthetic_eval/')
    parser.add_argument('--objects-per-category', type=int, default=693)
    parser.add_argument('--target-objects', type=int, default=9000)
    parser.add_argument(
        '--batch-size',
        type=int,
        default=None,
        help='test batch size (default: the config\'s)')
    parser.add_argument(
        '--workers',
        type=int,
        default=None,
        help='dataloader workers (default: the config\'s)')
    parser.add_argument('--threads', type=int, default=None)
    add_debug_argument(parser)
    return parser.parse_args()


@cli_main
def main() -> None:
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    register_all_modules()
    from mmssr.apis import init_model
    from mmssr.datasets import ShapeNetDataset
    from mmssr.datasets.synthetic.generator import ensure_synthetic_dataset
    from mmssr.evaluation import ShapeNetIoUMetric

    cfg = Config.fromfile(args.config)
    size = cfg.model.get('image_size') or cfg.model.reconstructor.image_size
    clock = {}
    start = time.perf_counter()
    ensure_synthetic_dataset(
        args.data_root,
        None,
        num_train=1,
        num_val=1,
        num_test=args.objects_per_category,
        image_size=size)
    clock['generate (once)'] = time.perf_counter() - start

    start = time.perf_counter()
    dataset = ShapeNetDataset(
        args.data_root,
        split='test',
        mode='view',
        pipeline=cfg.test_dataloader.dataset.pipeline,
        test_mode=True)
    dataset.full_init()
    clock['load'] = time.perf_counter() - start
    loader_cfg = cfg.test_dataloader
    loader = DataLoader(
        dataset,
        batch_size=args.batch_size or loader_cfg.batch_size,
        num_workers=loader_cfg.num_workers
        if args.workers is None else args.workers,
        collate_fn=pseudo_collate)
    model = init_model(cfg, args.checkpoint)
    metric = ShapeNetIoUMetric()
    metric.dataset_meta = dataset.metainfo
    forward = iou = 0.0
    start = time.perf_counter()
    tick = start
    with torch.no_grad():
        for batch in loader:
            t0 = time.perf_counter()
            outputs = model.test_step(batch)
            t1 = time.perf_counter()
            metric.process(batch, [o.to_dict() for o in outputs])
            t2 = time.perf_counter()
            forward += t1 - t0
            iou += t2 - t1
    loop = time.perf_counter() - tick
    results = metric.compute_metrics(metric.results)
    clock['forward passes'] = forward
    clock['voxelization + IoU'] = iou
    clock['data loading (in the loop)'] = loop - forward - iou
    clock['test loop'] = loop
    objects, views = dataset.num_objects, len(dataset)
    scale = args.target_objects / objects
    print(f'{objects} objects x 24 = {views} views, batch '
          f'{loader.batch_size}, {torch.get_num_threads()} threads, '
          f'mIoU {results["mIoU"]:.3f}')
    print('| part | seconds | ms per view | extrapolated to '
          f'{args.target_objects} objects (min) |')
    print('|---|---|---|---|')
    for name, seconds in clock.items():
        if name == 'generate (once)':
            print(f'| {name} | {seconds:.1f} | - | - |')
            continue
        print(f'| {name} | {seconds:.1f} | {1e3 * seconds / views:.2f} | '
              f'{seconds * scale / 60:.1f} |')
    total = clock['load'] + loop
    print(f'evaluation (load + test loop): {total:.1f} s here; '
          f'{total * scale / 60:.1f} min for {args.target_objects} objects '
          f'(x{scale:.2f}, linear in the views)')


if __name__ == '__main__':
    main()
