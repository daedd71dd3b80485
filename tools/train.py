"""Train a reconstructor: ``python tools/train.py CONFIG [options]``."""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from mmssr.utils import (close_process_group, prepare_runner_cfg,
                         refuse_unsafe_checkpoints, register_all_modules)
from mmssr.utils.config_errors import (CURRENT_CONFIG,
                                       check_cfg_option_types)
from mmssr.utils.errors import cli_main


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
        '--amp', action='store_true', help='automatic mixed precision')
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

    if args.amp:
        optim_wrapper = cfg.optim_wrapper
        if optim_wrapper.get('constructor') == 'MultiOptimWrapperConstructor':
            for key, sub in optim_wrapper.items():
                if isinstance(sub, dict) and 'optimizer' in sub:
                    sub['type'] = 'AmpOptimWrapper'
        else:
            optim_wrapper['type'] = 'AmpOptimWrapper'

    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume

    prepare_runner_cfg(cfg)
    runner = Runner.from_cfg(cfg)
    with refuse_unsafe_checkpoints(cfg.get('load_from')):
        runner.train()
        if args.test:
            runner.test()
    close_process_group()


if __name__ == '__main__':
    main()
