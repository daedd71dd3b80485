# SoftRas trained on the N = 2 labeled objects per category only.
_base_ = [
    '../_base_/models/softras.py', '../_base_/datasets/shapenet.py',
    '../_base_/schedules/adam_250k.py', '../_base_/default_runtime.py'
]
