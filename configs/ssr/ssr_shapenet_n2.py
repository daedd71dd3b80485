# SSR with N = 2 labeled objects per category (the paper's Table 2).
_base_ = [
    '../_base_/models/ssr.py', '../_base_/datasets/shapenet_semi.py',
    '../_base_/schedules/ssr_adam_250k.py', '../_base_/default_runtime.py'
]
