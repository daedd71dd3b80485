# Ablation (docs/user_guides/unlabeled_views.md#benchmark): SSR with the
# unlabeled images of configs/ssr/ssr_synthetic_n2_anywhere.py supervised
# from their true cameras (the upper bound of any pseudo-labelling of them).
_base_ = ['./ssr_synthetic_n2_anywhere.py']
model = dict(semi_train_cfg=dict(viewpoints='oracle'))
