"""The prepared GPU check: everything a first CUDA session should run.

    python tools/misc/gpu_check.py [--out REPORT.md] [--work-dir DIR]
        [--budget-s 450] [--dry-run]

Runs, in order, and writes one Markdown report (rewritten after every
section, so a run cut short still leaves what it measured):

1. environment: torch, CUDA, the card, and which packages mmssr needs that
   this Python lacks (with the wheel recipe of docs/advanced_guides/gpu.md);
2. the CUDA tests (``pytest -m cuda``);
3. the renderer on the device: the torch path at 64x64 and 256x256 (the
   fused path is CPU-only: one CPU row for reference), forward and
   forward+backward time, peak memory, float32-on-device against
   float64-on-CPU parity of alpha and vertex gradients, and a sweep of
   ``pairs_per_chunk``;
4. ``tools/analysis_tools/benchmark_training.py`` at the paper's shape
   (SSR, 64x64 views, 642-vertex template, batch 64) on synthetic data;
5. a short ``tools/train.py --amp`` run;
6. ``tools/train.py --resume`` from a checkpoint of a first run;
7. the pseudo-labelling pass's time per unlabeled object.

About 5 minutes on one GPU (at most ``--budget-s``: sections that would
start later are reported as skipped). ``--dry-run`` runs every section at
tiny sizes on the CPU in well under a minute on a normal machine, so that
CI keeps this script working; on a CPU the ``--amp`` section expects the
refusal that ``tools/train.py`` gives there.
"""
import argparse
import importlib.util
import json
import os
import os.path as osp
import platform
import subprocess
import sys
import tempfile
import time
import traceback

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# The one tool that runs from a copy of the repository where mmssr is not
# installed (a GPU machine with the dependencies carried as wheels).
sys.path.insert(0, ROOT)

# import name -> what pip installs; what mmssr and its tests import
REQUIRED = [
    ('torch', 'torch'), ('mmengine', 'mmengine'), ('mmcv', 'mmcv-lite'),
    ('numpy', 'numpy'), ('cv2', 'opencv-python'), ('numba', 'numba'),
    ('matplotlib', 'matplotlib'), ('addict', 'addict'), ('yapf', 'yapf'),
    ('termcolor', 'termcolor'), ('pytest', 'pytest'), ('open3d', 'open3d-cpu')
]
# open3d (mesh I/O, voxelization of meshes, some CPU tests) is not needed
# here, and its wheels are too large to carry.
OPTIONAL = {'open3d'}


class Check:
    """Sizes, paths and the report of one run."""

    def __init__(self, args) -> None:
        import torch
        self.dry = args.dry_run
        self.device = 'cpu' if self.dry or not torch.cuda.is_available() \
            else 'cuda'
        self.out = args.out
        self.work = args.work_dir
        self.budget = args.budget_s
        self.start = time.monotonic()
        self.sections = []
        # (batch, image size) of the renderer rows and the chunk sweep
        if self.dry:
            self.render_cases = [(2, 16), (2, 32)]
            self.chunks = [500, 5000]
            self.repeat = 1
        else:
            self.render_cases = [(256, 64), (64, 256)]
            self.chunks = [
                1 << 16, 1 << 18, 1 << 20, 1 << 22, 1 << 23, 1 << 24
            ]
            self.repeat = 5

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def add(self, title: str, body: str, seconds: float) -> None:
        self.sections.append(f'## {title}\n\n{body.rstrip()}\n\n'
                             f'({seconds:.1f} s)\n')
        self.write()

    def write(self) -> None:
        head = ('# mmssr GPU check\n\n'
                f'{time.strftime("%Y-%m-%d %H:%M:%S")}, '
                f'{"dry run (tiny sizes, CPU)" if self.dry else "full run"}'
                f', device {self.device}, {self.elapsed():.0f} s so far\n\n')
        os.makedirs(osp.dirname(osp.abspath(self.out)), exist_ok=True)
        tmp = f'{self.out}.tmp-{os.getpid()}'
        with open(tmp, 'w') as f:
            f.write(head + '\n'.join(self.sections))
        os.replace(tmp, self.out)


def run(cmd, timeout, env=None):
    """(return code, stdout + stderr) of a command in the repo root."""
    full_env = dict(
        os.environ,
        PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''),
        PYTHONUNBUFFERED='1')
    full_env.update(env or {})
    try:
        proc = subprocess.run(
            cmd,
            cwd=ROOT,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        out = (exc.stdout or b'')
        out = out.decode() if isinstance(out, bytes) else out
        return 124, out + f'\n(timed out after {timeout} s)'
    return proc.returncode, proc.stdout + proc.stderr


def tail(text: str, lines: int = 15) -> str:
    return '```\n' + '\n'.join(text.strip().splitlines()[-lines:]) + '\n```'


# -- sections -------------------------------------------------------------
def environment(check: Check) -> str:
    import torch
    rows = [
        f'- python {platform.python_version()}, torch {torch.__version__}'
        f', CUDA {torch.version.cuda}, {os.cpu_count()} CPU cores'
    ]
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        rows.append(f'- GPU: {props.name}, {props.total_memory / 2**30:.0f} '
                    f'GiB, {props.multi_processor_count} SMs, driver '
                    f'{_driver()}')
    try:
        commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'],
                                cwd=ROOT,
                                capture_output=True,
                                text=True).stdout.strip()
    except OSError:
        commit = ''
    rows.append(f'- mmssr commit {commit or "unknown"}')
    missing = missing_packages()
    lines = ['| package (pip) | import | here |', '|---|---|---|']
    for module, dist in REQUIRED:
        version = _version(module)
        lines.append(f'| {dist} | {module} | '
                     f'{version or "**missing**"} |')
    need = [d for m, d in REQUIRED if m in missing and m not in OPTIONAL]
    advice = ('Nothing to bring.' if not need else
              'Bring as wheels (docs/advanced_guides/gpu.md, "The GPU '
              'check"): ' + ', '.join(need))
    return '\n'.join(rows) + '\n\n### Packages\n\n' + '\n'.join(
        lines) + f'\n\n{advice}'


def _driver() -> str:
    try:
        return subprocess.run([
            'nvidia-smi', '--query-gpu=driver_version', '--format=csv,noheader'
        ],
                              capture_output=True,
                              text=True,
                              timeout=20).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return 'unknown'


def _version(module: str):
    if importlib.util.find_spec(module) is None:
        return None
    try:
        mod = __import__(module)
        return str(getattr(mod, '__version__', 'present'))
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return f'import fails: {type(exc).__name__}'


def missing_packages():
    return [m for m, _ in REQUIRED if importlib.util.find_spec(m) is None]


def cuda_tests(check: Check) -> str:
    target = ['tests/test_renderer/test_cuda.py'
              ] if check.dry else ['tests', '--continue-on-collection-errors']
    rc, out = run([
        sys.executable, '-m', 'pytest', '-q', '-m', 'cuda', '-p',
        'no:cacheprovider', *target
    ],
                  timeout=240)
    summary = [
        line for line in out.splitlines() if any(
            w in line for w in ('passed', 'failed', 'skipped', 'error'))
    ]
    return (f'`pytest -m cuda {" ".join(target)}`: exit {rc}, '
            f'{summary[-1].strip("= ") if summary else "no summary"}\n\n' +
            tail(out, 25))


def _render_timing(renderer, verts, faces, eyes, repeat, sync):
    """Median forward and forward+backward milliseconds."""
    fwd, both = [], []
    for _ in range(repeat + 1):  # the first warms up
        v = verts.clone().requires_grad_(True)
        sync()
        t0 = time.perf_counter()
        alpha = renderer(v, faces, eyes)[:, 3]
        sync()
        t1 = time.perf_counter()
        alpha.mean().backward()
        sync()
        t2 = time.perf_counter()
        fwd.append(t1 - t0)
        both.append(t2 - t0)
        del alpha, v
    return (sorted(fwd[1:])[len(fwd[1:]) // 2] * 1e3,
            sorted(both[1:])[len(both[1:]) // 2] * 1e3)


def _sphere(batch, dtype, device):
    import torch

    from mmssr.geometry import icosphere
    from mmssr.structures import view_ids_to_eyes
    verts, faces = icosphere(3)
    verts = torch.as_tensor(verts, dtype=torch.float64) * 0.4
    gen = torch.Generator().manual_seed(0)
    # drawn in float64 whatever the dtype: the same meshes in both
    verts = verts[None] * (
        1 + 0.2 * torch.rand(batch, 1, 3, generator=gen, dtype=torch.float64))
    eyes = view_ids_to_eyes(torch.arange(batch) * 5 % 24).double()
    return (verts.to(device, dtype), torch.as_tensor(faces).to(device),
            eyes.to(device, dtype))


def renderer(check: Check) -> str:
    import torch

    from mmssr.renderer import SoftRasterizer, fused_available
    dev = check.device
    cuda = dev == 'cuda'
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    lines = [
        '| path | device | renders | image | pairs_per_chunk | forward ms | '
        'fwd+bwd ms | peak MiB | max abs alpha diff | max rel grad diff |',
        '|' + '---|' * 10
    ]
    for batch, size in check.render_cases:
        verts, faces, eyes = _sphere(batch, torch.float32, dev)
        # parity: float32 on the device against float64 on the CPU
        ref = SoftRasterizer(image_size=size, backend='torch')
        n = min(batch, 4)
        v64, f64, e64 = _sphere(n, torch.float64, 'cpu')
        v64.requires_grad_(True)
        a64 = ref(v64, f64, e64)[:, 3]
        a64.sum().backward()
        v32 = verts[:n].clone().requires_grad_(True)
        a32 = ref(v32, faces, eyes[:n])[:, 3]
        a32.sum().backward()
        alpha_diff = (a32.detach().cpu().double() - a64.detach()).abs().max()
        grad_diff = ((v32.grad.cpu().double() - v64.grad).abs().max() /
                     v64.grad.abs().max().clamp_min(1e-30))
        for chunk in [None] + check.chunks:
            render = SoftRasterizer(
                image_size=size, backend='torch', pairs_per_chunk=chunk)
            if cuda:
                torch.cuda.reset_peak_memory_stats()
            try:
                fwd, both = _render_timing(render, verts, faces, eyes,
                                           check.repeat, sync)
            except torch.cuda.OutOfMemoryError:
                lines.append(f'| torch | {dev} | {batch} | {size} | {chunk}'
                             ' | out of memory | | | | |')
                torch.cuda.empty_cache()
                continue
            peak = (f'{torch.cuda.max_memory_allocated() / 2**20:.0f}'
                    if cuda else '-')
            parity = (f'{alpha_diff:.2e} | {grad_diff:.2e}'
                      if chunk is None else ' | ')
            lines.append(f'| torch | {dev} | {batch} | {size}x{size} | '
                         f'{chunk or "default"} | {fwd:.1f} | {both:.1f} | '
                         f'{peak} | {parity} |')
            check.write()
        if size == check.render_cases[0][1] and fused_available():
            cpu_data = tuple(t.cpu() for t in (verts, faces, eyes))
            fused = SoftRasterizer(image_size=size, backend='fused')
            fwd, both = _render_timing(fused, *cpu_data, check.repeat,
                                       lambda: None)
            lines.append(f'| fused (CPU only) | cpu | {batch} | {size}x{size}'
                         f' | - | {fwd:.1f} | {both:.1f} | - | | |')
    return ('The torch path on the device (the fused path runs on CPU '
            'tensors only; its row is on this machine\'s CPU, '
            f'{torch.get_num_threads()} threads). Times are medians of '
            f'{check.repeat} after a warm-up; parity on {min(4, batch)} '
            'renders.\n\n' + '\n'.join(lines))


def _synthetic_root(check: Check) -> str:
    """A small synthetic dataset at the paper's 64x64 (dry: 32x32)."""
    from mmssr.datasets.synthetic import generate_synthetic_dataset
    root = osp.join(check.work, 'synthetic')
    if not osp.isfile(osp.join(root, 'synthetic_meta.json')):
        generate_synthetic_dataset(
            root, ['chair', 'car'], progress=False, **_synthetic_cfg(check))
    return root


def _synthetic_cfg(check: Check) -> dict:
    if check.dry:
        return dict(num_train=4, num_val=1, num_test=1, seed=0, image_size=32)
    return dict(num_train=16, num_val=2, num_test=2, seed=0, image_size=64)


def _options(check: Check, splits=('train', )):
    """--cfg-options of configs/ssr/ssr_synthetic_n2.py at the paper's
    shape (dry: tiny), on the synthetic data of this check."""
    root = _synthetic_root(check)
    syn = _synthetic_cfg(check)
    data = []
    for key in splits:
        data += [
            f'{key}_dataloader.dataset.data_root={root}',
            f'{key}_dataloader.dataset.categories=[chair,car]'
        ]
        data += [
            f'{key}_dataloader.dataset.synthetic_cfg.{k}={v}'
            for k, v in syn.items()
        ]
    if check.dry:
        shape = [
            'model.reconstructor.image_size=32',
            'model.reconstructor.decoder.subdivisions=1',
            'model.siamvp.channels=[8,8,8,8]', 'model.siamvp.embed_dim=16',
            'train_dataloader.batch_size=4',
            'train_dataloader.sampler.num_unlabeled=2',
            'auto_scale_lr.base_batch_size=4'
        ]
    else:  # the paper: 64x64, 642 vertices, batch 64 (32 pseudo-labelled)
        shape = [
            'model.reconstructor.image_size=64',
            'model.reconstructor.decoder.subdivisions=3',
            'train_dataloader.batch_size=64',
            'train_dataloader.sampler.num_unlabeled=32',
            'auto_scale_lr.base_batch_size=64'
        ]
    return data + shape


CONFIG = 'configs/ssr/ssr_synthetic_n2.py'


def training_step(check: Check) -> str:
    out_json = osp.join(check.work, 'benchmark_training.json')
    iters, warmup = ('1', '1') if check.dry else ('10', '3')
    rc, out = run([
        sys.executable, 'tools/analysis_tools/benchmark_training.py', CONFIG,
        '--iters', iters, '--warmup', warmup, '--threads',
        str(min(os.cpu_count() or 1,
                16)), '--out', out_json, '--cfg-options', *_options(check)
    ],
                  timeout=300)
    table = [line for line in out.splitlines() if line.startswith('|')]
    return (f'`benchmark_training.py {CONFIG}` at '
            f'{"tiny" if check.dry else "paper"} shape on synthetic data: '
            f'exit {rc}\n\n' + ('\n'.join(table) if table else tail(out)))


def _train(check: Check, work: str, iters: int, *extra):
    options = _options(check) + [
        f'train_cfg.max_iters={iters}', 'val_cfg=None', 'val_dataloader=None',
        'val_evaluator=None', 'default_hooks.checkpoint.interval=2',
        'default_hooks.checkpoint.save_best=None',
        'default_hooks.logger.interval=1'
    ]
    return run([
        sys.executable, 'tools/train.py', CONFIG, '--work-dir', work, *extra,
        '--cfg-options', *options
    ],
               timeout=300)


def _last_loss(out: str) -> str:
    lines = [line for line in out.splitlines() if ' loss: ' in line]
    if not lines:
        return 'no loss logged'
    line = lines[-1]
    return line[line.index('Iter'):] if 'Iter' in line else line


def amp(check: Check) -> str:
    iters = 2 if check.dry else 20
    work = osp.join(check.work, 'amp')
    t0 = time.monotonic()
    rc, out = _train(check, work, iters, '--amp')
    took = time.monotonic() - t0
    if check.device == 'cpu':
        ok = rc == 2 and 'error: --amp' in out
        return (f'On a CPU `--amp` must be refused with one error line: '
                f'{"refused as designed" if ok else "NOT as designed"} '
                f'(exit {rc})\n\n' + tail(out, 3))
    return (f'`tools/train.py {CONFIG} --amp`, {iters} iterations: exit {rc}'
            f', {took:.0f} s\n\nlast log line: `{_last_loss(out)}`\n\n' +
            ('' if rc == 0 else tail(out)))


def resume(check: Check) -> str:
    work = osp.join(check.work, 'resume')
    first = 1 if check.dry else 10
    rc1, out1 = _train(check, work, first)
    rc2, out2 = _train(check, work, first + 2, '--resume')
    resumed = f'Advance dataloader {first} steps' in out2 and osp.isfile(
        osp.join(work, f'iter_{first + 2}.pth'))
    return (f'Train {first} iterations, then `--resume` to {first + 2}: '
            f'exit {rc1} / {rc2}, '
            f'{"resumed from the checkpoint" if resumed else "NOT resumed"}'
            f'\n\nlast log line: `{_last_loss(out2)}`\n\n' +
            ('' if rc1 == rc2 == 0 and resumed else tail(out1 + out2)))


def pseudo_labels(check: Check) -> str:
    import torch
    from mmengine.config import Config, DictAction

    from mmssr.datasets import SemiSupervisedShapeNetDataset
    from mmssr.engine.hooks import SemiSupervisedViewpointHook
    from mmssr.registry import MODELS
    from mmssr.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(osp.join(ROOT, CONFIG))
    parser = argparse.ArgumentParser()
    parser.add_argument('--o', nargs='+', action=DictAction)
    cfg.merge_from_dict(parser.parse_args(['--o', *_options(check)]).o)
    root = _synthetic_root(check)
    dataset = SemiSupervisedShapeNetDataset(
        dataset_type='ShapeNetDataset',
        data_root=root,
        categories=['chair', 'car'],
        num_labeled=2)
    runner = type('Runner', (), {})()
    runner.train_dataloader = type('Loader', (), {'dataset': dataset})()
    lines = [
        '| semi_train_cfg.batch_size | objects | total s | ms / object |',
        '|---|---|---|---|'
    ]
    for batch_size in ([4, 64] if check.dry else [256, 1024]):
        model_cfg = cfg.model.copy()
        model_cfg.semi_train_cfg = dict(
            model_cfg.semi_train_cfg, batch_size=batch_size)
        model = MODELS.build(model_cfg).to(check.device)
        hook = SemiSupervisedViewpointHook()
        num = dataset.unlabeled.num_objects
        hook.compute_table(model, dataset)  # warm-up (cuDNN, JIT)
        sync = torch.cuda.synchronize if check.device == 'cuda' else (
            lambda: None)
        sync()
        t0 = time.perf_counter()
        hook.compute_table(model, dataset)
        sync()
        took = time.perf_counter() - t0
        lines.append(f'| {batch_size} | {num} | {took:.2f} | '
                     f'{took * 1e3 / max(num, 1):.1f} |')
    return ('One pass of `SemiSupervisedViewpointHook.compute_table` over '
            'the unlabeled objects (24 views each) of the synthetic data, '
            'after a warm-up pass.\n\n' + '\n'.join(lines))


SECTIONS = [('Environment', environment), ('CUDA tests', cuda_tests),
            ('Renderer', renderer), ('Training step', training_step),
            ('--amp', amp), ('--resume', resume),
            ('Pseudo-labelling', pseudo_labels)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--out',
        default='work_dirs/gpu_check/report.md',
        help='the Markdown report')
    parser.add_argument(
        '--work-dir',
        default=None,
        help='scratch space (default: a temporary folder)')
    parser.add_argument(
        '--budget-s',
        type=float,
        default=450,
        help='start no section after this many seconds')
    parser.add_argument(
        '--dry-run',
        action='store_true',
        help='tiny sizes on the CPU, to keep this script working (CI)')
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        args.work_dir = args.work_dir or tmp
        os.makedirs(args.work_dir, exist_ok=True)
        check = Check(args)
        failed = []
        for title, section in SECTIONS:
            if check.elapsed() > check.budget:
                check.add(title, 'skipped: the time budget is spent', 0.0)
                continue
            t0 = time.monotonic()
            try:
                body = section(check)
            except Exception:  # noqa: BLE001 - reported, then the next one
                failed.append(title)
                body = 'FAILED\n\n' + tail(traceback.format_exc(), 30)
            check.add(title, body, time.monotonic() - t0)
            print(f'{title}: done ({check.elapsed():.0f} s)', flush=True)
    print(f'report: {check.out}')
    print(json.dumps(dict(failed=failed)))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
