"""tools/webui.py as a subprocess: the HTTP API, then the page in Chromium.

The model is a tiny untrained one (plumbing only); its mesh is coloured
from the photo, which is all the viewer test needs. Set
MMSSR_WEBUI_SCREENSHOT=resources/webui.png to keep the browser's screenshot.
"""
import json
import os
import os.path as osp
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import cv2
import numpy as np
import pytest

from mmssr.datasets.synthetic.photos import make_photo
from mmssr.io.glb import read_glb
from ..conftest import REPO_ROOT
from ..test_apis.test_tools_show_and_demo import make_checkpoint
from ..test_datasets.test_transforms.test_foreground import chair_view

pytest.importorskip('flask', reason="the web extra: pip install '.[web]'")
urllib3 = pytest.importorskip('urllib3')

TINY_MODEL = """
_base_ = [{base!r}]
model = dict(image_size=32, decoder=dict(subdivisions=2))
"""
CHROMIUM, CHROMEDRIVER = '/usr/bin/chromium', '/usr/bin/chromedriver'


def recolour(view, colour):
    """The chair view with every opaque pixel of one colour."""
    out = view.copy()
    out[:3, view[3] > 0] = np.asarray(colour, np.uint8)[:, None]
    return out


def write_photo(path, colour=None, **kwargs):
    view = chair_view() if colour is None else recolour(chair_view(), colour)
    photo = make_photo(view, (240, 320), 0.5, (0.45, 0.5), **kwargs)
    cv2.imwrite(str(path), photo[..., ::-1])
    return str(path)


@pytest.fixture(scope='module')
def server(tmp_path_factory):
    """tools/webui.py on a free loopback port: (base URL, results root)."""
    tmp = tmp_path_factory.mktemp('webui')
    cfg = tmp / 'tiny.py'
    cfg.write_text(
        TINY_MODEL.format(
            base=osp.join(REPO_ROOT,
                          'configs/softras/softras_synthetic_n2.py')))
    ckpt = make_checkpoint(str(cfg), tmp / 'tiny.pth')
    proc = subprocess.Popen([
        sys.executable, 'tools/webui.py',
        str(cfg), ckpt, '--port', '0', '--max-upload-mb', '1'
    ],
                            cwd=REPO_ROOT,
                            env=dict(os.environ, PYTHONPATH=REPO_ROOT),
                            stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT,
                            text=True)
    lines = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(x) for x in proc.stdout],
        daemon=True).start()
    url = root = None
    log = []
    deadline = time.time() + 180
    while url is None and time.time() < deadline and proc.poll() is None:
        try:
            log.append(lines.get(timeout=1))
        except queue.Empty:
            continue
        found = re.search(r'results: (\S+)', log[-1])
        root = found.group(1) if found else root
        found = re.search(r'web page: (http://127\.0\.0\.1:\d+/)', log[-1])
        url = found.group(1) if found else None
    if url is None:
        proc.kill()
        pytest.fail('tools/webui.py did not start:\n' + ''.join(log))
    yield url, root
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
    assert not osp.exists(root)  # results are removed at exit


def post(url, image=None, mask=None, **form):
    fields = dict(form)
    for key, path in (('image', image), ('mask', mask)):
        if path is not None:
            with open(path, 'rb') as f:
                fields[key] = (osp.basename(path), f.read())
    return urllib3.request(
        'POST', url + 'api/reconstruct', fields=fields, timeout=120)


def fetch(url, path):
    response = urllib3.request('GET', url + path, timeout=60)
    assert response.status == 200, (path, response.data[:200])
    return response.data


def reconstruct(url, image, **form):
    response = post(url, image, **form)
    assert response.status == 200, response.data[:500]
    return json.loads(response.data)


def test_http_api(server, tmp_path):
    import open3d as o3d
    url, root = server
    assert url.startswith('http://127.0.0.1:')  # loopback by default
    red = write_photo(tmp_path / 'red.png', colour=(220, 40, 30))
    result = reconstruct(url, red)
    assert (result['vertices'], result['faces']) == (162, 320)
    assert result['colors'] and result['silhouette_from'] == 'estimated'
    assert osp.isdir(osp.join(root, result['id']))
    (tmp_path / 'red.glb').write_bytes(fetch(url, result['files']['glb']))
    mesh = read_glb(str(tmp_path / 'red.glb'))
    assert mesh['vertices'].shape == (162, 3)
    assert mesh['faces'].shape == (320, 3)
    r, g, b = mesh['vertex_colors'].mean(0)
    assert r > 0.6 and g < 0.35 and b < 0.35  # the photo's red
    for ext in ('ply', 'obj'):
        path = str(tmp_path / f'red.{ext}')
        with open(path, 'wb') as f:
            f.write(fetch(url, result['files'][ext]))
        read = o3d.io.read_triangle_mesh(path)
        assert len(read.vertices) == 162 and len(read.triangles) == 320
        assert read.has_vertex_colors()
        assert np.asarray(read.vertex_colors).mean(0).argmax() == 0
    picture = cv2.imdecode(
        np.frombuffer(fetch(url, result['files']['silhouette']), np.uint8),
        cv2.IMREAD_COLOR)
    assert picture.shape == (240, 320, 3)

    # one image after another: a JPEG on a textured background, GrabCut
    blue = write_photo(
        tmp_path / 'blue.jpg',
        colour=(30, 60, 220),
        background=(150, 150, 140),
        pattern='texture')
    second = reconstruct(url, blue, background='grabcut', framing_ratio='0.6')
    assert second['silhouette_from'] == 'grabcut'
    assert second['id'] != result['id']
    # the first result is still there, unchanged
    assert fetch(url, result['files']['glb']) == \
        (tmp_path / 'red.glb').read_bytes()

    # two requests at once (two browser tabs): each gets its own colours
    blue = write_photo(tmp_path / 'blue.png', colour=(30, 60, 220))
    with ThreadPoolExecutor(2) as pool:
        answers = list(
            pool.map(lambda p: reconstruct(url, p), [red, blue, red, blue]))
    for answer, want in zip(answers, [0, 2, 0, 2]):
        (tmp_path / 'x.glb').write_bytes(fetch(url, answer['files']['glb']))
        colors = read_glb(str(tmp_path / 'x.glb'))['vertex_colors']
        assert colors.mean(0).argmax() == want
    assert len({a['id'] for a in answers}) == 4


def test_bad_uploads_get_a_4xx_with_a_message(server, tmp_path):
    url, _ = server
    photo = write_photo(tmp_path / 'photo.png')
    text = tmp_path / 'notes.png'
    text.write_text('not an image')
    big = tmp_path / 'big.png'
    big.write_bytes(os.urandom(3 * 2**20 // 2))
    blank = tmp_path / 'blank.png'
    cv2.imwrite(str(blank), np.full((50, 60, 3), 90, np.uint8))
    small_mask = tmp_path / 'mask.png'
    cv2.imwrite(str(small_mask), np.full((20, 30), 255, np.uint8))
    cases = [
        (dict(image=str(text)), 400, 'notes.png: not a readable image'),
        (dict(image=str(big)), 413, 'upload too large: the limit is 1 MiB'),
        (dict(), 400, 'no image'),
        (dict(image=str(blank)), 400, 'blank.png: no separable object'),
        (dict(image=photo, mask=str(small_mask)), 400, '30x20'),
        (dict(image=photo, framing_ratio='x'), 400, 'framing ratio'),
        (dict(image=photo, background='magic'), 400, 'background'),
    ]
    for kwargs, status, message in cases:
        response = post(url, **kwargs)
        body = response.data.decode()
        assert response.status == status, (kwargs, body)
        assert message in json.loads(body)['error'], body
        assert 'Traceback' not in body and 'tmp' not in body, body
    response = urllib3.request('GET', url + 'api/results/none/mesh.glb')
    assert response.status == 404 and 'error' in json.loads(response.data)


def chrome(tmp_path):
    """Headless Debian Chromium with software WebGL, no network of its own
    (names resolve nowhere; the page must need none)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ('--headless', '--no-sandbox', '--disable-gpu',
                '--enable-unsafe-swiftshader', '--use-angle=swiftshader',
                '--no-first-run', '--disable-background-networking',
                '--disable-component-update', '--disable-sync',
                f'--user-data-dir={tmp_path / "profile"}',
                '--window-size=1280,720',
                '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'):
        options.add_argument(arg)
    options.set_capability('goog:loggingPrefs', {'performance': 'ALL'})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def requested_urls(driver):
    """Every URL the browser sent a request for (DevTools' Network log)."""
    urls = []
    for entry in driver.get_log('performance'):
        message = json.loads(entry['message'])['message']
        if message['method'] == 'Network.requestWillBeSent':
            urls.append(message['params']['request']['url'])
    return urls


def viewer_pixels(driver):
    """The screenshot's pixels (RGB) inside the 3D viewer, and the PNG."""
    png = driver.get_screenshot_as_png()
    shot = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    rect = driver.execute_script(
        'const r = document.getElementById("viewer")'
        '.getBoundingClientRect(); return [r.left, r.top, r.right, '
        'r.bottom, window.devicePixelRatio];')
    x0, y0, x1, y1 = (int(round(v * rect[4])) for v in rect[:4])
    return shot[y0:y1, x0:x1, ::-1], png


def hue_fraction(pixels, channel):
    """Share of pixels where ``channel`` clearly dominates the others."""
    rgb = pixels.astype(int)
    others = np.delete(rgb, channel, axis=2).max(2)
    return float(np.mean(rgb[..., channel] > others + 40))


def wait_for_view(driver, previous, channel, timeout=90):
    """Wait until the viewer shows a new result with colour ``channel``
    dominant on enough pixels; returns that share and the screenshot."""
    from selenium.webdriver.support.ui import WebDriverWait
    viewer = driver.find_element('id', 'viewer')
    WebDriverWait(driver, timeout).until(
        lambda d: 'error' in d.find_element('id', 'status').get_attribute(
            'class') or (viewer.get_attribute('data-loaded') == '1' and viewer.
                         get_attribute('data-result') != previous))
    status = driver.find_element('id', 'status')
    assert status.get_attribute('class') == 'ok', status.text
    deadline = time.time() + 30  # software WebGL: frames take a while
    while True:
        pixels, png = viewer_pixels(driver)
        share = hue_fraction(pixels, channel)
        if share > 0.05 or time.time() > deadline:
            return share, png


@pytest.mark.skipif(
    not (osp.exists(CHROMIUM) and osp.exists(CHROMEDRIVER)),
    reason=f'needs Debian chromium and chromium-driver ({CHROMIUM}, '
    f'{CHROMEDRIVER})')
def test_page_in_headless_chromium(server, tmp_path):
    from selenium.webdriver.support.ui import Select, WebDriverWait
    url, _ = server
    red = write_photo(tmp_path / 'red.png', colour=(220, 40, 30))
    blue = write_photo(
        tmp_path / 'blue.jpg',
        colour=(30, 60, 220),
        background=(150, 150, 140),
        pattern='texture')
    notes = tmp_path / 'notes.png'
    notes.write_text('not an image')
    driver = chrome(tmp_path)
    try:
        driver.get(url)
        viewer = driver.find_element('id', 'viewer')
        upload = driver.find_element('id', 'image')
        upload.send_keys(red)
        share, _ = wait_for_view(driver, None, 0)
        assert share > 0.05, f'{share:.3f} of the viewer is red'
        first = viewer.get_attribute('data-result')
        for name in ('input-img', 'silhouette-img'):
            assert driver.execute_script(
                f'return document.getElementById("{name}").naturalWidth'
            ) == 320
        for ext in ('glb', 'obj', 'ply'):
            link = driver.find_element('id', f'dl-{ext}')
            assert link.get_attribute('download') == f'red.{ext}'
            assert first in link.get_attribute('href')

        # another photo, without a reload, on a textured background that
        # GrabCut cuts out: the viewer turns blue
        Select(driver.find_element('id',
                                   'background')).select_by_value('grabcut')
        upload.send_keys(blue)
        share, png = wait_for_view(driver, first, 2)
        (tmp_path / 'webui.png').write_bytes(png)
        assert share > 0.05, f'{share:.3f} of the viewer is blue'
        status = driver.find_element('id', 'status')
        assert 'blue.jpg' in status.text, status.text
        assert 'silhouette from grabcut' in status.text, status.text
        print('\nphoto -> mesh shown on the page (second photo): '
              f'{viewer.get_attribute("data-seconds")} s')

        # a bad upload: a message on the page, not a broken page
        upload.send_keys(str(notes))
        WebDriverWait(
            driver,
            30).until(lambda d: status.get_attribute('class') == 'error')
        assert 'notes.png: not a readable image' in status.text

        local = urlsplit(url).netloc
        outside = [
            u for u in requested_urls(driver)
            if urlsplit(u).scheme in ('http', 'https', 'ws', 'wss',
                                      'ftp') and urlsplit(u).netloc != local
        ]
        assert not outside, f'requests outside the server: {outside}'
    finally:
        driver.quit()
    keep = os.environ.get('MMSSR_WEBUI_SCREENSHOT')
    if keep:
        shutil.copyfile(tmp_path / 'webui.png', keep)
