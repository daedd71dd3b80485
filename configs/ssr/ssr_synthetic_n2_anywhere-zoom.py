# SSR for unlabeled images taken anywhere, with SiamVP trained to ignore
# what the grid views never vary: as
# configs/ssr/ssr_synthetic_n2_anywhere-refine-top3.py, but each labeled
# image SiamVP trains on is also zoomed at random (RandomZoom: the scale of
# distances 2.4-3.1 against the grid's 2.732, and a vertical stretch of
# +-10 % for elevations away from 30 degrees).
_base_ = ['./ssr_synthetic_n2_anywhere-refine-top3.py']
model = dict(siamvp_augments=[
    dict(type='RandomChannelShuffle'),
    dict(type='RandomChannelGain', magnitude=0.4),
    dict(type='RandomZoom', scale=(0.88, 1.14), vertical=(0.9, 1.1))
])
