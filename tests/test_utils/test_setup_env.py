import torch.distributed as torch_dist

from mmssr.utils import close_process_group


def test_close_process_group_leaves_the_group(tmp_path):
    torch_dist.init_process_group(
        backend='gloo',
        init_method=f'file://{tmp_path / "store"}',
        rank=0,
        world_size=1)
    assert torch_dist.is_initialized()
    close_process_group()
    assert not torch_dist.is_initialized()
    close_process_group()  # without a group it does nothing


def test_more_processes_than_gpus_use_gloo_on_shared_gpus(monkeypatch):
    """torchrun --nproc_per_node 2 on a 1-GPU host: NCCL cannot put two
    ranks on one GPU and mmengine's init_dist would call set_device(1)."""
    import torch
    from mmengine.config import Config

    from mmssr.utils import prepare_runner_cfg
    calls = {}
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'device_count', lambda: 1)
    monkeypatch.setattr(torch.cuda, 'set_device',
                        lambda d: calls.setdefault('device', d))
    monkeypatch.setattr(torch_dist, 'is_initialized', lambda: False)
    monkeypatch.setattr(torch_dist, 'init_process_group',
                        lambda **kw: calls.setdefault('group', kw))
    for key, value in dict(
            RANK='1',
            WORLD_SIZE='2',
            LOCAL_RANK='1',
            LOCAL_WORLD_SIZE='2',
            MASTER_PORT='29999').items():
        monkeypatch.setenv(key, value)
    cfg = prepare_runner_cfg(
        Config(
            dict(
                launcher='pytorch',
                env_cfg=dict(dist_cfg=dict(backend='nccl', timeout=60)))))
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'
    assert calls['device'] == 0  # the one GPU, shared
    group = calls['group']
    assert (group['backend'], group['rank'], group['world_size']) == \
        ('gloo', 1, 2)
    assert group['timeout'].total_seconds() == 60
    assert cfg.model_wrapper_cfg.device_ids is None

    # one process per GPU keeps mmengine's NCCL set-up untouched
    calls.clear()
    monkeypatch.setattr(torch.cuda, 'device_count', lambda: 2)
    cfg = prepare_runner_cfg(
        Config(
            dict(
                launcher='pytorch',
                env_cfg=dict(dist_cfg=dict(backend='nccl')))))
    assert cfg.env_cfg.dist_cfg.backend == 'nccl' and not calls
    assert 'model_wrapper_cfg' not in cfg


def test_slurm_and_mpi_start_a_gloo_group_without_cuda(monkeypatch):
    """mmengine's slurm and mpi paths call torch.cuda.set_device."""
    import torch
    from mmengine.config import Config

    from mmssr.utils import prepare_runner_cfg
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    monkeypatch.setattr(torch_dist, 'is_initialized', lambda: False)
    for launcher, env in (
        ('slurm',
         dict(
             SLURM_PROCID='3',
             SLURM_NTASKS='4',
             SLURM_LOCALID='1',
             SLURM_NODELIST='node7')),
        ('mpi',
         dict(
             OMPI_COMM_WORLD_RANK='3',
             OMPI_COMM_WORLD_SIZE='4',
             OMPI_COMM_WORLD_LOCAL_RANK='1')),
    ):
        calls = {}
        monkeypatch.setattr(torch_dist, 'init_process_group',
                            lambda **kw: calls.setdefault('group', kw))
        for key in ('MASTER_ADDR', 'MASTER_PORT', 'RANK', 'WORLD_SIZE',
                    'LOCAL_RANK'):
            # set first, so that monkeypatch removes what the code sets
            monkeypatch.setenv(key, '')
            monkeypatch.delenv(key)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        cfg = prepare_runner_cfg(Config(dict(launcher=launcher)))
        assert calls['group'] == dict(backend='gloo', rank=3, world_size=4)
        import os
        assert (os.environ['RANK'], os.environ['WORLD_SIZE'],
                os.environ['LOCAL_RANK']) == ('3', '4', '1')
        assert os.environ['MASTER_ADDR'] == ('node7' if launcher == 'slurm'
                                             else '127.0.0.1')
        assert cfg.model_wrapper_cfg.device_ids is None
        for key in env:
            monkeypatch.delenv(key)


def test_env_cfg_tf32_is_applied_where_cuda_is(monkeypatch):
    import torch
    from mmengine.config import Config

    from mmssr.utils import prepare_runner_cfg
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'device_count', lambda: 1)
    before = (torch.get_float32_matmul_precision(),
              torch.backends.cudnn.allow_tf32)
    try:
        prepare_runner_cfg(Config(dict(env_cfg=dict(tf32=True))))
        assert torch.get_float32_matmul_precision() == 'high'
        assert torch.backends.cudnn.allow_tf32
        prepare_runner_cfg(Config(dict(env_cfg=dict(tf32=False))))
        assert torch.get_float32_matmul_precision() == 'highest'
        assert not torch.backends.cudnn.allow_tf32
    finally:
        torch.set_float32_matmul_precision(before[0])
        torch.backends.cudnn.allow_tf32 = before[1]


def test_deterministic_runs_get_the_cublas_workspace(monkeypatch):
    """torch.use_deterministic_algorithms(True), which mmengine's
    randomness.deterministic sets, makes every CUDA matmul raise unless
    CUBLAS_WORKSPACE_CONFIG is set before cuBLAS starts."""
    import os

    from mmengine.config import Config

    from mmssr.utils import prepare_runner_cfg
    monkeypatch.setenv('CUBLAS_WORKSPACE_CONFIG', '')
    monkeypatch.delenv('CUBLAS_WORKSPACE_CONFIG')
    prepare_runner_cfg(Config(dict(randomness=dict(seed=0))))
    assert 'CUBLAS_WORKSPACE_CONFIG' not in os.environ
    prepare_runner_cfg(
        Config(dict(randomness=dict(seed=0, deterministic=True))))
    assert os.environ['CUBLAS_WORKSPACE_CONFIG'] == ':4096:8'
    monkeypatch.setenv('CUBLAS_WORKSPACE_CONFIG', ':16:8')  # the user's
    prepare_runner_cfg(
        Config(dict(randomness=dict(seed=0, deterministic=True))))
    assert os.environ['CUBLAS_WORKSPACE_CONFIG'] == ':16:8'
