import os
import subprocess
import sys

from ..conftest import REPO_ROOT

CHECK = """
import sys
import mmssr, mmssr.apis, mmssr.webui, mmssr.webui.results
web = sorted(m for m in ('flask', 'werkzeug', 'jinja2') if m in sys.modules)
assert not web, web
"""


def test_core_import_leaves_the_web_stack_alone():
    proc = subprocess.run([sys.executable, '-c', CHECK],
                          cwd=REPO_ROOT,
                          env=dict(os.environ, PYTHONPATH=REPO_ROOT),
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_the_page_and_its_viewer_ship_in_the_package():
    from mmssr.webui.server import STATIC
    vendor = os.path.join(STATIC, 'vendor', 'model-viewer')
    for name in ('index.html', 'app.js', 'style.css', 'viewer-config.js'):
        assert os.path.isfile(os.path.join(STATIC, name)), name
    for name in ('model-viewer.min.js', 'LICENSE', 'VENDORED.md'):
        assert os.path.isfile(os.path.join(vendor, name)), name
    with open(os.path.join(REPO_ROOT, 'MANIFEST.in')) as f:
        assert 'recursive-include mmssr/webui/static *' in f.read()
    # the page loads nothing but this server's files
    with open(os.path.join(STATIC, 'index.html')) as f:
        html = f.read()
    assert '//' not in html  # no absolute or protocol-relative URL
