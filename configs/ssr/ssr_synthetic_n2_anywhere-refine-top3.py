# SSR with continuous pseudo-labels from SiamVP's three most probable views:
# as configs/ssr/ssr_synthetic_n2_anywhere-refine.py, but each of the three
# views is refined and the camera whose silhouette fits best wins
# (semi_train_cfg.refine.hypotheses, docs/user_guides/unlabeled_views.md).
_base_ = ['./ssr_synthetic_n2_anywhere-refine.py']
model = dict(semi_train_cfg=dict(refine=dict(hypotheses=3)))
