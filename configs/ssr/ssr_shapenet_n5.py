_base_ = ['./ssr_shapenet_n2.py']
train_dataloader = dict(dataset=dict(num_labeled=5))
