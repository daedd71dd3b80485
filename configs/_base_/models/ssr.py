# SSR = the SoftRas reconstructor + the SiamVP viewpoint network. The model
# owns the pseudo-labelling rule (semi_train_cfg, the paper's settings here);
# the SemiSupervisedViewpointHook only says when to apply it.
_base_ = ['./softras.py']

model = dict(
    _delete_=True,
    type='SSRReconstructor',
    data_preprocessor=dict(type='MeshDataPreprocessor'),
    reconstructor={{_base_.model}},
    siamvp=dict(
        type='SiamVP',
        in_channels=3,
        channels_last=True,
        compute_dtype='auto'),
    siamvp_loss=dict(type='SiamVPPairLoss', num_random_pairs=32),
    siamvp_augments=[],
    semi_train_cfg=dict(
        gate=0.99,
        confidence='probability',
        threshold=0.8,
        reference='first',
        rotation_check=False),
    pseudo_loss_weight=1.0)

# DDP: wrap the reconstructor and SiamVP separately and keep SSR's
# two-optimizer train_step; broadcast SiamVP's BatchNorm statistics so that
# every rank pseudo-labels its shard with the same network.
model_wrapper_cfg = dict(
    type='MMSeparateDistributedDataParallel',
    broadcast_buffers=True,
    find_unused_parameters=False)

custom_hooks = [dict(type='SemiSupervisedViewpointHook', interval=200)]
