"""Print a config with its _base_ files merged: ``print_config.py CONFIG``.

    python tools/misc/print_config.py CONFIG [--cfg-options k=v ...]

What the runner will see, after inheritance and overrides: the quickest way
to check a child config that "reads as a diff" does what you meant.
"""
import argparse

from mmengine.config import Config, DictAction

from mmssr.cli import add_debug_argument, cli_main
from mmssr.errors import ConfigError
from mmssr.utils.config_errors import check_cfg_option_types


@cli_main
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings, e.g. train_cfg.max_iters=10')
    add_debug_argument(parser)
    args = parser.parse_args()
    try:
        cfg = Config.fromfile(args.config)
    except (FileNotFoundError, OSError, SyntaxError) as err:
        raise ConfigError(f'{args.config}: not a readable config ({err})')
    if args.cfg_options:
        check_cfg_option_types(cfg, args.cfg_options)
        cfg.merge_from_dict(args.cfg_options)
    print(cfg.pretty_text)
    return 0


if __name__ == '__main__':
    main()
