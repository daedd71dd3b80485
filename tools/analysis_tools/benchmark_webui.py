"""Time photo -> coloured mesh through the web page's HTTP API.

    python tools/analysis_tools/benchmark_webui.py CONFIG [CHECKPOINT] \\
        [--repeat 10] [--sizes 480x640 960x1280] [--threads 2]

Starts the server of tools/webui.py in this process (on a free loopback
port, the model loaded and warmed up once), then for each photo size and
silhouette mode (``auto``, a plain background; ``grabcut``, a textured
one) posts a photo-like JPEG made by tools/misc/make_photo.py ``--repeat``
times and fetches the returned .glb, as the page does. Prints the median
and the slowest of: the server's own time, the POST round trip, and the
round trip plus the .glb download (what the page waits for before its
viewer draws). Without CHECKPOINT the model has random weights (the time
is the same).
"""
import argparse
import json
import os
import platform
import threading
import time
import urllib.error
import urllib.request
import uuid

import numpy as np

os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')  # as tools/webui.py

from mmssr.cli import cli_main  # noqa: E402 (after the OpenMP setting)
from mmssr.datasets.synthetic.photos import make_photo  # noqa: E402
from mmssr.errors import UserError  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', nargs='?', help='checkpoint file')
    parser.add_argument('--repeat', type=int, default=10)
    parser.add_argument(
        '--sizes',
        nargs='+',
        default=['480x640', '960x1280'],
        help='photo sizes, HEIGHTxWIDTH')
    parser.add_argument(
        '--threads', type=int, default=2, help='torch and OpenCV threads')
    return parser.parse_args()


def cpu_name() -> str:
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def object_view(size: int = 64) -> np.ndarray:
    """An RGBA (4, S, S) view of a two-coloured box on legs."""
    view = np.zeros((size, size, 4), np.uint8)
    s = size // 8
    view[s:4 * s, 2 * s:6 * s] = (150, 60, 40, 255)
    view[4 * s:5 * s, 2 * s:6 * s] = (200, 120, 60, 255)
    view[5 * s:7 * s, 2 * s:3 * s] = (60, 40, 30, 255)
    view[5 * s:7 * s, 5 * s:6 * s] = (60, 40, 30, 255)
    return view.transpose(2, 0, 1)


def jpeg(size, pattern: str) -> bytes:
    import cv2
    colour = (200, 205, 210) if pattern == 'plain' else (120, 140, 160)
    photo = make_photo(
        object_view(), size, 0.4, (0.45, 0.5), colour, pattern=pattern)
    ok, data = cv2.imencode('.jpg', photo[..., ::-1],
                            [cv2.IMWRITE_JPEG_QUALITY, 92])
    return data.tobytes()


def post(url: str, image: bytes, background: str) -> dict:
    """multipart/form-data POST of one photo; the JSON answer."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; '
        f'name="background"\r\n\r\n{background}\r\n'.encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; '
        'filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode(),
        image, f'\r\n--{boundary}--\r\n'.encode()
    ]
    request = urllib.request.Request(
        url + 'api/reconstruct',
        data=b''.join(parts),
        headers={'Content-Type': f'multipart/form-data; boundary={boundary}'})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as err:
        raise UserError(f'the server refused the photo: {err.read()}')


@cli_main
def main() -> int:
    args = parse_args()
    import cv2
    import torch
    from werkzeug.serving import make_server

    from mmssr.apis import MeshInferencer
    from mmssr.webui.server import create_app, warm_up
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    sizes = []
    for text in args.sizes:
        try:
            h, w = (int(v) for v in text.lower().split('x'))
        except ValueError:
            raise UserError(f'--sizes {text}: expected HEIGHTxWIDTH') from None
        sizes.append((h, w))
    inferencer = MeshInferencer(args.config, args.checkpoint)
    warm_up(inferencer)
    app = create_app(inferencer)
    server = make_server('127.0.0.1', 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f'http://127.0.0.1:{server.server_port}/'
    params = sum(p.numel() for p in inferencer.model.parameters())
    print(f'{args.config}: {params / 1e6:.1f} M parameters, input '
          f'{inferencer.image_size} px; {cpu_name()}, '
          f'{torch.get_num_threads()} thread(s); {args.repeat} runs each')
    print('| photo | silhouette | vertices | server s (median / max) '
          '| POST s | POST + .glb s |')
    print('| --- | --- | ---: | ---: | ---: | ---: |')
    try:
        for size in sizes:
            for background, pattern in (('auto', 'plain'), ('grabcut',
                                                            'texture')):
                image = jpeg(size, pattern)
                server_s, post_s, total_s = [], [], []
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    answer = post(url, image, background)
                    post_s.append(time.perf_counter() - start)
                    with urllib.request.urlopen(url +
                                                answer['files']['glb']) as r:
                        r.read()
                    total_s.append(time.perf_counter() - start)
                    server_s.append(answer['seconds'])
                cells = [
                    f'{np.median(t):.2f} / {np.max(t):.2f}'
                    for t in (server_s, post_s, total_s)
                ]
                print(f'| {size[1]}x{size[0]} JPEG, {pattern} | {background}'
                      f' | {answer["vertices"]} | ' + ' | '.join(cells) + ' |')
    finally:
        server.shutdown()
        app.extensions['mmssr_results'].close()
    return 0


if __name__ == '__main__':
    main()
