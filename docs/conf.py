"""Sphinx configuration of the mmssr documentation.

Build: ``python -m sphinx -b html -W --keep-going -n docs docs/_build/html``
(``pip install -e '.[docs]'`` first). Pages are Markdown read by
myst-parser; no page or extension reaches the network.
"""
import os.path as osp
import sys

DOCS = osp.dirname(osp.abspath(__file__))
sys.path.insert(0, osp.join(DOCS, '_ext'))


def _version() -> str:
    scope: dict = {}
    path = osp.join(DOCS, '..', 'mmssr', 'version.py')
    with open(path, encoding='utf-8') as f:
        exec(compile(f.read(), path, 'exec'), scope)
    return scope['__version__']


project = 'mmssr'
author = 'mmssr contributors'
copyright = 'mmssr contributors'
release = _version()
version = release

extensions = [
    'myst_parser',
    'model_zoo',  # docs/model_zoo.md from configs/*/metafile.yml
    'local_links',  # relative links of README.md, configs/*/README.md, docs
]
source_suffix = {'.md': 'markdown'}
root_doc = 'index'
exclude_patterns = ['_build', '_ext', 'Thumbs.db', '.DS_Store']

# Headings down to ### get anchors, named the way GitHub names them, so a
# link such as ``conventions.md#voxel-frame`` works on GitHub and here.
myst_heading_anchors = 3
myst_heading_slug_func = 'local_links.slugify'
myst_enable_extensions = ['colon_fence']

html_theme = 'furo'
html_title = f'mmssr {release}'
html_static_path = ['_static']
html_css_files = ['tables.css']
html_show_sourcelink = False
