# A laptop-CPU schedule for the synthetic benchmark: 32x32 views, batch 32,
# a 162-vertex template (see configs/softras/softras_synthetic_n2.py). The
# iteration count is the longest that keeps SSR's training and testing under
# 20 minutes on 2 CPU cores; SoftRas on two labeled objects per category
# stops improving after about 2500 iterations, so the comparison is fair to
# it (README, "Results").
_base_ = ['./adam_250k.py']
train_cfg = dict(max_iters=5000, val_interval=500)
