"""The package's layers, read from its import graph.

Bottom to top: errors, registry, version, cli and utils; structures,
geometry, io and the renderer; models, datasets, evaluation and
visualization; engine, apis and webui; the tools on top. A module may
import its own layer and the layers below, never a layer above (function
level imports count too: they are how circles hide). The one exception is
``mmssr.utils.setup_env``: ``register_all_modules`` imports every package to
fill the registries.
"""
import ast
import os
import os.path as osp
import subprocess
import sys

from .conftest import REPO_ROOT

LAYERS = [
    {'errors', 'registry', 'version', 'cli', 'utils', ''},
    {'structures', 'geometry', 'io', 'renderer'},
    {'models', 'datasets', 'evaluation', 'visualization'},
    {'engine', 'apis', 'webui'},
]
EXEMPT = {'mmssr.utils.setup_env'}
# Modules over ~300 lines, with the reason they stay whole.
LONG_MODULES = {
    'mmssr.datasets.synthetic.categories':
    'the procedural families of the 13 categories, one builder each',
    'mmssr.renderer.fused.kernels':
    'the fused forward and backward kernels and the inlined exp they '
    'share: the per-pair formulas change together',
    'mmssr.datasets.shapenet_dataset':
    'the file-format dataset: a 65-line docstring documents its files, '
    'splits and modes',
}
MAX_LINES = 300


def layer_of(module: str) -> int:
    top = module.split('.')[1] if '.' in module else ''
    for level, names in enumerate(LAYERS):
        if top in names:
            return level
    raise AssertionError(f'{module}: not in any layer; add its package')


def modules():
    found = {}
    root = osp.join(REPO_ROOT, 'mmssr')
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith('.py'):
                path = osp.join(folder, name)
                mod = osp.relpath(path, REPO_ROOT)[:-3].replace(os.sep, '.')
                found[mod[:-len('.__init__')] if mod.endswith('__init__')
                      else mod] = path
    return found


def imports(module: str, path: str, known) -> set:
    """mmssr modules ``module`` imports, at any level of the file."""
    out = set()
    for node in ast.walk(ast.parse(open(path).read())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split('.')
                if not path.endswith('__init__.py'):
                    base = base[:-1]
                base = base[:len(base) - node.level + 1]
                name = '.'.join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ''
            out.add(name)
            out.update(f'{name}.{a.name}' for a in node.names
                       if f'{name}.{a.name}' in known)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return {n for n in out if n.startswith('mmssr')}


def test_no_module_imports_a_layer_above_it():
    known = modules()
    wrong = []
    for mod, path in sorted(known.items()):
        if mod in EXEMPT:
            continue
        for other in sorted(imports(mod, path, known)):
            if layer_of(other) > layer_of(mod):
                wrong.append(f'{mod} -> {other}')
    assert wrong == []


def test_the_renderer_imports_nothing_above_it():
    known = modules()
    for mod, path in known.items():
        if mod.startswith('mmssr.renderer'):
            for other in imports(mod, path, known):
                assert other.split('.')[1] not in (
                    'models', 'datasets', 'engine', 'evaluation', 'apis'), (
                        mod, other)


def test_no_import_circles_between_modules():
    known = modules()
    graph = {
        m: {o
            for o in imports(m, p, known) if o in known and o != m}
        if m not in EXEMPT else set()
        for m, p in known.items()
    }
    # a package's __init__ importing its own modules is not a circle
    for mod in graph:
        graph[mod] = {o for o in graph[mod] if not mod.startswith(o + '.')}
    state, stack, circles = {}, [], []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                circles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for mod in sorted(graph):
        if mod not in state:
            visit(mod)
    assert circles == []


def test_importing_datasets_leaves_models_unimported():
    code = ('import sys, mmssr.datasets; '
            'print(sorted(m for m in sys.modules if m.startswith('
            '("mmssr.models", "mmssr.engine", "mmssr.apis"))))')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=REPO_ROOT)).stdout
    assert out.strip() == '[]'


def test_modules_are_small_or_say_why():
    long = {}
    for mod, path in modules().items():
        with open(path) as f:
            lines = sum(1 for _ in f)
        if lines > MAX_LINES and mod not in LONG_MODULES:
            long[mod] = lines
    assert long == {}
