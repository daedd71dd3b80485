_base_ = ['./synthetic.py']

train_dataloader = dict(
    sampler=dict(
        _delete_=True,
        type='SemiSupervisedPairSampler',
        num_unlabeled=32),
    dataset=dict(
        _delete_=True,
        type='SemiSupervisedShapeNetDataset',
        dataset_type={{_base_.dataset_type}},
        data_root={{_base_.data_root}},
        synthetic_cfg={{_base_.synthetic_cfg}},
        categories={{_base_.categories}},
        num_labeled={{_base_.num_labeled}},
        pipeline={{_base_.train_pipeline}}))
