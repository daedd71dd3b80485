# SSR with continuous pseudo-labels from SiamVP's three most probable views,
# unlabeled images on the grid: as configs/ssr/ssr_synthetic_n2_refine.py,
# but each of the three views is refined and the camera whose silhouette
# fits best wins (semi_train_cfg.refine.hypotheses).
_base_ = ['./ssr_synthetic_n2_refine.py']
model = dict(semi_train_cfg=dict(refine=dict(hypotheses=3)))
