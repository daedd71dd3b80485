# SSR: the reconstructor and SiamVP each have an Adam optimizer (lr 1e-4).
_base_ = ['./adam_250k.py']
optim_wrapper = dict(
    _delete_=True,
    constructor='MultiOptimWrapperConstructor',
    reconstructor=dict(
        type='OptimWrapper',
        optimizer=dict(type='FusedAdam', lr=1e-4, betas=(0.5, 0.999))),
    siamvp=dict(
        type='OptimWrapper', optimizer=dict(type='FusedAdam', lr=1e-4)))
