import itertools
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn

from mmssr.engine.hooks.weights_only_checkpoint_hook import (from_weights_only,
                                                             to_weights_only)


class ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.linear(inputs)
        if mode == 'loss':
            return dict(loss=out.pow(2).mean())
        return out


class ToyDataset(torch.utils.data.Dataset):

    def __len__(self):
        return 8

    def __getitem__(self, i):
        return dict(inputs=torch.full((2, ), float(i)))


_RUNNERS = itertools.count()


def make_runner(work_dir, max_iters, **kwargs):
    # mmengine names a runner's logger and visualizer by the second it was
    # built; two runners in one second would share them (and warn)
    kwargs.setdefault('experiment_name', f'weights_only_{next(_RUNNERS)}')
    return Runner(
        model=ToyModel(),
        work_dir=work_dir,
        default_scope='mmssr',
        train_dataloader=dict(
            dataset=ToyDataset(),
            batch_size=2,
            sampler=dict(type='DefaultSampler', shuffle=True),
            collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=1e-2)),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=2, by_epoch=False),
            weights_only_checkpoint=dict(type='WeightsOnlyCheckpointHook')),
        randomness=dict(seed=0),
        **kwargs)


def test_round_trip_of_history_buffers_and_arrays():
    buf = HistoryBuffer([1.0, 2.0, 3.5], [1, 1, 2], max_length=10)
    state = {
        'log_scalars': {
            'train/loss': buf
        },
        'runtime_info': {
            'arr': np.arange(3),
            'n': np.int64(4),
            'names': ('a', 'b')
        }
    }
    plain = to_weights_only(state)
    # the plain form unpickles with the safe loader
    path = torch.serialization
    assert path is not None
    back = from_weights_only(plain)
    restored = back['log_scalars']['train/loss']
    assert isinstance(restored, HistoryBuffer)
    np.testing.assert_array_equal(restored.data[0], buf.data[0])
    np.testing.assert_array_equal(restored.data[1], buf.data[1])
    assert restored.max_length == 10
    np.testing.assert_array_equal(back['runtime_info']['arr'], np.arange(3))
    assert back['runtime_info']['n'] == 4
    assert back['runtime_info']['names'] == ('a', 'b')


def test_checkpoints_load_weights_only_and_resume(tmp_path):
    runner = make_runner(str(tmp_path), 4)
    runner.train()
    ckpt = osp.join(str(tmp_path), 'iter_4.pth')
    assert torch.serialization.get_unsafe_globals_in_checkpoint(ckpt) == []
    loaded = torch.load(ckpt, weights_only=True)
    assert 'message_hub' in loaded and 'state_dict' in loaded

    resumed = make_runner(str(tmp_path), 6, resume=True, load_from=ckpt)
    resumed.train()
    assert resumed.iter == 6
    history = resumed.message_hub.get_scalar('train/loss').data[0]
    assert len(history) == 6  # 4 restored + 2 new


def test_crafted_checkpoint_with_callable_is_refused(tmp_path):
    import os

    class Evil:

        def __reduce__(self):
            return (os.system, ('echo pwned', ))

    path = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {}, 'meta': Evil()}, path)
    with pytest.raises(pickle.UnpicklingError, match='os.system|posix'):
        torch.load(path, weights_only=True)


class DeviceTensor(torch.Tensor):
    """A tensor that behaves like one on a GPU where numpy is concerned:
    ``.numpy()`` refuses it, ``.cpu()`` brings back a plain CPU tensor.
    (The ``meta`` device cannot stand in: it refuses ``.cpu()`` too.)"""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func is torch.Tensor.numpy:
            raise TypeError("can't convert cuda:0 device type tensor to "
                            'numpy. Use Tensor.cpu() to copy the tensor to '
                            'host memory first.')
        out = super().__torch_function__(func, types, args, kwargs or {})
        if func is torch.Tensor.cpu:
            return out.as_subclass(torch.Tensor)
        return out


def to_device(obj):
    """Every tensor of a loaded checkpoint as if mapped onto a GPU."""
    if isinstance(obj, torch.Tensor):
        return obj.as_subclass(DeviceTensor)
    if isinstance(obj, dict):
        return type(obj)((k, to_device(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_device(x) for x in obj)
    return obj


def test_resume_restores_a_checkpoint_loaded_onto_a_gpu(tmp_path):
    """mmengine's resume maps the checkpoint onto the training device; the
    hook used to call .numpy() on those tensors."""
    from mmssr.engine.hooks.weights_only_checkpoint_hook import \
        WeightsOnlyCheckpointHook
    runner = make_runner(str(tmp_path), 2)
    runner.train()
    runner.message_hub.update_info('arr', np.arange(3))
    checkpoint = dict(message_hub=runner.message_hub.state_dict())
    hook = WeightsOnlyCheckpointHook()
    hook.before_save_checkpoint(runner, checkpoint)
    checkpoint = to_device(checkpoint)
    assert isinstance(
        checkpoint['message_hub']['log_scalars']['train/loss']['log'],
        DeviceTensor)
    hook.after_load_checkpoint(runner, checkpoint)
    restored = checkpoint['message_hub']
    loss = restored['log_scalars']['train/loss']
    assert isinstance(loss, HistoryBuffer)
    np.testing.assert_array_equal(
        loss.data[0],
        runner.message_hub.get_scalar('train/loss').data[0])
    np.testing.assert_array_equal(restored['runtime_info']['arr'],
                                  np.arange(3))
