# A laptop-CPU schedule for the synthetic benchmark.
_base_ = ['./adam_250k.py']
train_cfg = dict(max_iters=2000, val_interval=1000)
