# SSR with N = 2 labeled objects per category, Table 2 of the paper, as the
# reference trains it: one model per category (tools/train.py trains the 13
# one after another, train_per_category, and prints Table 2's row),
# 200k iterations, its evaluation protocol. ssr_shapenet_n2_<category>.py
# trains one category; ssr_shapenet_n2_joint.py one model of all 13.
_base_ = [
    '../_base_/models/ssr_reference.py', '../_base_/datasets/shapenet_semi.py',
    '../_base_/schedules/ssr_reference_200k.py',
    '../_base_/default_runtime.py'
]
# 32 labeled + 32 pseudo-labelled pairs once pseudo-labels exist; labeled
# pairs drawn as the reference draws them
train_dataloader = dict(sampler=dict(num_unlabeled=32, twin_labeled=False))
val_dataloader = dict(
    dataset=dict(split='val', test_source='val_ratio', val_ratio=0.1))
test_dataloader = dict(
    dataset=dict(split='test', test_source='val_ratio', val_ratio=0.1))
custom_hooks = [
    dict(type='SemiSupervisedViewpointHook', interval=400),
    {{_base_.sigma_schedule}}
]
train_per_category = True
