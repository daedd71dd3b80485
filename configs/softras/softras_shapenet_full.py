# Upper bound: every training object with its viewpoints.
_base_ = ['./softras_shapenet_n2.py']
train_dataloader = dict(dataset=dict(split='train'))
