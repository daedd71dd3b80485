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
