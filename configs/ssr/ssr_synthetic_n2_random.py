# Ablation (docs/notes/benchmarks.md#ablations): SSR at N = 2 with uniformly
# random viewpoints for the unlabeled views (what seeing more shapes alone
# gives); SiamVP still runs, so its agreement is logged.
_base_ = ['./ssr_synthetic_n2.py']
model = dict(semi_train_cfg=dict(viewpoints='random'))
