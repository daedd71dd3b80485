# Ablation (docs/notes/benchmarks.md#ablations): SSR at N = 2 that keeps a
# chunk of pseudo-labels only where the labeled objects agree on at least
# half of its views (the transfer estimate as a gate).
_base_ = ['./ssr_synthetic_n2.py']
model = dict(semi_train_cfg=dict(min_agreement=0.5))
