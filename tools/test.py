"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT``."""
import argparse
import os
import os.path as osp
import tempfile

from mmengine.config import Config, DictAction
from mmengine.fileio import dump
from mmengine.runner import Runner

from mmssr.utils import (close_process_group, prepare_runner_cfg,
                         refuse_unsafe_checkpoints, register_all_modules)
from mmssr.utils.config_errors import (CURRENT_CONFIG,
                                       check_cfg_option_types)
from mmssr.utils.errors import cli_main


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Test an mmssr model (per-category voxel IoU)')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where logs and results go')
    parser.add_argument(
        '--out', help='also write the metrics to this JSON file')
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
    parser.add_argument(
        '--debug',
        action='store_true',
        help='show tracebacks of user errors too (or MMSSR_DEBUG=1)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


@cli_main
def main() -> None:
    args = parse_args()
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
    cfg.load_from = args.checkpoint
    prepare_runner_cfg(cfg)
    runner = Runner.from_cfg(cfg)
    with refuse_unsafe_checkpoints(cfg.get('load_from')):
        metrics = runner.test()
    close_process_group()
    if args.out is not None:
        dump_json(metrics, args.out)
        print(f'metrics written to {args.out}')


def dump_json(data: dict, path: str) -> None:
    """Write JSON atomically: a temporary file, then a rename."""
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix='.json.tmp', dir=folder)
    os.close(fd)
    dump({k: float(v) for k, v in data.items()}, tmp, file_format='json',
         indent=2)
    os.replace(tmp, path)


if __name__ == '__main__':
    main()
