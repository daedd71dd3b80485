"""The model index and metafiles describe configs that exist, as they are,
and their results are those the documentation shows."""
import os.path as osp
import re

import pytest
import yaml
from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _models():
    with open(osp.join(ROOT, 'model-index.yml')) as f:
        index = yaml.safe_load(f)
    models = []
    for metafile in index['Import']:
        path = osp.join(ROOT, metafile)
        assert osp.isfile(path), f'model-index.yml imports missing {metafile}'
        with open(path) as f:
            meta = yaml.safe_load(f)
        collections = {c['Name'] for c in meta['Collections']}
        for model in meta['Models']:
            assert model['In Collection'] in collections, model['Name']
            models.append(model)
    return models


MODELS = _models()


@pytest.mark.parametrize('model', MODELS, ids=[m['Name'] for m in MODELS])
def test_metafile_entry_matches_config(model):
    config = osp.join(ROOT, model['Config'])
    assert osp.isfile(config), f'{model["Name"]}: no {model["Config"]}'
    assert osp.basename(config) == model['Name'] + '.py'
    cfg = Config.fromfile(config)
    meta = model['Metadata']
    assert meta['Iterations'] == cfg.train_cfg.max_iters, model['Name']
    assert meta['Batch Size'] == cfg.train_dataloader.batch_size, model['Name']
    for result in model['Results']:
        for name, value in result['Metrics'].items():
            assert 0.0 < float(value) < 1.0, (model['Name'], name, value)


# Where the measured results are documented (the configs' README tables
# are generated from the metafiles, so they cannot be the check): repoint
# here when the results move.
RESULTS_PAGES = ('docs/notes/benchmarks.md', 'README.md')
# How a results page names a metafile result: patterns of the first cell
# of its table rows (the value is in the table's "mean" column, or its
# first "mIoU" column), and of the paragraphs that state it (besides the
# config's name, or that name without "_synthetic" as the benchmark's runs
# are called).
TABLE_ROWS = {
    'softras_synthetic_n2': r'SoftRas \(N = 2, labeled only\)',
    'ssr_synthetic_n2': r'SSR \(N = 2\)',
    'softras_synthetic_n5': r'SoftRas \(N = 5, labeled only\)',
    'ssr_synthetic_n5': r'SSR \(N = 5\)',
    'softras_synthetic_full':
    r"SoftRas \(all viewpoints\)|all 32 objects' viewpoints known",
    'ssr_synthetic_n2_paper-pl':
    r"SSR \(N = 2, (paper-pl|the paper's pseudo-labelling)\)",
    'ssr_synthetic_n2_oracle': r'.*`oracle`.*',
    'ssr_synthetic_n2_free': r'.*`free`.*',
    'ssr_synthetic_n2_random': r'.*`random`.*',
}
PARAGRAPHS = {
    'ssr_synthetic_n2_gate': r'`min_agreement=0\.5`',
    'ssr_synthetic_n2_rot-gate': r'`min_agreement=0\.5`',
}
_NUMBER = re.compile('[-+\u2212]?\\d+\\.\\d+')


def _number(text: str) -> float:
    return float(text.replace('\u2212', '-'))  # a typographic minus


def _value_column(lines: list, row: int) -> int:
    """The column of a table row that holds its result: the header's
    ``mean`` column, else its first column naming mIoU."""
    while row > 0 and not lines[row].startswith('|---'):
        row -= 1
    header = [c.strip() for c in lines[row - 1].strip().strip('|').split('|')]
    for i, title in enumerate(header):
        if title == 'mean':
            return i
    return next(i for i, title in enumerate(header) if 'mIoU' in title)


def documented_values(name: str, pages=RESULTS_PAGES) -> list:
    """The values the results pages give for the config ``name``: the
    result column of its table rows (:data:`TABLE_ROWS`), and every number
    of the paragraphs that name it (:data:`PARAGRAPHS`)."""
    values = []
    names = '|'.join(
        re.escape(n) for n in {name, name.replace('_synthetic', '')})
    named = re.compile(rf'(?<![\w-])({names})(?![\w-])|' +
                       PARAGRAPHS.get(name, '(?!)'))
    row = re.compile(TABLE_ROWS.get(name, '(?!)'))
    for page in pages:
        if not osp.isfile(osp.join(ROOT, page)):
            continue
        with open(osp.join(ROOT, page), encoding='utf-8') as f:
            text = f.read()
        lines = text.splitlines()
        for i, line in enumerate(lines):
            cells = [c.strip() for c in line.strip().strip('|').split('|')]
            if line.startswith('|') and row.fullmatch(cells[0]):
                found = _NUMBER.match(cells[_value_column(lines, i)])
                values += [_number(found.group())] if found else []
        for para in re.split(r'\n\s*\n', text):
            if not para.lstrip().startswith('|') and named.search(para):
                values += [_number(v) for v in _NUMBER.findall(para)]
    return values


SYNTHETIC = [
    m for m in MODELS if 'synthetic' in m['Name'] and m['Results']
]


@pytest.mark.parametrize(
    'model', SYNTHETIC, ids=[m['Name'] for m in SYNTHETIC])
def test_synthetic_results_are_documented(model):
    """Each synthetic result of a metafile is the value the results pages
    show for that config."""
    assert any(osp.isfile(osp.join(ROOT, p)) for p in RESULTS_PAGES)
    documented = documented_values(model['Name'])
    for result in model['Results']:
        for metric, value in result['Metrics'].items():
            assert float(value) in documented, (
                f'{model["Name"]} {metric} {value}: {RESULTS_PAGES} show '
                f'{sorted(set(documented))[:12] or "no value"} for it')


def test_documented_values_are_read():
    """The reader finds a row's value, and not a neighbour's."""
    assert documented_values('ssr_synthetic_n2_oracle')[0] == 0.673
    assert 0.673 not in documented_values('ssr_synthetic_n2_random')
