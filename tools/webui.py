"""A local web page: a photo in, a coloured 3D mesh out.

    python tools/webui.py CONFIG CHECKPOINT [--port 7860] [--host 127.0.0.1]
        [--device cpu] [--max-upload-mb 20] [--keep-minutes 10]

Loads the model once, starts a local web server and prints its address;
open it in a browser. The page takes an image (any kind tools/demo.py
takes) and optionally a mask, shows the input, the silhouette used and the
coloured mesh in a 3D viewer, and offers the mesh as .glb, .obj and .ply.
Needs the web extra: ``pip install -e '.[web]'``. Listens on 127.0.0.1
(this machine only) unless ``--host`` says otherwise; ``--port 0`` takes a
free port. Stop it with Ctrl+C.
"""
import argparse
import logging
import os
import signal

# torch and open3d each keep OpenMP threads that spin after their work; on
# few cores one's spinning threads then slow the other's (a request took
# 2-4 s instead of 0.3 s on 2 cores). Set before torch loads its runtime.
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')

from mmssr.cli import add_debug_argument, cli_main  # noqa: E402
from mmssr.errors import UserError  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--port', type=int, default=7860, help='0 takes a free port')
    parser.add_argument(
        '--host',
        default='127.0.0.1',
        help='address to listen on (0.0.0.0: every network interface; '
        'anyone who reaches it can use the model)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--checkpoint-prefix',
        help="e.g. 'reconstructor.' to use the reconstructor of an SSR "
        'checkpoint with a SoftRas config')
    parser.add_argument(
        '--max-upload-mb',
        type=float,
        default=20.0,
        help='largest upload (image and mask together), MiB')
    parser.add_argument(
        '--keep-minutes',
        type=float,
        default=10.0,
        help='how long results stay on disk and downloadable')
    add_debug_argument(parser)
    return parser.parse_args()


def stop(signum, frame) -> None:
    """SIGTERM ends the server as Ctrl+C does (results removed)."""
    raise KeyboardInterrupt


@cli_main
def main() -> int:
    args = parse_args()
    if not 0 <= args.port <= 65535:
        raise UserError(f'--port {args.port}: expected 0..65535')
    if args.max_upload_mb <= 0 or args.keep_minutes <= 0:
        raise UserError('--max-upload-mb and --keep-minutes: expected '
                        'positive numbers')
    try:
        from werkzeug.serving import make_server

        from mmssr.webui.server import WebSettings, create_app, warm_up
    except ImportError as err:
        raise UserError(
            f'the web page needs the web extra ({err.name} is '
            "missing): pip install -e '.[web]'") from None
    from mmssr.apis import MeshInferencer
    inferencer = MeshInferencer(
        args.config,
        args.checkpoint,
        args.device,
        checkpoint_prefix=args.checkpoint_prefix)
    warm_up(inferencer)
    settings = WebSettings(
        max_upload_mb=args.max_upload_mb, keep_seconds=60 * args.keep_minutes)
    app = create_app(inferencer, settings)
    store = app.extensions['mmssr_results']
    try:
        server = make_server(args.host, args.port, app, threaded=True)
    except OSError as err:
        store.close()
        raise UserError(
            f'--host {args.host} --port {args.port}: cannot '
            f'listen there ({err.strerror})') from None
    logging.basicConfig(level=logging.INFO, format='%(message)s')
    host = args.host if ':' not in args.host else f'[{args.host}]'
    print(f'results: {store.root} (each kept {args.keep_minutes:g} min)')
    print(
        f'mmssr web page: http://{host}:{server.server_port}/ '
        '(Ctrl+C stops it)',
        flush=True)
    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        store.close()
    return 0


if __name__ == '__main__':
    main()
