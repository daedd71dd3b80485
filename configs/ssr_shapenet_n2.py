# Shortcut for `python tools/train.py configs/ssr_shapenet_n2.py`; the
# canonical config is configs/ssr/ssr_shapenet_n2.py.
_base_ = ['./ssr/ssr_shapenet_n2.py']
