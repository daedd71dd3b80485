# Ablation (docs/notes/benchmarks.md#ablations): SSR at N = 2 with no
# viewpoint for the unlabeled views: each one's mesh is scored at its best-
# matching view of all 24 (a viewpoint-free silhouette loss); SiamVP still
# runs, so its agreement is logged.
_base_ = ['./ssr_synthetic_n2.py']
model = dict(semi_train_cfg=dict(viewpoints='free'))
