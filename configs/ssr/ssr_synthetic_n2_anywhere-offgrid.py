# SSR's recipe for unlabeled images whose cameras are off the 24-view grid
# or unknown (docs/user_guides/unlabeled_views.md): cameras refined from
# SiamVP's three most probable views, SiamVP trained on zoomed labeled views
# (configs/ssr/ssr_synthetic_n2_anywhere-zoom.py), and a margin threshold
# of 0.1 instead of 0.2: off the grid SiamVP's margins are smaller, and
# more, slightly worse pseudo-labels trained better than fewer.
_base_ = ['./ssr_synthetic_n2_anywhere-zoom.py']
model = dict(semi_train_cfg=dict(threshold=0.1))
