"""Run a tool with a small file-size limit: a full disk, without root.

    python tests/test_tools/run_limited.py BYTES tools/X.py [ARGS...]

``RLIMIT_FSIZE`` makes every write past ``BYTES`` of a file fail with
``EFBIG`` (``SIGXFSZ`` is ignored, so the process is not killed), as a full
disk fails writes with ``ENOSPC``: C writers that ignore the error (open3d)
leave a short file, Python's file objects raise.
"""
import resource
import runpy
import signal
import sys

if __name__ == '__main__':
    limit = int(sys.argv[1])
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    sys.argv = sys.argv[2:]
    sys.path.insert(0, '.')
    runpy.run_path(sys.argv[0], run_name='__main__')
