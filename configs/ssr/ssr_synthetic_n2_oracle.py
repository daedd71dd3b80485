# Ablation (docs/notes/benchmarks.md#ablations): SSR at N = 2 with the true
# viewpoints of the unlabeled views (the upper bound of pseudo-labelling);
# SiamVP still runs, so its agreement is logged.
_base_ = ['./ssr_synthetic_n2.py']
model = dict(semi_train_cfg=dict(viewpoints='oracle'))
