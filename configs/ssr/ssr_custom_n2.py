# SSR, N = 2, on your own data in the SoftRas file format (made by
# tools/dataset_converters/meshes_to_shapenet.py; docs/user_guides/data.md),
# with the CPU settings of the synthetic benchmark. Inherit it and set
# data_root and categories ('SYNSET:NAME' for categories beyond ShapeNet's):
#
#   _base_ = ['configs/ssr/ssr_custom_n2.py']
#   _data = dict(data_root='data/mugs/', categories=['90000001:mug'])
#   train_dataloader = dict(dataset=_data)
#   val_dataloader = dict(dataset=_data)
#   test_dataloader = dict(dataset=_data)
_base_ = [
    '../_base_/models/ssr_cpu.py', '../_base_/datasets/shapenet_semi.py',
    '../_base_/schedules/ssr_cpu_synthetic.py', '../_base_/default_runtime.py'
]
train_dataloader = dict(
    batch_size=32, num_workers=0, persistent_workers=False,
    sampler=dict(num_unlabeled=16))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(views=[0, 6, 12, 18]))
test_dataloader = dict(num_workers=0, persistent_workers=False)
default_hooks = dict(checkpoint=dict(interval=1000), logger=dict(interval=25))
