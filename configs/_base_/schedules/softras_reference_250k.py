# SoftRas's recipe (examples/recon/train.py of ShichenLiu/SoftRas): Adam with
# PyTorch's default betas, lr 1e-4, learning rate and the renderer's sigma
# x0.3 from iteration 150k on, 250k iterations of batch 64 (the dataset
# config); docs/advanced_guides/reference_recipes.md lists every setting.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='FusedAdam', lr=1e-4, betas=(0.9, 0.999)))
param_scheduler = [
    dict(type='MultiStepLR', milestones=[150000], gamma=0.3, by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=250000,
                 val_interval=5000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
custom_hooks = [
    dict(type='SigmaScheduleHook', milestones=[150000], gamma=0.3)
]
auto_scale_lr = dict(base_batch_size=64, enable=False)
