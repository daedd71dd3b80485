# A laptop-CPU schedule for the synthetic benchmark (about 15 minutes of
# training on 2 cores at 32x32, batch 32).
_base_ = ['./adam_250k.py']
train_cfg = dict(max_iters=1500, val_interval=500)
