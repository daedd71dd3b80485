_base_ = ['./ssr_shapenet_n2.py']
categories = ['rifle']
train_dataloader = dict(dataset=dict(categories=categories))
val_dataloader = dict(dataset=dict(categories=categories))
test_dataloader = dict(dataset=dict(categories=categories))
