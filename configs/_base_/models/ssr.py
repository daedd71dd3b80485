# SSR = the SoftRas reconstructor + the SiamVP viewpoint head.
_base_ = ['./softras.py']

model = dict(
    _delete_=True,
    type='SSRReconstructor',
    data_preprocessor=dict(type='MeshDataPreprocessor'),
    reconstructor={{_base_.model}},
    siamvp=dict(
        type='SiamVPHead',
        in_channels=3,
        num_random_pairs=32,
        rotation_aug=False),
    pseudo_loss_weight=1.0)

# DDP: wrap the reconstructor and SiamVP separately and keep SSR's
# two-optimizer train_step; broadcast SiamVP's BatchNorm statistics so that
# every rank pseudo-labels its shard with the same network.
model_wrapper_cfg = dict(
    type='MMSeparateDistributedDataParallel',
    broadcast_buffers=True,
    find_unused_parameters=False)

custom_hooks = [
    dict(
        type='SemiSupervisedViewpointHook',
        interval=200,
        accuracy_gate=0.99,
        confidence_threshold=0.8,
        reference='first',
        rotation_check=False)
]
