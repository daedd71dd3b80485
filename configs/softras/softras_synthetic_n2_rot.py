# SoftRas, N = 2 labeled objects, on the synthetic benchmark without
# canonical orientation (the reference for
# configs/ssr/ssr_synthetic_n2_rot.py).
_base_ = ['./softras_synthetic_n2.py']
data_root = 'data/synthetic_rot/'
synthetic_cfg = dict(num_train=32, num_val=4, num_test=8, seed=0,
                     image_size=64, random_orientation=True)
_data = dict(data_root=data_root, synthetic_cfg=synthetic_cfg)
train_dataloader = dict(dataset=_data)
val_dataloader = dict(dataset=_data)
test_dataloader = dict(dataset=_data)
