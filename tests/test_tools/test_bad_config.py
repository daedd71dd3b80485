import pytest
from mmengine.config import Config

from mmssr.registry import DATASETS, MODELS
from .test_train_test_resume import run_tool


def test_unknown_types_are_named():
    with pytest.raises(KeyError, match='SoftRasReconstructr'):
        MODELS.build(dict(type='SoftRasReconstructr'))
    with pytest.raises(KeyError, match='ShapeNetDatset'):
        DATASETS.build(dict(type='ShapeNetDatset'))


def test_train_tool_reports_an_unknown_model_type(tmp_path):
    cfg = Config.fromfile('configs/softras/softras_shapenet_n2.py')
    cfg.model.decoder.type = 'TemplateMeshDecodr'
    path = str(tmp_path / 'bad.py')
    cfg.dump(path)
    proc = run_tool(
        'tools/train.py', path, '--work-dir', str(tmp_path / 'w'), check=False)
    assert proc.returncode == 2
    assert "error: type='TemplateMeshDecodr': no such model is registered" \
        in proc.stderr
    assert "did you mean 'TemplateMeshDecoder'?" in proc.stderr
    assert 'Traceback' not in proc.stderr
