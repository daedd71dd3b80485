"""Seeded fuzzing of file readers: a result or one clean error, nothing else.

:func:`mutations` turns good files into broken ones (random bytes,
truncations, flipped bytes, header edits given by the caller), seeded.
:func:`fuzz` writes them to a folder and runs a reader over them in a child
process (``python -m tests.fuzzing READER FOLDER``) whose address space is
limited to its size after start-up plus ``memory_bound`` bytes, under a
wall-clock timeout. Each case must return or raise a
:class:`~mmssr.errors.UserError`; any other exception, a crash, a
hang (the timeout) or an allocation past the bound (``MemoryError``) fails
the test, naming the case.
"""
import importlib
import json
import os
import os.path as osp
import resource
import subprocess
import sys
from typing import Callable, Dict, Iterator, List, Tuple

import numpy as np

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
MiB = 2**20


def mutations(
    seeds: Dict[str, bytes],
    count: int,
    seed: int = 0,
    header_edits: Tuple[Callable[[bytes, np.random.Generator], bytes],
                        ...] = ()
) -> Iterator[Tuple[str, bytes]]:
    """``count`` (name, bytes) cases from the good files ``seeds``
    (name -> bytes; the extension is kept): random bytes, a truncation,
    flipped bytes, or one of ``header_edits``."""
    rng = np.random.default_rng(seed)
    names = sorted(seeds)
    kinds = ['random', 'truncate', 'flip'] + ['header'] * bool(header_edits)
    for i in range(count):
        name = names[i % len(names)]
        data = seeds[name]
        kind = kinds[int(rng.integers(len(kinds)))]
        if kind == 'random':
            out = rng.integers(
                0, 256, int(rng.integers(0, 2048)), dtype=np.uint8).tobytes()
            if rng.random() < 0.5:  # a valid magic, garbage after it
                out = data[:8] + out
        elif kind == 'truncate':
            out = data[:int(rng.integers(0, len(data)))]
        elif kind == 'flip':
            buf = bytearray(data)
            for at in rng.integers(0, len(buf), int(rng.integers(1, 9))):
                buf[at] = int(rng.integers(0, 256))
            out = bytes(buf)
        else:
            edit = header_edits[int(rng.integers(len(header_edits)))]
            out = edit(data, rng)
        stem, ext = osp.splitext(name)
        yield f'{i:03d}_{kind}_{stem}{ext}', out


def fuzz(reader: str,
         cases: List[Tuple[str, bytes]],
         folder: str,
         memory_bound: int = 1024 * MiB,
         timeout: float = 60.0) -> List[dict]:
    """Run ``reader`` (``'package.module:function'``, called with a path)
    over ``cases``; returns one record per case (``outcome``: 'result' or
    'clean error'); fails (AssertionError) on anything else."""
    os.makedirs(folder, exist_ok=True)
    for name, data in cases:
        with open(osp.join(folder, name), 'wb') as f:
            f.write(data)
    env = dict(
        os.environ,
        PYTHONPATH=REPO_ROOT,
        OMP_NUM_THREADS='1',
        MMSSR_FUZZ_BOUND=str(memory_bound))
    try:
        proc = subprocess.run(
            [sys.executable, '-m', 'tests.fuzzing', reader, folder],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            encoding='utf-8',
            errors='replace',  # readers echo the broken bytes they met
            timeout=timeout)
    except subprocess.TimeoutExpired as err:
        started = [
            line for line in (err.stdout or b'').decode().splitlines()
            if line.startswith('{')
        ]
        raise AssertionError(f'{reader} hung (over {timeout} s) after '
                             f'{started[-1:]}') from None
    records = [
        json.loads(line) for line in proc.stdout.splitlines()
        if line.startswith('{')
    ]
    done = [r for r in records if 'outcome' in r]
    assert proc.returncode == 0, (
        f'{reader} crashed (exit {proc.returncode}) on '
        f'{records[-1:] if records else "start-up"}: {proc.stderr[-2000:]}')
    bad = [r for r in done if r['outcome'] not in ('result', 'clean error')]
    assert not bad, f'{reader}: {bad[:5]}'
    assert len(done) == len(cases), (len(done), len(cases))
    return done


def _address_space() -> int:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmSize:'):
                return int(line.split()[1]) * 1024
    raise RuntimeError('no VmSize in /proc/self/status')


def _child(reader: str, folder: str) -> None:
    from mmssr.errors import UserError
    module, name = reader.split(':')
    read = getattr(importlib.import_module(module), name)
    try:  # warm up: imports and first-use allocations are not the reader's
        read(osp.join(folder, sorted(os.listdir(folder))[0]))
    except Exception:  # noqa: BLE001 - the loop below reports it
        pass
    bound = int(os.environ['MMSSR_FUZZ_BOUND'])
    limit = _address_space() + bound
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    for case in sorted(os.listdir(folder)):
        print(json.dumps(dict(case=case)), flush=True)
        try:
            read(osp.join(folder, case))
            outcome = 'result'
        except UserError:
            outcome = 'clean error'
        except MemoryError:
            outcome = f'MemoryError: more than {bound // MiB} MiB'
        except Exception as err:  # noqa: BLE001 - reported to the parent
            outcome = f'{type(err).__name__}: {str(err)[:200]}'
        print(json.dumps(dict(case=case, outcome=outcome)), flush=True)


if __name__ == '__main__':
    _child(sys.argv[1], sys.argv[2])
