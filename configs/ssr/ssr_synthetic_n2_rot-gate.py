# Ablation (docs/notes/benchmarks.md#ablations): ssr_synthetic_n2_rot.py
# with the transfer estimate as a gate (min_agreement 0.5, as in
# ssr_synthetic_n2_gate.py).
_base_ = ['./ssr_synthetic_n2_rot.py']
model = dict(semi_train_cfg=dict(min_agreement=0.5))
