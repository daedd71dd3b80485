# SSR's evaluation protocol on the SoftRas ShapeNet renders (src/datasets.py
# of IssamLaradji/SSR, n_val_ratio = 0.1): the first int(0.1 n) objects of
# each category's val file validate, the other objects of that file test.
_base_ = ['./shapenet.py']
val_dataloader = dict(
    dataset=dict(split='val', test_source='val_ratio', val_ratio=0.1))
test_dataloader = dict(
    dataset=dict(split='test', test_source='val_ratio', val_ratio=0.1))
