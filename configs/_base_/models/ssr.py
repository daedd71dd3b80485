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

custom_hooks = [
    dict(
        type='SemiSupervisedViewpointHook',
        interval=200,
        accuracy_gate=0.99,
        confidence_threshold=0.8,
        reference='first',
        rotation_check=False)
]
