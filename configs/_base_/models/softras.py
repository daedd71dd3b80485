# SoftRas (Liu et al., ICCV 2019) as used by SSR: 64x64 RGBA input, template
# sphere of 642 vertices, sigma 1e-4, viewing angle 15 degrees. image_size is
# stated once, on the model: the encoder, the renderer and the data
# preprocessor (which resizes the stored views) take it from there.
model = dict(
    type='SoftRasReconstructor',
    image_size=64,
    data_preprocessor=dict(type='MeshDataPreprocessor'),
    # channels-last convolutions, and bfloat16 where the CPU has it natively
    # (float32 on CUDA and on other CPUs): docs/notes/benchmarks.md
    encoder=dict(
        type='SoftRasEncoder',
        in_channels=4,
        channels_last=True,
        compute_dtype='auto'),
    decoder=dict(type='TemplateMeshDecoder', in_channels=512, subdivisions=3),
    renderer=dict(
        type='SoftRasterizer',
        sigma_val=1e-4,
        dist_eps=1e-10,
        viewing_angle=15.0,
        aggr_func_rgb='softmax'),
    loss_silhouette=dict(type='MultiViewIoULoss', loss_weight=1.0),
    loss_laplacian=dict(type='LaplacianLoss', loss_weight=5e-3),
    loss_flatten=dict(type='FlattenLoss', loss_weight=5e-4))
