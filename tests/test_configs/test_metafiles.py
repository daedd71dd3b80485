"""The model index and metafiles describe configs that exist, as they are."""
import os.path as osp

import pytest
import yaml
from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _models():
    with open(osp.join(ROOT, 'model-index.yml')) as f:
        index = yaml.safe_load(f)
    models = []
    for metafile in index['Import']:
        path = osp.join(ROOT, metafile)
        assert osp.isfile(path), f'model-index.yml imports missing {metafile}'
        with open(path) as f:
            meta = yaml.safe_load(f)
        collections = {c['Name'] for c in meta['Collections']}
        for model in meta['Models']:
            assert model['In Collection'] in collections, model['Name']
            models.append(model)
    return models


MODELS = _models()


@pytest.mark.parametrize('model', MODELS, ids=[m['Name'] for m in MODELS])
def test_metafile_entry_matches_config(model):
    config = osp.join(ROOT, model['Config'])
    assert osp.isfile(config), f'{model["Name"]}: no {model["Config"]}'
    assert osp.basename(config) == model['Name'] + '.py'
    cfg = Config.fromfile(config)
    meta = model['Metadata']
    assert meta['Iterations'] == cfg.train_cfg.max_iters, model['Name']
    assert meta['Batch Size'] == cfg.train_dataloader.batch_size, model['Name']
    for result in model['Results']:
        for name, value in result['Metrics'].items():
            assert 0.0 < float(value) < 1.0, (model['Name'], name, value)


def test_synthetic_results_are_recorded():
    """Every synthetic benchmark row of the README has a metafile entry."""
    names = {m['Name'] for m in MODELS}
    for name in ('softras_synthetic_n2', 'ssr_synthetic_n2',
                 'softras_synthetic_n5', 'ssr_synthetic_n5',
                 'softras_synthetic_full', 'ssr_synthetic_n2_paper-pl'):
        assert name in names, name
