"""Check that the relative links and file names of the Markdown files resolve.

Sphinx checks the links of the pages it builds; the README and the config
folders' READMEs are read on GitHub and by ``pip``, outside the build. This
module finds every Markdown link and image (``[text](target)``,
``![alt](target)``, ``<img src="target">``) outside code, and reports targets
that are not files, and ``#anchors`` that name no heading (h1-h3, named as
GitHub names them). Links with a scheme (``https:``, ``mailto:``) are not
fetched: there may be no network. Inline code that is a path of the
repository (```mmssr/...```, ```tools/...```, ```configs/...```,
```tests/...```, without wildcards or placeholders) must name a file or
folder that exists, so the pages follow the code when it moves.

As a Sphinx extension it runs once per build and turns each broken link into
a warning (an error under ``-W``). As a script, ``python
docs/_ext/local_links.py`` prints them and exits 1 if there are any.
"""
import glob
import os.path as osp
import re
import sys
from typing import Dict, Iterator, List, Set, Tuple

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ANCHOR_DEPTH = 3  # myst_heading_anchors in docs/conf.py

_FENCE = re.compile(r'^\s*(```|~~~|:::)')
_HEADING = re.compile(r'^(#{1,6})\s+(.*?)\s*#*\s*$')
_INLINE_CODE = re.compile(r'(`+).*?\1')
_LINK = re.compile(r'!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?'
                   r'(?:\s+"[^"]*")?\s*\)')
_IMG = re.compile(r'<img\s[^>]*src="([^"]+)"')
_CODE_PATH = re.compile(r'`((?:mmssr|tools|configs|tests)/[^`\s*{}<>\[\]]*)`')
_SCHEME = re.compile(r'^[a-zA-Z][a-zA-Z0-9+.-]*:')


def markdown_files(root: str = ROOT) -> List[str]:
    """README.md, configs/*/README.md and docs/**/*.md under ``root``."""
    files = [osp.join(root, 'README.md')]
    files += sorted(glob.glob(osp.join(root, 'configs', '*', 'README.md')))
    files += sorted(
        f for f in glob.glob(
            osp.join(root, 'docs', '**', '*.md'), recursive=True)
        if '_build' not in osp.relpath(f, root).split(osp.sep))
    return [f for f in files if osp.isfile(f)]


def slugify(title: str) -> str:
    """The anchor GitHub (and the docs, see conf.py) gives a heading."""
    text = re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', title)  # link -> its text
    text = re.sub(r'[`*]', '', text).strip().lower()
    text = re.sub(r'[^\w\- ]', '', text)
    return text.replace(' ', '-')


def _lines_outside_code(text: str) -> Iterator[Tuple[int, str]]:
    fence = None
    for number, line in enumerate(text.splitlines(), 1):
        match = _FENCE.match(line)
        if match:
            if fence is None:
                fence = match.group(1)
            elif match.group(1) == fence:
                fence = None
            continue
        if fence is None:
            yield number, line


def anchors(path: str) -> Set[str]:
    """The anchors of the h1-h3 headings of a Markdown file."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    seen: Dict[str, int] = {}
    names = set()
    for _, line in _lines_outside_code(text):
        match = _HEADING.match(line)
        if not match or len(match.group(1)) > ANCHOR_DEPTH:
            continue
        slug = slugify(match.group(2))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        names.add(slug if count == 0 else f'{slug}-{count}')
    return names


def links(path: str) -> Iterator[Tuple[int, str]]:
    """(line number, target) of each link and image outside code."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    for number, line in _lines_outside_code(text):
        line = _INLINE_CODE.sub('', line)
        for regex in (_LINK, _IMG):
            for match in regex.finditer(line):
                yield number, match.group(1)


def code_paths(path: str) -> Iterator[Tuple[int, str]]:
    """(line number, path) of each repository path in inline code."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    for number, line in _lines_outside_code(text):
        for match in _CODE_PATH.finditer(line):
            yield number, match.group(1)


def broken_links(path: str, root: str = ROOT) -> List[str]:
    """One message per relative link or code path of ``path`` that does not
    resolve."""
    problems = []
    rel = osp.relpath(path, root)
    for number, name in code_paths(path):
        if not osp.exists(osp.join(root, name)):
            problems.append(f'{rel}:{number}: {name!r}: no such file in the '
                            'repository')
    for number, target in links(path):
        if _SCHEME.match(target):
            continue
        file_part, _, anchor = target.partition('#')
        dest = osp.normpath(osp.join(osp.dirname(path), file_part)) \
            if file_part else path
        where = f'{rel}:{number}: link {target!r}'
        if not osp.exists(dest):
            problems.append(f'{where}: no such file')
        elif anchor and (not dest.endswith('.md')
                         or anchor not in anchors(dest)):
            problems.append(f'{where}: no heading with anchor #{anchor} in '
                            f'{osp.relpath(dest, root)}')
    return problems


def check_all(root: str = ROOT) -> List[str]:
    return [
        p for path in markdown_files(root) for p in broken_links(path, root)
    ]


def _check_on_build(app) -> None:
    from sphinx.util import logging
    logger = logging.getLogger(__name__)
    for problem in check_all():
        logger.warning(problem, type='local_links')


def setup(app):
    app.connect('builder-inited', _check_on_build)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}


if __name__ == '__main__':
    found = check_all()
    print('\n'.join(found) or 'all relative links resolve')
    sys.exit(1 if found else 0)
