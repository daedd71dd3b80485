"""The documentation builds without a warning, and its links resolve."""
import glob
import importlib.util
import os.path as osp
import re
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT, load_tool

EXT = osp.join(REPO_ROOT, 'docs', '_ext')
local_links = load_tool(osp.join(EXT, 'local_links.py'))
model_zoo = load_tool(osp.join(EXT, 'model_zoo.py'))

MISSING = [
    m for m in ('sphinx', 'myst_parser', 'furo')
    if importlib.util.find_spec(m) is None
]


@pytest.mark.skipif(
    bool(MISSING),
    reason=f'{", ".join(MISSING)} not installed '
    "(pip install -e '.[docs]')")
def test_docs_build_without_warnings(tmp_path):
    out = tmp_path / 'html'
    cmd = [
        sys.executable, '-m', 'sphinx', '-b', 'html', '-W', '--keep-going',
        '-n', '-q', '-d',
        str(tmp_path / 'doctrees'),
        osp.join(REPO_ROOT, 'docs'),
        str(out)
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr.strip() == '', proc.stderr

    # The model zoo page is made from the metafiles: every model and its
    # figures are on it.
    zoo = (out / 'model_zoo.html').read_text(encoding='utf-8')
    for _, models, _ in model_zoo.load_collections():
        for model in models:
            assert model['Name'] in zoo, model['Name']
            for result in model['Results']:
                for value in result['Metrics'].values():
                    assert re.search(f'>{re.escape(value)}[ <]', zoo), \
                        (model['Name'], value)
    assert (out / 'advanced_guides' / 'conventions.html').is_file()


def test_relative_links_resolve():
    assert local_links.check_all() == []


def test_link_check_reports_missing_files_anchors_and_paths(tmp_path):
    (tmp_path / 'other.md').write_text('# Other page\n\n## A section\n')
    (tmp_path / 'mmssr').mkdir()
    (tmp_path / 'mmssr' / 'here.py').write_text('')
    page = tmp_path / 'page.md'
    page.write_text('# Page\n\n'
                    '[ok](other.md#a-section) [ok](#page) '
                    '[web](https://example.org/none)\n'
                    '[gone](missing.md) ![gone](img/none.png)\n'
                    '[bad anchor](other.md#no-section)\n'
                    '`[in code](nowhere.md)` `mmssr/here.py` `mmssr/gone.py`'
                    ' `configs/x_{a,b}.py`\n\n'
                    '```\n[in a block](nowhere.md) `mmssr/gone2.py`\n```\n')
    problems = local_links.broken_links(str(page), str(tmp_path))
    assert len(problems) == 4, problems
    assert "'mmssr/gone.py': no such file" in problems[0]
    assert "'missing.md': no such file" in problems[1]
    assert "'img/none.png': no such file" in problems[2]
    assert '#no-section' in problems[3]


def test_slugs_are_those_of_github():
    assert local_links.slugify('Voxel frame') == 'voxel-frame'
    assert local_links.slugify('`SoftRasterizer`: the API') == \
        'softrasterizer-the-api'
    assert local_links.slugify('Train, test & resume') == 'train-test--resume'


def test_config_readme_tables_match_metafiles():
    assert model_zoo.stale_readmes() == []


def test_an_edited_results_table_is_restored():
    _, models, folder = model_zoo.load_collections()[-1]
    with open(osp.join(REPO_ROOT, folder, 'README.md')) as f:
        readme = f.read()
    value = list(models[-1]['Results'][0]['Metrics'].values())[0]
    edited = readme.replace(f'| {value} |', '| 0.999 |', 1)
    assert edited != readme
    assert model_zoo.readme_with_results(edited, models) == readme


def test_readme_is_short():
    with open(osp.join(REPO_ROOT, 'README.md'), encoding='utf-8') as f:
        assert len(f.read().splitlines()) <= 150


def test_nothing_cites_the_private_specification():
    # Users get the repository only: conventions live in docs/.
    name = 'DESIGN' + r'\.md'
    hits = []
    for folder in ('mmssr', 'tools', 'configs', 'tests', 'docs'):
        for path in sorted(
                glob.glob(
                    osp.join(REPO_ROOT, folder, '**', '*.*'), recursive=True)):
            text_file = path.endswith(('.py', '.md', '.yml', '.sh', '.txt'))
            if '_build' in path or not text_file:
                continue
            with open(path, encoding='utf-8') as f:
                if re.search(name, f.read()):
                    hits.append(osp.relpath(path, REPO_ROOT))
    with open(osp.join(REPO_ROOT, 'README.md'), encoding='utf-8') as f:
        if re.search(name, f.read()):
            hits.append('README.md')
    assert hits == []
