# SSR on the synthetic benchmark, N = 2, on a CPU budget: the stored 64x64
# views averaged to 32x32, batches of 16 labeled + 16 pseudo-labelled pairs.
_base_ = [
    '../_base_/models/ssr.py', '../_base_/datasets/synthetic_semi.py',
    '../_base_/schedules/ssr_cpu_synthetic.py', '../_base_/default_runtime.py'
]
image_size = 32
model = dict(
    reconstructor=dict(
        encoder=dict(image_size=image_size),
        renderer=dict(image_size=image_size)))
train_dataloader = dict(
    batch_size=32,
    sampler=dict(batch_size=32, num_unlabeled=16),
    dataset=dict(image_size=image_size))
val_dataloader = dict(
    dataset=dict(image_size=image_size, views=[0, 6, 12, 18]))
test_dataloader = dict(dataset=dict(image_size=image_size))
default_hooks = dict(checkpoint=dict(interval=500), logger=dict(interval=25))
# Shorter training than the paper's, so a lower gate (paper: 0.99; SiamVP
# reaches 0.9 accuracy on random pairs in ~200 iterations here). SiamVP's
# confidence is poorly calibrated on this data: raising tau lowers coverage
# without raising accuracy (measured: exact 0.49 at tau 0, 0.44 at tau 0.9,
# within one view 0.71 vs 0.67), so tau is 0.5. Reference views of both
# labeled objects of a category are averaged ('all').
custom_hooks = [
    dict(
        type='SemiSupervisedViewpointHook',
        interval=100,
        accuracy_gate=0.9,
        confidence_threshold=0.5,
        reference='all')
]
