from torch import nn

from mmssr.datasets import SemiSupervisedShapeNetDataset
from mmssr.engine.hooks.protocols import (PseudoLabelledData, PseudoLabeller,
                                          SemiSupervisedData)
from mmssr.registry import MODELS
from ...conftest import TINY_CATEGORIES
from .test_semi_supervised_viewpoint_hook import TINY_SSR


def test_ssr_and_its_dataset_provide_what_the_hook_calls(tiny_synthetic_root):
    assert isinstance(MODELS.build(TINY_SSR), PseudoLabeller)
    dataset = SemiSupervisedShapeNetDataset(
        dataset_type='ShapeNetDataset',
        data_root=tiny_synthetic_root,
        categories=TINY_CATEGORIES,
        num_labeled=2)
    assert isinstance(dataset, SemiSupervisedData)
    assert isinstance(dataset.unlabeled, PseudoLabelledData)


def test_other_models_and_datasets_do_not():
    assert not isinstance(nn.Linear(2, 2), PseudoLabeller)
    assert not isinstance([], SemiSupervisedData)
    assert not isinstance(object(), PseudoLabelledData)
