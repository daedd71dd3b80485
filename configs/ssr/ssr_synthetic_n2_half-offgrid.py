# The recipe of configs/ssr/ssr_synthetic_n2_anywhere-offgrid.py for
# unlabeled images within half a grid step.
_base_ = ['./ssr_synthetic_n2_half-zoom.py']
model = dict(semi_train_cfg=dict(threshold=0.1))
