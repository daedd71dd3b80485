# SSR on the synthetic benchmark with the unlabeled training images within
# half a grid step of the 24-view grid (azimuth +-7.5 degrees, elevation
# 30 +- 5 degrees, distance 2.732 +- 5 %; docs/user_guides/
# unlabeled_views.md): each training object is also rendered from 24 such
# cameras into
# {synset}_train_views.npz, which the unlabeled split reads. Labeled,
# validation and test images stay on the grid. Pseudo-labels are SiamVP's
# grid views, as in configs/ssr/ssr_synthetic_n2.py.
_base_ = ['./ssr_synthetic_n2.py']
data_root = 'data/synthetic_half/'
synthetic_cfg = dict(
    num_train=32,
    num_val=4,
    num_test=8,
    seed=0,
    image_size=64,
    unlabeled_views='half')
train_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        synthetic_cfg=synthetic_cfg,
        unlabeled_views='file'))
val_dataloader = dict(
    dataset=dict(data_root=data_root, synthetic_cfg=synthetic_cfg))
test_dataloader = dict(
    dataset=dict(data_root=data_root, synthetic_cfg=synthetic_cfg))
