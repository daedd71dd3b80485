from .renderers import *  # noqa: F401,F403
