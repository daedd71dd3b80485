# SSR with continuous pseudo-labels, unlabeled images on the 24-view grid
# (configs/ssr/ssr_synthetic_n2.py): each accepted image's camera is refined
# from SiamVP's first grid view by render-and-compare with the reconstructor's mesh
# of its object (semi_train_cfg.refine, docs/user_guides/unlabeled_views.md).
_base_ = ['./ssr_synthetic_n2.py']
# SiamVP's first view alone (hypotheses=1), the benchmark's "refined" rows;
# the default refines its three most probable (the *-refine-top3 configs)
model = dict(semi_train_cfg=dict(refine=dict(hypotheses=1)))
