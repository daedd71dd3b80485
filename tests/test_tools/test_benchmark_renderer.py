"""tools/analysis_tools/benchmark_renderer.py: both paths side by side."""
import re

from .test_train_test_resume import run_tool


def test_prints_both_paths_and_the_ratios():
    proc = run_tool('tools/analysis_tools/benchmark_renderer.py', '--batch',
                    '2', '--repeat', '1', '--threads', '1', '--no-dense',
                    '--backends', 'torch', 'fused')
    out = proc.stdout
    rows = [line.split('|')[1:-1] for line in out.splitlines()
            if re.match(r'\| (torch|fused) \|', line)]
    # three cases (64x64, 128x128, 4x faces) per path, none failed
    assert sorted((r[0].strip(), r[3].strip(), r[4].strip())
                  for r in rows) == sorted(
                      (path, image, faces) for path in ('torch', 'fused')
                      for image, faces in (('64x64', '1280'),
                                           ('128x128', '1280'),
                                           ('64x64', '5120')))
    per_render = {}
    for row in rows:
        renders, forward, both = int(row[2]), float(row[5]), float(row[6])
        per, rate = float(row[7]), float(row[8])
        assert forward > 0 and rate > 0
        # the per-render column is fwd+bwd over the renders (both rounded)
        assert abs(per - both / renders) <= 0.05 / renders + 0.005, row
        per_render[(row[0].strip(), row[3].strip(), row[4].strip())] = per
    pairs = re.search(r'4x faces has ([\d.]+)x the \(triangle, pixel\) '
                      'pairs', out)
    # a sphere with 4x the faces: more pairs, less than 4x (shared margins)
    assert pairs and 1.5 < float(pairs.group(1)) < 4.0
    # the summary's ratios are those of the table's per-render times
    for ratio, num, den in (
        ('fused is ([\\d.]+)x faster than torch \\(64x64, 1280',
         ('torch', '64x64', '1280'), ('fused', '64x64', '1280')),
        ('fused: 4x faces costs ([\\d.]+)x', ('fused', '64x64', '5120'),
         ('fused', '64x64', '1280')),
        ('torch: 128x128 costs ([\\d.]+)x', ('torch', '128x128', '1280'),
         ('torch', '64x64', '1280'))):
        found = re.search(ratio, out)
        assert found, (ratio, out)
        top, bottom = per_render[num], per_render[den]
        # rounding of the two printed times (0.005) and of the ratio (0.005)
        slack = top / bottom * (0.005 / top + 0.005 / bottom) + 0.005
        assert abs(float(found.group(1)) - top / bottom) <= slack, ratio
