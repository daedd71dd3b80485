# SSR for unlabeled images within half a grid step, SiamVP trained on zoomed
# labeled views: configs/ssr/ssr_synthetic_n2_half-refine-top3.py with the
# RandomZoom of configs/ssr/ssr_synthetic_n2_anywhere-zoom.py.
_base_ = ['./ssr_synthetic_n2_half-refine-top3.py']
model = dict(siamvp_augments=[
    dict(type='RandomChannelShuffle'),
    dict(type='RandomChannelGain', magnitude=0.4),
    dict(type='RandomZoom', scale=(0.88, 1.14), vertical=(0.9, 1.1))
])
