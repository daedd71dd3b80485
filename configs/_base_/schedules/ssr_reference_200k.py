# SSR's recipe (src/models.py and exp_configs/ubl.py of IssamLaradji/SSR):
# 1000 epochs of 200 iterations; the reconstructor's Adam (default betas,
# lr 1e-4) and the renderer's sigma x0.3 from iteration 150k on; SiamVP's
# own Adam at a constant lr 1e-4; validation every epoch. The
# SemiSupervisedViewpointHook (every 400 iterations) is the model config's.
optim_wrapper = dict(
    constructor='MultiOptimWrapperConstructor',
    reconstructor=dict(
        type='OptimWrapper',
        optimizer=dict(type='FusedAdam', lr=1e-4, betas=(0.9, 0.999))),
    siamvp=dict(
        type='OptimWrapper',
        optimizer=dict(type='FusedAdam', lr=1e-4, betas=(0.9, 0.999))))
param_scheduler = dict(reconstructor=[
    dict(type='MultiStepLR', milestones=[150000], gamma=0.3, by_epoch=False)
])
train_cfg = dict(type='IterBasedTrainLoop', max_iters=200000,
                 val_interval=200)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
sigma_schedule = dict(type='SigmaScheduleHook', milestones=[150000],
                      gamma=0.3)
auto_scale_lr = dict(base_batch_size=64, enable=False)
