"""The data contract: number of views, view -> eye, pair index."""
import numpy as np
import pytest
import torch

from mmssr.structures import (NUM_VIEWS, PAIRS_PER_OBJECT, all_view_ids,
                              decode_pair, encode_pair, view_ids_to_eyes)


def test_pair_index_round_trip_on_ints_and_arrays():
    assert PAIRS_PER_OBJECT == NUM_VIEWS**2 == 576
    assert encode_pair(3, 5, 7) == 3 * 576 + 5 * 24 + 7
    assert decode_pair(encode_pair(3, 5, 7)) == (3, 5, 7)
    obj = np.array([0, 1, 9])
    a, b = np.array([23, 0, 4]), np.array([0, 23, 4])
    index = encode_pair(obj, a, b)
    assert len(set(index.tolist())) == 3
    for got, want in zip(decode_pair(index), (obj, a, b)):
        np.testing.assert_array_equal(got, want)
    # consecutive indices walk view b, then view a, then objects
    assert decode_pair(np.arange(PAIRS_PER_OBJECT + 1))[0].tolist() == \
        [0] * PAIRS_PER_OBJECT + [1]


def test_view_eyes_follow_the_dataset_convention():
    eyes = view_ids_to_eyes(all_view_ids())
    assert eyes.shape == (NUM_VIEWS, 3)
    assert torch.allclose(eyes.norm(dim=1), torch.tensor(2.732))
    # view 0 looks from -z; view 6 (azimuth -90 degrees) from -x
    d = float(2.732 * np.cos(np.radians(30)))
    assert torch.allclose(eyes[0], torch.tensor([0.0, 1.366, -d]), atol=1e-5)
    assert torch.allclose(eyes[6], torch.tensor([-d, 1.366, 0.0]), atol=1e-5)
    with pytest.raises(TypeError, match='integers'):
        view_ids_to_eyes(torch.tensor([0.5]))
