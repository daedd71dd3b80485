# A laptop-CPU schedule for the synthetic benchmark (32x32 views, batch 32,
# 162-vertex template; see configs/softras/softras_synthetic_n2.py): the
# iteration count keeps SSR's data, training and testing under 8 minutes on
# 2 CPU cores (docs/notes/benchmarks.md). The learning rate is 3x the
# paper's for a schedule 60x shorter; it raises SoftRas and SSR alike
# (docs/notes/benchmarks.md, "Design of the CPU configs").
_base_ = ['./adam_250k.py']
optim_wrapper = dict(optimizer=dict(lr=3e-4))
train_cfg = dict(max_iters=4000, val_interval=500)
auto_scale_lr = dict(base_batch_size=32)
