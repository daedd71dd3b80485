# The CPU schedule of the synthetic benchmark, with SSR's two optimizers.
_base_ = ['./ssr_adam_250k.py']
train_cfg = dict(max_iters=5000, val_interval=500)  # as cpu_synthetic.py
