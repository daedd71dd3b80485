_base_ = ['./softras_synthetic_n2.py']
train_dataloader = dict(dataset=dict(num_labeled=20))
