_base_ = ['./softras_shapenet_n2.py']
categories = ['airplane']
train_dataloader = dict(dataset=dict(categories=categories))
val_dataloader = dict(dataset=dict(categories=categories))
test_dataloader = dict(dataset=dict(categories=categories))
