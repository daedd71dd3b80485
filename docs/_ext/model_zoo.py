"""The model zoo page and the config READMEs' result tables, from metafiles.

``model-index.yml`` imports one ``configs/<method>/metafile.yml`` per method;
each describes its configs (iterations, batch, machine) and their results.
These metafiles are the one place a result is recorded. From them:

- the results table of each ``configs/<method>/README.md``, between the
  ``RESULTS_BEGIN`` and ``RESULTS_END`` comments: ``python
  docs/_ext/model_zoo.py`` rewrites it, and the docs build fails while a
  table differs from its metafile;
- ``docs/model_zoo.md``: a summary table per dataset, then each method's
  README, made when the docs are built (the file in the repository holds a
  marker line only).
"""
import os
import os.path as osp
import re
import sys
import tempfile
from typing import Dict, List, Tuple

import yaml

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DOCS = osp.join(ROOT, 'docs')
ZOO_DOC = 'model_zoo'
ZOO_MARKER = '<!-- model zoo: generated from the metafiles -->'
RESULTS_BEGIN = ('<!-- results: generated from metafile.yml by '
                 'docs/_ext/model_zoo.py; edit the metafile -->')
RESULTS_END = '<!-- end of results -->'

Collection = Tuple[dict, List[dict], str]  # collection, its models, folder


def load_collections(root: str = ROOT) -> List[Collection]:
    """Every collection of the model index, with its models and folder."""
    # BaseLoader keeps every value as written: 0.50 stays "0.50".
    with open(osp.join(root, 'model-index.yml'), encoding='utf-8') as f:
        index = yaml.load(f, Loader=yaml.BaseLoader)
    found = []
    for metafile in index['Import']:
        with open(osp.join(root, metafile), encoding='utf-8') as f:
            meta = yaml.load(f, Loader=yaml.BaseLoader)
        folder = osp.dirname(metafile)
        for coll in meta['Collections']:
            models = [
                m for m in meta['Models'] if m['In Collection'] == coll['Name']
            ]
            found.append((coll, models, folder))
    return found


def _cell(value) -> str:
    return str(value).replace('|', '\\|').replace('\n', ' ')


def _table(header: List[str], rows: List[List[str]]) -> str:
    lines = [
        '| ' + ' | '.join(header) + ' |',
        '|' + '|'.join('---' for _ in header) + '|'
    ]
    lines += ['| ' + ' | '.join(_cell(c) for c in row) + ' |' for row in rows]
    return '\n'.join(lines)


def _results(models: List[dict]) -> List[Tuple[dict, dict]]:
    return [(m, r) for m in models for r in m.get('Results') or []]


def _metric_names(pairs) -> List[str]:
    """Column names: a metric's name without its note in brackets."""
    names: List[str] = []
    for _, result in pairs:
        names += [
            _column(k) for k in result['Metrics'] if _column(k) not in names
        ]
    return names


def _column(metric: str) -> str:
    return metric.split(' (')[0]


def _metric(result: dict, column: str) -> str:
    """The value of a column, with the metric's note: '0.50 (paper)'."""
    for name, value in result['Metrics'].items():
        if _column(name) == column:
            note = name[len(column):].strip()
            return f'{value} {note}' if note else str(value)
    return ''


def results_table(models: List[dict]) -> str:
    """The results table of a config README (links relative to its folder)."""
    pairs = _results(models)
    metrics = _metric_names(pairs)
    header = [
        'config', 'dataset', 'iterations', 'batch', *metrics, 'machine',
        'command and notes'
    ]
    rows = []
    for model, result in pairs:
        meta = model.get('Metadata', {})
        config = osp.basename(model['Config'])
        rows.append([
            f'[{model["Name"]}]({config})', result['Dataset'],
            meta.get('Iterations', ''),
            meta.get('Batch Size', ''), *[_metric(result, k) for k in metrics],
            meta.get('Training Resources', ''),
            result.get('Notes', '')
        ])
    return _table(header, rows)


def summary_tables(collections: List[Collection]) -> str:
    """One table per dataset over every collection (links from docs/)."""
    by_dataset: Dict[str, list] = {}
    for coll, models, _ in collections:
        for model, result in _results(models):
            by_dataset.setdefault(result['Dataset'], []).append(
                (coll, model, result))
    parts = []
    for dataset, entries in by_dataset.items():
        metrics = _metric_names([(m, r) for _, m, r in entries])
        rows = [[
            f'[{model["Name"]}](../{model["Config"]})',
            f'[{coll["Name"]}](#{coll["Name"].lower()})',
            model.get('Metadata', {}).get('Iterations', ''),
            *[_metric(result, k) for k in metrics]
        ] for coll, model, result in entries]
        parts.append(
            f'### {dataset}\n\n' +
            _table(['config', 'method', 'iterations', *metrics], rows))
    return '\n\n'.join(parts)


def _block(text: str) -> Tuple[int, int]:
    begin, end = text.find(RESULTS_BEGIN), text.find(RESULTS_END)
    if begin < 0 or end < begin:
        raise ValueError('no results block (the two marker comments)')
    return begin + len(RESULTS_BEGIN), end


def readme_with_results(readme: str, models: List[dict]) -> str:
    begin, end = _block(readme)
    return (readme[:begin] + '\n\n' + results_table(models) + '\n\n' +
            readme[end:])


def stale_readmes(root: str = ROOT) -> List[str]:
    """Messages for config READMEs whose results differ from the metafile."""
    problems = []
    for coll, models, folder in load_collections(root):
        path = osp.join(root, folder, 'README.md')
        rel = osp.relpath(path, root)
        if not osp.isfile(path):
            problems.append(f'{rel}: missing (collection {coll["Name"]})')
            continue
        with open(path, encoding='utf-8') as f:
            text = f.read()
        try:
            if readme_with_results(text, models) != text:
                problems.append(f'{rel}: its results table differs from '
                                f'{folder}/metafile.yml; run python '
                                'docs/_ext/model_zoo.py to rewrite it')
        except ValueError as e:
            problems.append(f'{rel}: {e}')
    return problems


def write_readmes(root: str = ROOT) -> List[str]:
    """Rewrite every config README's results table; the paths written."""
    written = []
    for _, models, folder in load_collections(root):
        path = osp.join(root, folder, 'README.md')
        with open(path, encoding='utf-8') as f:
            text = f.read()
        new = readme_with_results(text, models)
        if new != text:
            fd, tmp = tempfile.mkstemp(dir=osp.dirname(path), suffix='.tmp')
            with os.fdopen(fd, 'w', encoding='utf-8') as f:
                f.write(new)
            os.chmod(tmp, os.stat(path).st_mode & 0o777)
            os.replace(tmp, path)
            written.append(osp.relpath(path, root))
    return written


_LINK = re.compile(r'(!?\[(?:[^\[\]]|\[[^\]]*\])*\])\(([^)\s]+)\)')


def _relink(text: str, folder: str, root: str) -> str:
    """Relative links of ``folder``/README.md made relative to docs/."""

    def fix(match):
        label, target = match.groups()
        if re.match(r'^[a-zA-Z][a-zA-Z0-9+.-]*:|^#', target):
            return match.group(0)
        path, _, anchor = target.partition('#')
        dest = osp.normpath(osp.join(root, folder, path))
        new = osp.relpath(dest, osp.join(root, 'docs'))
        return f'{label}({new}{"#" + anchor if anchor else ""})'

    return _LINK.sub(fix, text)


def _for_docs(readme: str, folder: str, root: str) -> str:
    """A config README as a section of the zoo page: headings one level
    down, relative links from docs/; code blocks as they are."""
    out, fence = [], None
    for line in readme.splitlines():
        match = re.match(r'^\s*(```|~~~)', line)
        if match:
            fence = None if fence == match.group(1) else (fence
                                                          or match.group(1))
        elif fence is None:
            line = _relink(re.sub(r'^(#{1,5}) ', r'#\1 ', line), folder, root)
        out.append(line)
    return '\n'.join(out)


def zoo_page(root: str = ROOT) -> str:
    """The generated part of docs/model_zoo.md."""
    collections = load_collections(root)
    parts = ['## Results by dataset', summary_tables(collections)]
    for _, models, folder in collections:
        with open(osp.join(root, folder, 'README.md'), encoding='utf-8') as f:
            readme = readme_with_results(f.read(), models)
        parts.append(_for_docs(readme, folder, root).strip())
    return '\n\n'.join(parts) + '\n'


def _on_builder_inited(app) -> None:
    from sphinx.util import logging
    logger = logging.getLogger(__name__)
    for problem in stale_readmes():
        logger.warning(problem, type='model_zoo')


def _on_source_read(app, docname: str, source: list) -> None:
    if docname != ZOO_DOC:
        return
    if ZOO_MARKER not in source[0]:
        from sphinx.util import logging
        logging.getLogger(__name__).warning(
            f'docs/{ZOO_DOC}.md: no marker line {ZOO_MARKER!r}',
            type='model_zoo')
        return
    for _, _, folder in load_collections():
        for name in ('README.md', 'metafile.yml'):
            app.env.note_dependency(osp.join(ROOT, folder, name))
    app.env.note_dependency(osp.join(ROOT, 'model-index.yml'))
    source[0] = source[0].replace(ZOO_MARKER, zoo_page())


def setup(app):
    app.connect('builder-inited', _on_builder_inited)
    app.connect('source-read', _on_source_read)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}


if __name__ == '__main__':
    changed = write_readmes()
    print('\n'.join(f'rewrote {p}' for p in changed) or 'up to date')
    sys.exit(0)
