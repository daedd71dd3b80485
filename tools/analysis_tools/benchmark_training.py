"""Where a training step's time goes: renderer, convolutions, the rest.

    python tools/analysis_tools/benchmark_training.py CONFIG \
        [--iters 20] [--warmup 5] [--threads N] [--cfg-options K=V ...] \
        [--row NAME K=V [K=V ...]] ...

Builds the config's model, optimizers and train dataloader (no Runner loop,
no hooks), draws ``warmup + iters`` batches, then times ``train_step`` on
them: once plainly (the step time) and once under ``torch.profiler`` (the
breakdown). SSR configs get the true viewpoints of every unlabeled view as
their pseudo-label table first (``--pseudo-labels none`` leaves it empty),
so that the batches are those of the steady state: labeled plus
pseudo-labelled pairs.

Each ``--row NAME K=V ...`` adds a row: the config with those options on top
of ``--cfg-options`` (e.g. ``--row torch-renderer
model.reconstructor.renderer.backend=torch``); every row runs in a fresh
process. The table gives per row the step time (ms, without the profiler),
data loading per batch, and the shares of

- renderer: the ``mmssr.renderer`` scope (forward) and the renderer's
  autograd functions (backward);
- convolutions: convolution ops and their backward (encoder and SiamVP);
- fully connected: ``linear``/``addmm``/``mm`` and their backward;
- optimizer: ``Optimizer.step`` and ``zero_grad``;
- rest: everything else (element-wise ops, losses, the preprocessor,
  Python).

The shares come from the profiled steps and are applied to the plain step
time. No timing is asserted anywhere; this tool only prints.
"""
import argparse
import json
import multiprocessing as mp
import os
import os.path as osp
import re
import tempfile
import time
from typing import Dict, List, Sequence

CATEGORIES = ('renderer', 'convolutions', 'fully connected', 'optimizer')
_RENDERER = re.compile(r'mmssr\.renderer|_FusedSilhouette|_SoftSilhouette')
_CONV = re.compile(r'convolution|conv2d|Convolution', re.IGNORECASE)
_LINEAR = re.compile(r'aten::(linear|addmm|mm|matmul)$|AddmmBackward|'
                     r'MmBackward|LinearBackward')
_OPTIM = re.compile(r'^Optimizer\.(step|zero_grad)')


def category(name: str):
    """The breakdown category of a profiler event name (None: the rest)."""
    if _RENDERER.search(name):
        return 'renderer'
    if _CONV.search(name) and 'convert' not in name.lower():
        return 'convolutions'
    if _LINEAR.search(name):
        return 'fully connected'
    if _OPTIM.search(name):
        return 'optimizer'
    return None


def breakdown(events) -> Dict[str, float]:
    """Microseconds per category, each event counted once: an event inside
    a categorized ancestor belongs to the ancestor."""
    totals = dict.fromkeys(CATEGORIES, 0.0)
    for ev in events:
        cat = category(ev.name)
        if cat is None:
            continue
        parent, nested = ev.cpu_parent, False
        while parent is not None:
            if category(parent.name) is not None:
                nested = True
                break
            parent = parent.cpu_parent
        if not nested:
            totals[cat] += ev.cpu_time_total
    return totals


def build(config: str, options: Sequence[str], work_dir: str):
    from mmengine.config import Config, DictAction
    from mmengine.runner import Runner

    from mmssr.utils import prepare_runner_cfg, register_all_modules
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(config)
    if options:
        parsed = argparse.ArgumentParser()
        parsed.add_argument('--o', nargs='+', action=DictAction)
        cfg.merge_from_dict(parsed.parse_args(['--o', *options]).o)
    cfg.work_dir = work_dir
    cfg.custom_hooks = []
    cfg.visualizer = dict(type='Visualizer', vis_backends=[])
    prepare_runner_cfg(cfg)
    runner = Runner.from_cfg(cfg)
    optim_wrapper = runner.build_optim_wrapper(cfg.optim_wrapper)
    loader = runner.build_dataloader(cfg.train_dataloader)
    return runner.model, optim_wrapper, loader


def set_true_pseudo_labels(dataset) -> None:
    """Give an SSR train set the true viewpoints of its unlabeled views
    (other train sets have none)."""
    if not hasattr(dataset, 'unlabeled'):
        return
    import numpy as np

    from mmssr.structures import all_view_ids
    unlabeled = dataset.unlabeled
    unlabeled.set_pseudo_labels(
        np.tile(all_view_ids(), (unlabeled.num_objects, 1)))


def measure(config: str, options: Sequence[str], iters: int, warmup: int,
            threads: int, pseudo_labels: str) -> dict:
    import torch
    torch.set_num_threads(threads)
    import warnings
    warnings.simplefilter('ignore')
    with tempfile.TemporaryDirectory() as work_dir:
        model, optim_wrapper, loader = build(config, options, work_dir)
        if pseudo_labels == 'true':
            set_true_pseudo_labels(loader.dataset)
        model.train()
        # CUDA runs asynchronously: wait for it before reading a clock
        sync = torch.cuda.synchronize if torch.cuda.is_available() else (
            lambda: None)
        t0 = time.perf_counter()
        batches, it = [], iter(loader)
        for _ in range(warmup + 2 * iters):
            batches.append(next(it))
        data_ms = (time.perf_counter() - t0) * 1e3 / len(batches)
        t0 = time.perf_counter()
        model.train_step(batches[0], optim_wrapper)  # JIT compile, caches
        sync()
        first_ms = (time.perf_counter() - t0) * 1e3
        for batch in batches[1:warmup]:
            model.train_step(batch, optim_wrapper)
        timed = batches[warmup:warmup + iters]
        sync()
        t0 = time.perf_counter()
        for batch in timed:
            model.train_step(batch, optim_wrapper)
        sync()
        step_ms = (time.perf_counter() - t0) * 1e3 / iters
        profiled = batches[warmup + iters:]
        with torch.profiler.profile(
                activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
            t0 = time.perf_counter()
            for batch in profiled:
                model.train_step(batch, optim_wrapper)
            sync()
            prof_ms = (time.perf_counter() - t0) * 1e3
        totals = breakdown(prof.events())
    shares = {k: v / 1e3 / prof_ms for k, v in totals.items()}
    shares['rest'] = max(0.0, 1.0 - sum(shares.values()))
    return dict(
        step_ms=step_ms,
        data_ms=data_ms,
        first_ms=first_ms,
        shares=shares,
        batch=len(batches[0]['inputs']))


def _worker(queue, *args):
    os.environ.setdefault('KINETO_LOG_LEVEL', '5')  # no profiler chatter
    try:
        queue.put(measure(*args))
    except Exception as exc:  # reported in the table, not as a traceback
        queue.put(dict(error=f'{type(exc).__name__}: {exc}'))


def run_row(*args) -> dict:
    ctx = mp.get_context('spawn')
    queue = ctx.Queue()
    proc = ctx.Process(target=_worker, args=(queue, ) + args)
    proc.start()
    result = queue.get()
    proc.join()
    return result


def format_table(rows: List[tuple]) -> str:
    cols = ['row', 'batch', 'step ms', 'data ms/batch', 'first step ms'
            ] + [f'{c} ms (%)' for c in (*CATEGORIES, 'rest')]
    lines = ['| ' + ' | '.join(cols) + ' |', '|' + '---|' * len(cols)]
    for name, r in rows:
        if 'error' in r:
            lines.append(f'| {name} | failed: {r["error"]} |')
            continue
        cells = [
            name,
            str(r['batch']), f'{r["step_ms"]:.1f}', f'{r["data_ms"]:.1f}',
            f'{r["first_ms"]:.0f}'
        ]
        for c in (*CATEGORIES, 'rest'):
            share = r['shares'][c]
            cells.append(f'{share * r["step_ms"]:.1f} ({share:.0%})')
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def main() -> None:
    from mmssr.cli import add_debug_argument, cli_main
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--iters', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument(
        '--threads', type=int, default=min(os.cpu_count() or 1, 16))
    parser.add_argument(
        '--pseudo-labels',
        choices=['true', 'none'],
        default='true',
        help="SSR: fill the pseudo-label table with the true viewpoints "
        "('true', the steady state) or leave it empty ('none')")
    parser.add_argument('--cfg-options', nargs='+', default=[])
    parser.add_argument(
        '--row',
        nargs='+',
        action='append',
        metavar='NAME [K=V ...]',
        help='an extra row: a name and options on top of --cfg-options')
    parser.add_argument('--out', help='also write the results as JSON')
    add_debug_argument(parser)

    @cli_main
    def run() -> None:
        args = parser.parse_args()
        if args.iters < 1 or args.warmup < 1:
            parser.error('--iters and --warmup must be >= 1')
        if not osp.isfile(args.config):
            raise FileNotFoundError(f'{args.config}: no such config file')
        import torch
        plan = [('config', [])] + [(r[0], r[1:]) for r in args.row or []]
        print(
            f'{args.config}: torch {torch.__version__}, {args.threads} '
            f'threads, {os.cpu_count()} cores; {args.iters} steps timed '
            f'after {args.warmup} warm-up steps',
            flush=True)
        rows = []
        for name, extra in plan:
            rows.append(
                (name,
                 run_row(args.config, [*args.cfg_options, *extra], args.iters,
                         args.warmup, args.threads, args.pseudo_labels)))
            print(f'  {name}: done', flush=True)
        print(format_table(rows))
        if args.out:
            with open(args.out, 'w') as f:
                json.dump(dict(rows), f, indent=1)

    run()


if __name__ == '__main__':
    main()
