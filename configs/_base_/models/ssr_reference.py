# SSR as its reference trains it (src/models.py, src/losses.py of
# IssamLaradji/SSR); docs/advanced_guides/reference_recipes.md lists every
# setting with its source.
_base_ = ['./ssr.py']
model = dict(
    # the reference's siamese network: three convolutions, a 4096-wide
    # sigmoid embedding, no normalisation layers
    siamvp=dict(
        _delete_=True, type='ReferenceSiamVP', image_size=64, in_channels=3),
    siamvp_loss=dict(type='SiamVPPairLoss', num_random_pairs=32),
    siamvp_augments=[],
    # augment_loss: a second SiamVP update on the batch rotated in-plane by
    # one random angle
    siamvp_extra_steps=[[dict(type='RandomInPlaneRotation', max_angle=180)]],
    # the gate reads the accuracy of the current batch
    acc_momentum=0.0,
    semi_train_cfg=dict(
        gate=0.99,
        confidence='probability',
        threshold=0.8,
        reference='first',
        rotation_check=False,
        keep_previous=True))
