# SSR on a laptop-CPU budget (the synthetic benchmark's model settings):
# 32x32 views, a 162-vertex template, SiamVP colour augmentation and margin
# confidence. Used by configs/ssr/ssr_synthetic_n2.py and ssr_custom_n2.py.
_base_ = ['./ssr.py']
model = dict(
    reconstructor=dict(image_size=32, decoder=dict(subdivisions=2)),
    # Without colour augmentation SiamVP learns the colours of the two
    # labeled objects instead of their shapes (docs/notes/benchmarks.md).
    siamvp_augments=[
        dict(type='RandomChannelShuffle'),
        dict(type='RandomChannelGain', magnitude=0.4)
    ],
    # Pseudo-labels once SiamVP's running accuracy on random labeled pairs
    # reaches 0.9 (the paper's 0.99 gate is for 250k iterations). SiamVP's
    # probability ranks its answers poorly here; its margin over the
    # runner-up view ranks them better (docs/notes/benchmarks.md):
    # tau = 0.2 on the margin, reference views of both labeled objects.
    semi_train_cfg=dict(
        gate=0.9, confidence='margin', threshold=0.2, reference='all'))
