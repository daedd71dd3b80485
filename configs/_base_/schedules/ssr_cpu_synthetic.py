# The CPU schedule of the synthetic benchmark (as cpu_synthetic.py), with
# SSR's two optimizers; SiamVP keeps the paper's learning rate.
_base_ = ['./ssr_adam_250k.py']
optim_wrapper = dict(reconstructor=dict(optimizer=dict(lr=3e-4)))
train_cfg = dict(max_iters=4000, val_interval=500)
auto_scale_lr = dict(base_batch_size=32)
