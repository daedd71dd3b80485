# Ablation: SSR on the synthetic benchmark with the paper's pseudo-labelling
# (SiamVP without colour augmentation, its probability as the confidence,
# tau = 0.8, gate 0.99, reference views of the first labeled object only).
_base_ = ['./ssr_synthetic_n2.py']
model = dict(
    siamvp_augments=[],
    semi_train_cfg=dict(
        gate=0.99, confidence='probability', threshold=0.8,
        reference='first'))
