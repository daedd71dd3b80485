# SSR on the synthetic benchmark, N = 2, on a CPU budget: the same 32x32
# views, 162-vertex template, batch and schedule as
# configs/softras/softras_synthetic_n2.py; batches of 16 labeled + 16
# pseudo-labelled pairs once pseudo-labels exist.
_base_ = [
    '../_base_/models/ssr_cpu.py', '../_base_/datasets/synthetic_semi.py',
    '../_base_/schedules/ssr_cpu_synthetic.py', '../_base_/default_runtime.py'
]
train_dataloader = dict(batch_size=32, sampler=dict(num_unlabeled=16))
val_dataloader = dict(dataset=dict(views=[0, 6, 12, 18]))
default_hooks = dict(checkpoint=dict(interval=1000), logger=dict(interval=25))
