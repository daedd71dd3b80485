# The embedded synthetic ShapeNet-like dataset: same files and conventions as
# the SoftRas renders, generated into data_root on first use.
_base_ = ['./shapenet.py']

dataset_type = 'SyntheticShapeNetDataset'
data_root = 'data/synthetic/'
synthetic_cfg = dict(num_train=32, num_val=4, num_test=8, seed=0,
                     image_size=64)

train_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(type=dataset_type, data_root=data_root,
                 synthetic_cfg=synthetic_cfg))
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(type=dataset_type, data_root=data_root,
                 synthetic_cfg=synthetic_cfg))
test_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(type=dataset_type, data_root=data_root,
                 synthetic_cfg=synthetic_cfg))
