# SoftRas / NMR ShapeNet renders (the "mesh_reconstruction" dataset of
# SoftRas): {synset}_{split}_images.npz and {synset}_{split}_voxels.npz.
dataset_type = 'ShapeNetDataset'
data_root = 'data/shapenet/'
categories = [
    'airplane', 'bench', 'cabinet', 'car', 'chair', 'display', 'lamp',
    'loudspeaker', 'rifle', 'sofa', 'table', 'telephone', 'watercraft'
]
num_labeled = 2

train_pipeline = [dict(type='PackMeshInputs')]
test_pipeline = [dict(type='PackMeshInputs')]

# SoftRas baseline: labeled pairs only. Training counts iterations, so the
# sampler never ends (no "reach the end of the dataloader" restarts).
# batch_size is per process (GPU); the paper's 64 is the total, so with N
# GPUs pass train_dataloader.batch_size=64/N (tools/train.py refuses a
# total that differs from auto_scale_lr.base_batch_size unless told).
train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        categories=categories,
        split='labeled',
        num_labeled=num_labeled,
        mode='pair',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        categories=categories,
        split='val',
        mode='view',
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        categories=categories,
        split='test',
        mode='view',
        test_mode=True,
        pipeline=test_pipeline))
val_evaluator = dict(type='ShapeNetIoUMetric')
test_evaluator = val_evaluator
