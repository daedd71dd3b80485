default_scope = 'mmssr'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    # iteration-based training: log validation metrics at their iteration
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=False,
        interval=5000,
        max_keep_ckpts=3,
        save_last=True,
        save_best='shapenet/mIoU',
        rule='greater',
        # temporary file + rename: a crash never truncates a checkpoint
        backend_args=dict(backend='local_atomic')),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # checkpoints hold the keys of the unwrapped model (DDP-wrapped SSR
    # parts save reconstructor.* not reconstructor.module.*)
    match_wrapper_keys=dict(type='MatchWrapperKeysHook'),
    # checkpoints loadable with torch.load(weights_only=True)
    weights_only_checkpoint=dict(type='WeightsOnlyCheckpointHook'),
    visualization=dict(type='MeshVisualizationHook', interval=1))

env_cfg = dict(
    # input shapes are fixed: cuDNN may time its convolution algorithms once
    # and keep the fastest (randomness.deterministic=True turns it off)
    cudnn_benchmark=True,
    # TensorFloat-32 for the image networks' matmuls and convolutions on
    # GPUs that have it; the renderer stays in full float32 regardless
    tf32=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

# Add dict(type='TensorboardVisBackend') to also write TensorBoard event
# files (needs `pip install tensorboard`), e.g. with --cfg-options
# "vis_backends=[dict(type='LocalVisBackend'),dict(type='TensorboardVisBackend')]"
# or in a child config (set visualizer.vis_backends as well).
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='Visualizer', vis_backends=vis_backends, name='visualizer')

log_processor = dict(by_epoch=False, window_size=50)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)
