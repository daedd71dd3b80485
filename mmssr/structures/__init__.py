from .mesh_data_sample import MeshDataSample
from .views import (DATASET_AZIMUTH_STEP, DATASET_DISTANCE, DATASET_ELEVATION,
                    NUM_VIEWS, PAIRS_PER_OBJECT, all_view_ids, decode_pair,
                    encode_pair, eye_from_angles, view_ids_to_eyes)

__all__ = [
    'DATASET_AZIMUTH_STEP', 'DATASET_DISTANCE', 'DATASET_ELEVATION',
    'NUM_VIEWS', 'PAIRS_PER_OBJECT', 'all_view_ids', 'decode_pair',
    'encode_pair', 'eye_from_angles', 'view_ids_to_eyes', 'MeshDataSample'
]
