# SSR with continuous pseudo-labels, unlabeled images on the 24-view grid
# (configs/ssr/ssr_synthetic_n2.py): each accepted image's camera is refined
# from SiamVP's grid view by render-and-compare with the reconstructor's mesh
# of its object (semi_train_cfg.refine, docs/user_guides/unlabeled_views.md).
_base_ = ['./ssr_synthetic_n2.py']
model = dict(semi_train_cfg=dict(refine=dict()))
