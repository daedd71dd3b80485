# The recipe of configs/ssr/ssr_synthetic_n2_anywhere-offgrid.py for
# unlabeled images on the grid.
_base_ = ['./ssr_synthetic_n2_zoom.py']
model = dict(semi_train_cfg=dict(threshold=0.1))
