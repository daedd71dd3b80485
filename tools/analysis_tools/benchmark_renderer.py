"""Time the SoftRasterizer against the dense every-pixel-x-every-face formula.

    python tools/analysis_tools/benchmark_renderer.py [--batch 256]
        [--repeat 3] [--threads 1] [--backends torch fused] [--no-dense]
        [--dist-eps 1e-10] [--devices cpu cuda] [--sizes 64 128]
        [--pairs-per-chunk N [N ...]]

Prints a table: milliseconds forward, milliseconds forward+backward (silhouette
loss), per-render cost, (triangle, pixel) pairs per second of fwd+bwd (the
pairs within the influence radius, counted once per case with the torch
rasterizer), peak memory and the first call (numba JIT compile or cache load
for the fused backend), for the dense oracle of the tests and each renderer
backend ('torch': binned fragments + blend; 'fused': the numba kernels), at
64x64 with the 642-vertex template sphere (1280 faces), at 128x128, and with
4x the faces (``--sizes`` chooses the image sizes); then the speed-up of
fused over torch and, per backend, the 4x-faces and 128x128 ratios.
``--pairs-per-chunk`` adds a row per chunk size to each torch case
(``torch (chunk N)``): the sweep of the renderer's ``pairs_per_chunk``
setting, whose default is 2**18 on a CPU and 2**23 on a GPU. Each case runs
in a fresh process so that peak memory (RSS on CPU, allocator peak on CUDA)
is its own; a small warm-up render runs before the RSS baseline, so JIT
memory is not counted as the renderer's.
"""
import argparse
import multiprocessing as mp
import os
import resource
import time


def _case(queue,
          method,
          device,
          batch,
          size,
          subdivisions,
          repeat,
          threads,
          dist_eps,
          pairs_per_chunk=None):
    import torch
    torch.set_num_threads(threads)
    import warnings
    warnings.simplefilter('ignore')
    from mmssr.geometry import icosphere
    from mmssr.renderer import SoftRasterizer
    from mmssr.structures import NUM_VIEWS, view_ids_to_eyes
    verts, faces = icosphere(subdivisions)
    verts = torch.as_tensor(verts, dtype=torch.float32) * 0.4
    faces = torch.as_tensor(faces, dtype=torch.long).to(device)
    gen = torch.Generator().manual_seed(0)
    verts = (verts[None].repeat(batch, 1, 1) +
             0.05 * torch.randn(batch, 1, 3, generator=gen)).to(device)
    eyes = view_ids_to_eyes(torch.arange(batch) % NUM_VIEWS).to(device)
    target = (torch.rand(batch, size, size, generator=gen) > 0.5).float()
    target = target.to(device)
    if method == 'dense':
        from mmssr.renderer.reference import dense_alpha

        def render(v):
            return dense_alpha(v, faces, eyes, image_size=size)
    else:
        if method == 'fused':
            from mmssr.renderer.fused import fused_available
            if not fused_available():
                raise SystemExit('fused backend unavailable (numba?)')
        renderer = SoftRasterizer(
            image_size=size,
            dist_eps=dist_eps,
            backend=method,
            pairs_per_chunk=pairs_per_chunk).to(device)

        def render(v):
            return renderer(v, faces, eyes)[:, 3]

    def sync():
        if device.startswith('cuda'):
            torch.cuda.synchronize()

    # first call (JIT compile or cache load for numba) on a tiny batch
    v = verts[:1].clone().requires_grad_()
    t0 = time.perf_counter()
    if method == 'dense':
        first = 0.0
    else:
        renderer(v, faces, eyes[:1])[:, 3].sum().backward()
        sync()
        first = time.perf_counter() - t0

    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if device.startswith('cuda'):
        torch.cuda.reset_peak_memory_stats()
    fwd, both = [], []
    for _ in range(repeat + 1):  # the first run warms up
        v = verts.clone().requires_grad_()
        sync()
        t0 = time.perf_counter()
        alpha = render(v)
        sync()
        t1 = time.perf_counter()
        loss = (1 - (alpha * target).sum() /
                (alpha + target - alpha * target).sum())
        loss.backward()
        sync()
        t2 = time.perf_counter()
        fwd.append(t1 - t0)
        both.append(t2 - t0)
        del alpha, loss, v
    if device.startswith('cuda'):
        peak = torch.cuda.max_memory_allocated() / 2**20
    else:
        peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss -
                base_rss) / 1024
    # counted after the timed runs, so as not to raise the RSS baseline
    pairs = 0
    if method != 'dense':
        from mmssr.renderer import SoftMeshRasterizer
        from mmssr.renderer.rasterizer import gather_face_vertices
        with torch.no_grad():
            rast = SoftMeshRasterizer(renderer.raster_settings)
            for i in range(0, batch, 32):
                frags = rast.rasterize_faces(
                    gather_face_vertices(
                        renderer.project(verts[i:i + 32], eyes[i:i + 32]),
                        faces))
                pairs += sum(int(c.keep.sum()) for c in frags.chunks)
                del frags
    queue.put((min(fwd[1:]) * 1e3, min(both[1:]) * 1e3, peak,
               int(faces.shape[0]), pairs, first * 1e3))


def run_case(*args):
    ctx = mp.get_context('spawn')
    queue = ctx.Queue()
    proc = ctx.Process(target=_case, args=(queue, ) + args)
    proc.start()
    proc.join()
    if proc.exitcode != 0:
        return None
    return queue.get()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--batch', type=int, default=256)
    parser.add_argument(
        '--dense-batch',
        type=int,
        default=2,
        help='renders per dense run (memory grows S^2 F)')
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument(
        '--threads', type=int, default=min(os.cpu_count() or 1, 16))
    parser.add_argument(
        '--devices',
        nargs='+',
        default=None,
        help='default: cpu, and cuda when available')
    parser.add_argument(
        '--backends',
        nargs='+',
        default=['torch', 'fused'],
        choices=['torch', 'fused', 'auto'],
        help='renderer backends to time side by side')
    parser.add_argument(
        '--dist-eps',
        type=float,
        default=1e-10,
        help='the renderers\' cut-off (SSR: 1e-10); larger counts fewer '
        'pairs (the dense row always uses 1e-10)')
    parser.add_argument(
        '--no-dense',
        action='store_true',
        help='skip the (slow) dense oracle row')
    parser.add_argument(
        '--sizes',
        nargs='+',
        type=int,
        default=[64, 128],
        help='image sizes of the 1280-face cases (the 4x-faces case is 64)')
    parser.add_argument(
        '--pairs-per-chunk',
        nargs='+',
        type=int,
        default=None,
        help='time the torch path at each of these chunk sizes (default: '
        'the renderer\'s device default only)')
    args = parser.parse_args()
    import torch
    devices = args.devices or (['cpu'] +
                               (['cuda'] if torch.cuda.is_available() else []))
    cases = []
    chunk_sizes = args.pairs_per_chunk or [None]
    for device in devices:
        if not args.no_dense:
            cases.append(('dense', device, args.dense_batch, 64, 3, None))
        for size, sub in [(size, 3) for size in args.sizes] + [(64, 4)]:
            for backend in args.backends:
                if backend == 'fused' and device != 'cpu':
                    continue  # numba kernels are CPU-only
                for chunk in (chunk_sizes if backend == 'torch' else [None]):
                    cases.append(
                        (backend, device, args.batch, size, sub, chunk))
    print(f'torch {torch.__version__}, {args.threads} CPU threads, '
          f'{os.cpu_count()} cores' +
          (f', {torch.cuda.get_device_name()}' if torch.cuda.is_available(
          ) else ''))
    header = ('| path | device | renders | image | faces | forward ms | '
              'fwd+bwd ms | fwd+bwd ms / render | Mpairs/s | '
              'peak memory MiB | first call ms |')
    print(header)
    print('|' + '---|' * 11)
    per_render = {}
    pair_counts = {}
    for method, device, batch, size, sub, chunk in cases:
        result = run_case(method, device, batch, size, sub, args.repeat,
                          args.threads, args.dist_eps, chunk)
        label = method if chunk is None else f'{method} (chunk {chunk})'
        if result is None:
            print(f'| {label} | {device} | {batch} | {size} | - | failed '
                  '(out of memory? numba missing?) | | | | | |')
            continue
        fwd, both, peak, nfaces, pairs, first = result
        if chunk is None:
            per_render[(method, device, size, nfaces)] = both / batch
        if pairs:
            pair_counts[(device, size, nfaces)] = pairs
        rate = f'{pairs / both / 1e3:.1f}' if pairs else '-'
        first = f'{first:.0f}' if method != 'dense' else '-'
        print(
            f'| {label} | {device} | {batch} | {size}x{size} | {nfaces} | '
            f'{fwd:.1f} | {both:.1f} | {both / batch:.2f} | {rate} | '
            f'{peak:.0f} | {first} |',
            flush=True)
    for device in devices:
        few = pair_counts.get((device, 64, 1280))
        many = pair_counts.get((device, 64, 5120))
        if few and many:
            # the work any path that evaluates every counted pair must do
            print(f'{device}: 4x faces has {many / few:.2f}x the (triangle, '
                  'pixel) pairs within the cut-off')
        dense = per_render.get(('dense', device, 64, 1280))
        for method in args.backends:
            fast = per_render.get((method, device, 64, 1280))
            big = per_render.get((method, device, 64, 5120))
            hires = per_render.get((method, device, 128, 1280))
            if dense and fast:
                print(f'{device} {method}: {dense / fast:.0f}x faster per '
                      'render than dense (64x64, 1280 faces)')
            if fast and big:
                print(f'{device} {method}: 4x faces costs {big / fast:.2f}x '
                      'the time')
            if fast and hires:
                print(f'{device} {method}: 128x128 costs {hires / fast:.2f}x '
                      'the time of 64x64')
        for size, nfaces in ((64, 1280), (128, 1280), (64, 5120)):
            ref = per_render.get(('torch', device, size, nfaces))
            new = per_render.get(('fused', device, size, nfaces))
            if ref and new:
                print(f'{device}: fused is {ref / new:.2f}x faster than '
                      f'torch ({size}x{size}, {nfaces} faces, fwd+bwd)')


if __name__ == '__main__':
    main()
