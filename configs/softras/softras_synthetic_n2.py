# SoftRas on the N = 2 labeled synthetic objects per category, on a CPU
# budget: the stored 64x64 views averaged to 32x32, batch 32, and a template
# of 162 vertices / 320 faces (icosphere subdivided twice), which trains
# faster than the paper's 642 vertices at the same IoU here (docs/notes/
# benchmarks.md).
_base_ = [
    '../_base_/models/softras.py', '../_base_/datasets/synthetic.py',
    '../_base_/schedules/cpu_synthetic.py', '../_base_/default_runtime.py'
]
model = dict(image_size=32, decoder=dict(subdivisions=2))
train_dataloader = dict(batch_size=32)
val_dataloader = dict(dataset=dict(views=[0, 6, 12, 18]))
default_hooks = dict(checkpoint=dict(interval=1000), logger=dict(interval=25))
