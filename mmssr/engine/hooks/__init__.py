from .match_wrapper_keys_hook import MatchWrapperKeysHook
from .mesh_visualization_hook import MeshVisualizationHook
from .semi_supervised_viewpoint_hook import SemiSupervisedViewpointHook
from .sigma_schedule_hook import SigmaScheduleHook
from .test_show_hook import TestShowHook
from .weights_only_checkpoint_hook import WeightsOnlyCheckpointHook

__all__ = [
    'MatchWrapperKeysHook', 'MeshVisualizationHook',
    'SemiSupervisedViewpointHook', 'SigmaScheduleHook', 'TestShowHook',
    'WeightsOnlyCheckpointHook'
]
