"""The web page's HTTP server: Flask routes around one ``MeshInferencer``.

Routes:

- ``GET /``: the page (``static/index.html``); ``/static/...`` its files,
  the 3D viewer included (nothing is fetched from elsewhere).
- ``GET /api/config``: the upload limit and the choices of the form.
- ``POST /api/reconstruct``: multipart form with ``image`` (a file),
  optional ``mask`` (a file of the same size, non-zero = object),
  ``background`` (``auto``, ``alpha``, ``mask`` or ``grabcut``) and
  ``framing_ratio``; answers JSON with the counts of vertices and faces,
  where the silhouette came from, the seconds taken and the URLs of
  ``input.png``, ``silhouette.png`` and the mesh as ``mesh.glb``,
  ``mesh.obj`` and ``mesh.ply``. A bad upload gets a 4xx with
  ``{"error": message}``; a failure of the server a 500 with a message
  that points to the server's log (never a traceback).
- ``GET /api/results/<id>/<file>``: those files, for about
  ``keep_seconds`` after the request.
"""
import logging
import os.path as osp
import threading
import time
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from mmssr.datasets.transforms.framing import (BACKGROUND_MODES, FRAMING_RATIO,
                                               IMAGE_EXTENSIONS)
from mmssr.errors import UserError
from mmssr.io.image import read_image, read_mask
from mmssr.io.mesh import write_mesh
from .pictures import display_pictures, write_png
from .results import ResultStore

STATIC = osp.join(osp.dirname(osp.abspath(__file__)), 'static')
MESH_FILES = {
    'mesh.glb': 'model/gltf-binary',
    'mesh.obj': 'text/plain',
    'mesh.ply': 'application/octet-stream'
}
RESULT_FILES = dict(
    MESH_FILES, **{
        'input.png': 'image/png',
        'silhouette.png': 'image/png'
    })
# The page and its viewer come from this server only; the browser refuses
# anything else, whatever a script asks for. ('wasm-unsafe-eval': three.js
# compiles its bundled mesh decoder, inline WebAssembly.)
CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "
       "style-src 'self' 'unsafe-inline'; img-src 'self' blob: data:; "
       "connect-src 'self' blob: data:; worker-src 'self' blob:; "
       "font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
logger = logging.getLogger('mmssr.webui')


@dataclass
class WebSettings:
    """Limits of the web server.

    Attributes:
        max_upload_mb: largest request (image and mask together), MiB.
        keep_seconds: how long a request's results stay downloadable.
        display_size: longer side of the input and silhouette pictures.
    """

    max_upload_mb: float = 20.0
    keep_seconds: float = 600.0
    display_size: int = 512


class BadUpload(UserError):
    """An upload the server refuses (answered with this status)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def save_upload(storage, folder: str, stem: str) -> Tuple[str, str]:
    """Write an uploaded file into ``folder``; its path and the name the
    user gave it."""
    from werkzeug.utils import secure_filename
    shown = osp.basename(storage.filename or '') or stem
    ext = osp.splitext(secure_filename(shown))[1].lower()
    path = osp.join(folder, stem + (ext if ext in IMAGE_EXTENSIONS else ''))
    storage.save(path)
    if osp.getsize(path) == 0:
        raise BadUpload(f'{shown}: the file is empty')
    return path, shown


class Reconstructor:
    """Uploads -> result folders, one model call at a time."""

    def __init__(self, inferencer, store: ResultStore,
                 settings: WebSettings) -> None:
        self.inferencer = inferencer
        self.store = store
        self.settings = settings
        self._lock = threading.Lock()

    def __call__(self, files, form) -> dict:
        start = time.perf_counter()
        if 'image' not in files or not files['image'].filename:
            raise BadUpload('no image: choose or drop an image file')
        background = form.get('background', 'auto')
        if background not in BACKGROUND_MODES:
            raise BadUpload(f'background {background!r}: expected one of '
                            f'{", ".join(BACKGROUND_MODES)}')
        try:
            ratio = float(form.get('framing_ratio') or FRAMING_RATIO)
        except ValueError:
            raise BadUpload(f'framing ratio {form.get("framing_ratio")!r}: '
                            'expected a number in (0, 1]') from None
        if not 0 < ratio <= 1:
            raise BadUpload(f'framing ratio {ratio}: expected a number in '
                            '(0, 1]')
        result_id = self.store.new()
        folder = self.store.path(result_id)
        try:
            return self._run(result_id, folder, files, background, ratio,
                             start)
        except BaseException:
            self.store.remove(result_id)
            raise

    def _run(self, result_id, folder, files, background, ratio, start):
        image_path, name = save_upload(files['image'], folder, 'image-upload')
        mask_path, mask_name = None, None
        if 'mask' in files and files['mask'].filename:
            mask_path, mask_name = save_upload(files['mask'], folder,
                                               'mask-upload')
        try:
            image = read_image(image_path)  # the demo's reader and checks
            if mask_path is not None:
                read_mask(mask_path)
            with self._lock:
                pred = self.inferencer(
                    image_path,
                    batch_size=1,
                    mask=mask_path,
                    background=background,
                    framing_ratio=ratio,
                    preview_views=(),
                    return_silhouette=True)['predictions'][0]
        except UserError as err:
            # name the user's file, not our temporary copy
            message = str(err).replace(osp.join(folder, ''), '')
            for path, shown in ((image_path, name), (mask_path, mask_name)):
                if path:
                    message = message.replace(osp.basename(path), shown)
            raise BadUpload(message) from None
        for file in MESH_FILES:
            write_mesh(
                osp.join(folder, file), pred['vertices'], pred['faces'],
                pred['vertex_colors'])
        shown, overlay = display_pictures(image, pred['silhouette'],
                                          self.settings.display_size)
        write_png(osp.join(folder, 'input.png'), shown)
        write_png(osp.join(folder, 'silhouette.png'), overlay)
        stem = osp.splitext(name)[0] or 'mesh'
        base = f'api/results/{result_id}/'
        return dict(
            id=result_id,
            name=name,
            stem=stem,
            vertices=int(len(pred['vertices'])),
            faces=int(len(pred['faces'])),
            colors=pred.get('vertex_colors') is not None,
            silhouette_from=pred['silhouette_from'],
            seconds=round(time.perf_counter() - start, 3),
            files={
                f.split('.')[-1] if f in MESH_FILES else f[:-4]: base + f
                for f in RESULT_FILES
            })


def warm_up(inferencer) -> None:
    """Reconstruct and write a made-up photo once, so that the first
    user's request does not pay for one-off work (the renderer's kernel
    compilation, open3d's import)."""
    import tempfile
    image = np.full((96, 96, 3), 200, np.uint8)
    image[24:72, 30:66] = (180, 60, 40)
    pred = inferencer(image, batch_size=1, preview_views=())['predictions'][0]
    with tempfile.TemporaryDirectory(prefix='mmssr-warm-up-') as folder:
        for file in MESH_FILES:
            write_mesh(
                osp.join(folder, file), pred['vertices'], pred['faces'],
                pred['vertex_colors'])


def create_app(inferencer,
               settings: Optional[WebSettings] = None,
               store: Optional[ResultStore] = None):
    """The Flask application of the page, around a loaded inferencer."""
    from flask import Flask, jsonify, request, send_from_directory
    from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

    settings = settings or WebSettings()
    store = store or ResultStore(settings.keep_seconds)
    reconstruct = Reconstructor(inferencer, store, settings)
    app = Flask('mmssr.webui', static_folder=STATIC, static_url_path='/static')
    app.config['MAX_CONTENT_LENGTH'] = int(settings.max_upload_mb * 2**20)
    app.extensions['mmssr_results'] = store

    def error(message: str, status: int):
        return jsonify(error=message), status

    @app.after_request
    def headers(response):
        response.headers['Content-Security-Policy'] = CSP
        response.headers['X-Content-Type-Options'] = 'nosniff'
        response.headers['Referrer-Policy'] = 'no-referrer'
        if request.path.startswith('/api/'):
            response.headers['Cache-Control'] = 'no-store'
        return response

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_):
        return error(
            f'upload too large: the limit is '
            f'{settings.max_upload_mb:g} MiB per request (image '
            'and mask together; see --max-upload-mb)', 413)

    @app.errorhandler(HTTPException)
    def http_error(err):
        return error(f'{err.code} {err.name}: {err.description}', err.code)

    @app.errorhandler(Exception)
    def internal_error(err):
        logger.exception('reconstruction failed')
        return error(
            f'internal error ({type(err).__name__}); the server\'s '
            'log has the details', 500)

    @app.get('/')
    def index():
        return send_from_directory(STATIC, 'index.html')

    @app.get('/api/config')
    def config():
        return jsonify(
            max_upload_bytes=app.config['MAX_CONTENT_LENGTH'],
            backgrounds=list(BACKGROUND_MODES),
            framing_ratio=FRAMING_RATIO,
            image_extensions=list(IMAGE_EXTENSIONS),
            keep_seconds=settings.keep_seconds)

    @app.post('/api/reconstruct')
    def api_reconstruct():
        try:
            return jsonify(reconstruct(request.files, request.form))
        except BadUpload as err:
            return error(str(err), err.status)

    @app.get('/api/results/<result_id>/<name>')
    def result_file(result_id: str, name: str):
        if name not in RESULT_FILES or not store.exists(result_id, name):
            return error(
                'no such result (results are kept for '
                f'{settings.keep_seconds:g} s)', 404)
        return send_from_directory(
            store.path(result_id), name, mimetype=RESULT_FILES[name])

    return app
