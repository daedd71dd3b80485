# Adam, lr 1e-4, beta1 0.5, batch 64 (set by the dataset config); SoftRas
# trains 250k iterations. FusedAdam is torch's Adam with its fused kernel
# (the same update, 4-5x faster on CPU; the default Adam where unsupported).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='FusedAdam', lr=1e-4, betas=(0.5, 0.999)))
param_scheduler = []
train_cfg = dict(type='IterBasedTrainLoop', max_iters=250000,
                 val_interval=5000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# base_batch_size: the total batch (all GPUs together) the learning rate is
# set for. tools/train.py --auto-scale-lr scales the learning rates linearly
# by (GPUs x batch size per GPU) / base_batch_size; without it a
# multi-process run must have that total.
auto_scale_lr = dict(base_batch_size=64, enable=False)
