"""Train a reconstructor: ``python tools/train.py CONFIG [options]``."""
import argparse
import os
import os.path as osp
from typing import Optional

from mmengine.config import Config, DictAction
from mmengine.logging import print_log
from mmengine.runner import Runner

from mmssr.cli import add_debug_argument, cli_main
from mmssr.engine.per_category import (check_per_category_resume, format_table,
                                       per_category_configs)
from mmssr.errors import ConfigError
from mmssr.utils import (WorkDirLock, check_resume_compatible, check_train_cfg,
                         close_process_group, prepare_runner_cfg,
                         refuse_unsafe_checkpoints, register_all_modules,
                         remove_stale_temp_files, resolve_resume_checkpoint)
from mmssr.utils.amp import enable_amp
from mmssr.utils.config_checks import check_total_batch_size
from mmssr.utils.config_errors import CURRENT_CONFIG, check_cfg_option_types
from mmssr.utils.dist_env import launcher_env


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train an mmssr model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='where logs and checkpoints go')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or without a value from the '
        'latest checkpoint in the work dir')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='automatic mixed precision (float16 autocast and a loss scaler; '
        'needs a GPU)')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rates by the total batch size (processes x '
        'train_dataloader.batch_size) over auto_scale_lr.base_batch_size of '
        'the config')
    parser.add_argument(
        '--test',
        action='store_true',
        help='after training, evaluate the final weights on the test split '
        '(test_dataloader) and print its per-category IoU table')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. train_cfg.max_iters=100')
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

    if args.amp:
        enable_amp(cfg)

    if args.auto_scale_lr:
        if 'base_batch_size' not in cfg.get('auto_scale_lr', {}):
            raise ConfigError('auto_scale_lr.base_batch_size: the config '
                              'must state it to use --auto-scale-lr')
        cfg.auto_scale_lr.enable = True

    check_train_cfg(cfg)
    dist = launcher_env(args.launcher)
    check_total_batch_size(cfg, dist.world_size)
    # train_per_category: one training per category (SSR's Table 2)
    parts = per_category_configs(cfg)
    check_per_category_resume(parts, args.resume)
    results = {}
    for category, part in parts:
        metrics = train(part, args, dist.rank)
        if category is not None and metrics:
            results[category] = metrics
    if len(results) > 1:
        print_log(
            'test mIoU of the per-category models:\n' + format_table(results),
            logger='current')
    close_process_group()


def train(cfg: Config, args: argparse.Namespace, rank: int) -> Optional[dict]:
    """Train one model; its test metrics with ``--test``."""
    metrics = None
    # one training per work dir (rank 0 holds WORK_DIR/.lock); the lock is
    # taken before the runner creates its log in the work dir, so before
    # mmengine sets RANK from srun's or mpirun's variables
    with WorkDirLock(cfg.work_dir, rank=rank) as lock:
        # --resume without a value: the checkpoint WORK_DIR/last_checkpoint
        # names (none: train from scratch); checked before training starts
        resume_from = resolve_resume_checkpoint(cfg.work_dir, args.resume)
        if args.resume is not None:
            cfg.resume = True
            cfg.load_from = resume_from

        prepare_runner_cfg(cfg)
        runner = Runner.from_cfg(cfg)
        if lock.held:
            remove_stale_temp_files(cfg.work_dir, logger=runner.logger)
        with refuse_unsafe_checkpoints(cfg.get('load_from')):
            if resume_from is not None:
                check_resume_compatible(runner.model, cfg.get('optim_wrapper'),
                                        resume_from)
            runner.train()
            if args.test:
                metrics = runner.test()
    return metrics


if __name__ == '__main__':
    main()
