# SoftRas on the N = 2 labeled objects of each category: SSR's baseline of
# Table 2, trained as the SSR reference trains it (one model per category,
# 200k iterations, its evaluation protocol). tools/train.py trains the 13
# categories one after another (train_per_category) and prints Table 2's
# row; softras_shapenet_n2_<category>.py trains one of them and
# softras_shapenet_n2_joint.py one model of all 13 (not the reference's).
_base_ = [
    '../_base_/models/softras.py',
    '../_base_/datasets/shapenet_ssr_protocol.py',
    '../_base_/schedules/ssr_reference_200k.py',
    '../_base_/default_runtime.py'
]
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='FusedAdam', lr=1e-4, betas=(0.9, 0.999)))
param_scheduler = [
    dict(type='MultiStepLR', milestones=[150000], gamma=0.3, by_epoch=False)
]
custom_hooks = [{{_base_.sigma_schedule}}]
train_per_category = True
