"""tools/misc/gpu_check.py --dry-run: the prepared GPU check keeps working
(every section at tiny sizes on the CPU)."""
import re

from .test_train_test_resume import run_tool

SECTIONS = ('Environment', 'CUDA tests', 'Renderer', 'Training step', '--amp',
            '--resume', 'Pseudo-labelling')


def test_dry_run_writes_every_section(tmp_path):
    report = tmp_path / 'report.md'
    proc = run_tool('tools/misc/gpu_check.py', '--dry-run', '--out',
                    str(report), '--work-dir', str(tmp_path / 'work'))
    assert '"failed": []' in proc.stdout
    text = report.read_text()
    titles = re.findall(r'^## (.+)$', text, re.M)
    assert titles == list(SECTIONS)
    assert 'FAILED' not in text and 'skipped: the time budget' not in text
    assert '| mmengine | mmengine |' in text  # the package table
    # the renderer's parity columns hold small numbers (float32 vs float64)
    parity = re.findall(r'\| default \|[^\n]*\| ([\d.e+-]+) \| ([\d.e+-]+) \|',
                        text)
    assert len(parity) == 2
    assert all(float(a) < 1e-3 and float(g) < 1e-3 for a, g in parity)
    assert re.search(r'\| config \| 4 \| [\d.]+ \|', text)  # a step timed
    assert 'refused as designed' in text  # --amp on a CPU
    assert 'resumed from the checkpoint' in text
    assert re.search(r'\| 64 \| 4 \| [\d.]+ \| [\d.]+ \|', text)
