from .cameras import (eye_from_angles, look_at_rotation, perspective,
                      pixel_centers, world_to_camera)
from .mesh_data_sample import MeshDataSample
from .views import (DATASET_AZIMUTH_STEP, DATASET_DISTANCE, DATASET_ELEVATION,
                    NUM_VIEWS, PAIRS_PER_OBJECT, all_view_ids, decode_pair,
                    encode_pair, view_ids_to_eyes)
from .reference_voxelization import (voxelize_mesh_reference,
                                     voxelize_meshes_reference)
from .voxelization import voxel_centers, voxelize_mesh

__all__ = [
    'DATASET_AZIMUTH_STEP', 'DATASET_DISTANCE', 'DATASET_ELEVATION',
    'NUM_VIEWS', 'PAIRS_PER_OBJECT', 'all_view_ids', 'decode_pair',
    'encode_pair', 'eye_from_angles', 'look_at_rotation', 'perspective',
    'pixel_centers', 'view_ids_to_eyes', 'world_to_camera', 'MeshDataSample',
    'voxel_centers', 'voxelize_mesh', 'voxelize_mesh_reference',
    'voxelize_meshes_reference'
]
