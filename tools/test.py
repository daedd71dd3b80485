"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT``."""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.fileio import dump
from mmengine.runner import Runner

from mmssr.cli import add_debug_argument, cli_main
from mmssr.errors import UserError
from mmssr.utils import (close_process_group, load_checkpoint_strict,
                         prepare_runner_cfg, refuse_unsafe_checkpoints,
                         register_all_modules)
from mmssr.utils.config_errors import CURRENT_CONFIG, check_cfg_option_types
from mmssr.utils.fileio import atomic_write


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Test an mmssr model (per-category voxel IoU)')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where logs and results go')
    parser.add_argument(
        '--out', help='also write the metrics to this JSON file')
    parser.add_argument(
        '--checkpoint-prefix',
        help='load only the weights under this key prefix, without it: '
        '"reconstructor." evaluates the reconstructor of an SSR checkpoint '
        'with a SoftRas config')
    parser.add_argument(
        '--show-dir',
        help='write the predicted mesh (.ply) and an image of input | '
        'prediction renders | ground-truth silhouettes for --show-num test '
        'views into this folder')
    parser.add_argument(
        '--show-num',
        type=int,
        default=8,
        help='how many test views --show-dir shows')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. '
        'test_dataloader.dataset.views=[0,6,12,18]')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    add_debug_argument(parser)
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


@cli_main
def main() -> None:
    args = parse_args()
    if args.out is not None:
        check_out_path(args.out)
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    CURRENT_CONFIG['cfg'] = cfg
    if args.cfg_options is not None:
        check_cfg_option_types(cfg, args.cfg_options)
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    # the runner loads checkpoints leniently (a warning for missing keys);
    # load strictly here instead: a checkpoint of another model type, image
    # size or template size is a clear error, not the IoU of random weights
    cfg.load_from = None
    if args.show_dir is not None:
        if args.show_num < 1:
            raise UserError(f'--show-num {args.show_num}: expected >= 1')
        cfg.custom_hooks = list(cfg.get('custom_hooks', None) or []) + [
            dict(
                type='TestShowHook', out_dir=args.show_dir, num=args.show_num)
        ]
    prepare_runner_cfg(cfg)
    runner = Runner.from_cfg(cfg)
    with refuse_unsafe_checkpoints(args.checkpoint):
        load_checkpoint_strict(
            runner.model,
            args.checkpoint,
            prefix=args.checkpoint_prefix,
            logger=runner.logger)
        metrics = runner.test()
    close_process_group()
    if args.out is not None:
        dump_json(metrics, args.out)
        print(f'metrics written to {args.out}')


def check_out_path(path: str) -> None:
    """``--out`` must name a file, checked before the (long) test run."""
    if osp.isdir(path) or path.endswith(('/', os.sep)):
        raise UserError(f'--out {path}: expected a JSON file path, got a '
                        'directory')


def dump_json(data: dict, path: str) -> None:
    """Write the metrics JSON atomically (umask mode, no leftovers)."""
    check_out_path(path)
    try:
        with atomic_write(path, suffix='.json.tmp') as tmp:
            dump({
                k: float(v)
                for k, v in data.items()
            },
                 tmp,
                 file_format='json',
                 indent=2)
    except OSError as err:
        reason = getattr(err, 'reason', None) or err.strerror or err
        raise UserError(f'--out {path}: cannot write the metrics '
                        f'({reason})') from None


if __name__ == '__main__':
    main()
