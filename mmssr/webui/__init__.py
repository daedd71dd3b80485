"""A local web page: a photo in, a coloured 3D mesh out.

Needs the ``web`` extra (``pip install -e '.[web]'``: Flask); importing
``mmssr`` never imports it. Start it with ``tools/webui.py``; build the
application yourself with :func:`mmssr.webui.server.create_app`.
"""
