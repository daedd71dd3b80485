# SoftRas's own recipe (ShichenLiu/SoftRas examples/recon): one model of the
# 13 categories with every training viewpoint known, batches drawn
# category-uniformly, 250k iterations, evaluated on the val files.
_base_ = [
    '../_base_/models/softras.py', '../_base_/datasets/shapenet.py',
    '../_base_/schedules/softras_reference_250k.py',
    '../_base_/default_runtime.py'
]
train_dataloader = dict(
    sampler=dict(_delete_=True, type='CategoryBalancedPairSampler'),
    dataset=dict(split='train'))
val_dataloader = dict(dataset=dict(split='val', test_source='file'))
test_dataloader = dict(dataset=dict(split='val', test_source='file'))
