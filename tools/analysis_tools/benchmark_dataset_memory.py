"""Memory per process of a dataset's images: own copies or one shared map.

    python tools/analysis_tools/benchmark_dataset_memory.py \
        [--objects 300] [--image-size 64] [--procs 2]

Writes a ShapeNet-format training file of ``--objects`` random objects
(24 RGBA views each) to a temporary folder, then starts ``--procs``
processes at once, as a distributed run does on one machine, each building
``ShapeNetDataset`` and reading every view; once without and once with a
``cache_dir``. Prints per process the resident memory (RSS) and the
proportional set size (PSS: shared pages divided among the processes that
map them; Linux only), as growth over the process's memory before the
dataset was built, after the images are read and while every process is
alive: with the cache, PSS per process is the images' size divided by the
number of processes. No figure is asserted anywhere; this tool only prints.
"""
import argparse
import multiprocessing as mp
import os
import os.path as osp
import tempfile


def _memory_mib():
    """(RSS, PSS) of this process in MiB (PSS None where unreadable)."""
    rss = pss = None
    try:
        with open('/proc/self/smaps_rollup') as f:
            for line in f:
                if line.startswith('Rss:'):
                    rss = int(line.split()[1]) / 1024
                elif line.startswith('Pss:'):
                    pss = int(line.split()[1]) / 1024
    except OSError:
        import resource
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return rss, pss


def _worker(root, cache_dir, barrier, queue):
    import warnings
    warnings.simplefilter('ignore')
    from mmssr.datasets import ShapeNetDataset
    base_rss, base_pss = _memory_mib()
    dataset = ShapeNetDataset(
        data_root=root,
        categories=['chair'],
        split='train',
        cache_dir=cache_dir)
    total = int(dataset.images.sum(dtype='uint64'))  # touch every page
    barrier.wait()  # all processes hold their images now
    rss, pss = _memory_mib()
    pss = None if pss is None else pss - base_pss
    queue.put((rss - base_rss, pss, dataset.images.nbytes / 2**20, total))
    barrier.wait()


def run(root, cache_dir, procs):
    ctx = mp.get_context('spawn')
    barrier, queue = ctx.Barrier(procs), ctx.Queue()
    workers = [
        ctx.Process(target=_worker, args=(root, cache_dir, barrier, queue))
        for _ in range(procs)
    ]
    for w in workers:
        w.start()
    results = [queue.get() for _ in workers]
    for w in workers:
        w.join()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--objects', type=int, default=300)
    parser.add_argument('--image-size', type=int, default=64)
    parser.add_argument('--procs', type=int, default=2)
    args = parser.parse_args()
    import numpy as np
    with tempfile.TemporaryDirectory() as tmp:
        s = args.image_size
        rng = np.random.default_rng(0)
        images = rng.integers(0, 256, (args.objects, 24, 4, s, s), np.uint8)
        np.savez_compressed(osp.join(tmp, '03001627_train_images.npz'), images)
        del images
        print(f'{args.procs} processes, {args.objects} objects x 24 views '
              f'x 4 x {s} x {s} uint8, {os.cpu_count()} cores')
        print('| images | process | images MiB | RSS growth MiB | '
              'PSS growth MiB |')
        print('|---|---|---|---|---|')
        for label, cache in (('own copy', None), ('cache_dir (mmap)',
                                                  osp.join(tmp, 'cache'))):
            rows = run(tmp, cache, args.procs)
            for i, (rss, pss, size, _) in enumerate(rows):
                pss = '-' if pss is None else f'{pss:.0f}'
                print(
                    f'| {label} | {i} | {size:.0f} | {rss:.0f} | {pss} |',
                    flush=True)


if __name__ == '__main__':
    main()
