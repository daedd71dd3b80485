# Ablation: SSR on the synthetic benchmark with the paper's pseudo-labelling
# (SiamVP without colour augmentation, its probability as the confidence,
# tau = 0.8, gate 0.99, reference views of the first labeled object only).
_base_ = ['./ssr_synthetic_n2.py']
model = dict(siamvp=dict(color_jitter=0.0, channel_shuffle=False))
custom_hooks = [
    dict(
        type='SemiSupervisedViewpointHook',
        interval=200,
        accuracy_gate=0.99,
        confidence='probability',
        confidence_threshold=0.8,
        reference='first')
]
