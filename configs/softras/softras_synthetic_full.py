# Upper bound: every synthetic training object with its viewpoints.
_base_ = ['./softras_synthetic_n2.py']
train_dataloader = dict(dataset=dict(split='train'))
